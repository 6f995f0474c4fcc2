import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join, relative, resolve } from 'node:path'
import { parseArgs } from 'node:util'
import { collectEnvironment } from './environment.js'
import { UsageError } from './errors.js'
import { defaultFailoverSettings, measureFailover, type FailoverCluster, type FailoverResult, type FailoverSettings } from './failover.js'
import { limits } from './limits.js'
import { withDeadline } from './measure.js'
import { defaultOut } from './options.js'
import { ClustronProcessCluster } from './targets/cluster3.js'
import { EtcdProcessCluster } from './targets/etcd.js'
import { TargetUnavailable } from './target.js'

const usage = `pnpm bench:failover [options]

Failover time of a 3-member cluster: with a writer running (a put every --interval), kill -9 the
leader, time until a write issued after the kill is acknowledged; restart the killed member, wait
until it has caught up; --runs times. Reports every run and the median.

  --targets <list>   cluster3,etcd (default both; etcd is skipped when not installed)
  --runs <n>         kills per target (default ${defaultFailoverSettings.runs})
  --interval <ms>    one write every this many ms (default ${defaultFailoverSettings.writeIntervalMs})
  --out <dir>        results directory (default apps/bench/results/)
  --help`

interface StartedCluster extends FailoverCluster {
  start(): Promise<void>
  stop(): Promise<void>
}

const clusters: Record<string, (dataDirectory: string) => StartedCluster> = {
  cluster3: (dataDirectory) => new ClustronProcessCluster({ dataDirectory }),
  etcd: (dataDirectory) => new EtcdProcessCluster({ dataDirectory }),
}

/** Runs per target are few: each costs a kill, an election, a restart and a catch-up. */
const runsMax = 50

function parse(argv: string[]): { targets: string[]; settings: FailoverSettings; out: string } | 'help' {
  const { values } = parseArgs({
    args: argv[0] === '--' ? argv.slice(1) : argv,
    options: { targets: { type: 'string' }, runs: { type: 'string' }, interval: { type: 'string' }, out: { type: 'string' }, help: { type: 'boolean' } },
    strict: true,
  })
  if (values.help === true) return 'help'
  const targets = (values.targets ?? 'cluster3,etcd').split(',').map((name) => name.trim()).filter((name) => name.length > 0)
  for (const name of targets) if (clusters[name] === undefined) throw new UsageError(`unknown failover target '${name}'; known: ${Object.keys(clusters).join(', ')}`)
  const runs = Number(values.runs ?? defaultFailoverSettings.runs)
  if (!Number.isInteger(runs) || runs < 1 || runs > runsMax) throw new UsageError(`--runs must be a whole number from 1 to ${runsMax}`)
  const interval = Number(values.interval ?? defaultFailoverSettings.writeIntervalMs)
  if (!Number.isInteger(interval) || interval < 1 || interval > 1_000) throw new UsageError('--interval must be a whole number of ms from 1 to 1000')
  return { targets, settings: { ...defaultFailoverSettings, runs, writeIntervalMs: interval }, out: values.out === undefined ? defaultOut : resolve(values.out) }
}

const ms = (value: number | undefined) => (value === undefined ? '–' : `${Math.round(value)} ms`)

function renderMarkdown(results: FailoverResult[], skipped: string[], settings: FailoverSettings): string {
  const lines = [
    `Writer: one put of 100 B every ${settings.writeIntervalMs} ms (open loop). Failover = kill -9 of the leader → first acknowledged write issued after the kill.`,
    '',
    '| target | median failover | runs (failover / new leader elected) | failed writes per run | unrecovered |',
    '|---|---:|---|---|---:|',
  ]
  for (const result of results) {
    const runs = result.runs.map((run) => `${ms(run.failoverMs)} / ${ms(run.electedMs)}`).join(', ')
    const failed = result.runs.map((run) => run.failedWrites).join(', ')
    lines.push(`| ${result.target} | ${ms(result.medianMs)} | ${runs} | ${failed} | ${result.unrecovered} |`)
  }
  const [first, second] = results
  if (first?.medianMs !== undefined && second?.medianMs !== undefined) {
    lines.push('', `${first.target} / ${second.target} median: ${(first.medianMs / second.medianMs).toFixed(2)}×`)
  }
  for (const result of results) for (const run of result.runs) if (run.firstError !== undefined) lines.push('', `${result.target} first write error: ${run.firstError}`)
  for (const line of skipped) lines.push('', line)
  return `${lines.join('\n')}\n`
}

async function main(): Promise<void> {
  let parsed
  try {
    parsed = parse(process.argv.slice(2))
  } catch (error) {
    if (!(error instanceof UsageError) && (error as { code?: string }).code?.startsWith('ERR_PARSE_ARGS') !== true) throw error
    console.error(`${(error as Error).message}\n(pnpm bench:failover --help lists the options)`)
    process.exit(2)
  }
  if (parsed === 'help') {
    console.log(usage)
    return
  }
  const { targets, settings, out } = parsed
  const startedAt = new Date()
  const directory = join(out, `${startedAt.toISOString().replace(/[:.]/g, '-')}-failover`)
  mkdirSync(directory, { recursive: true })
  const scratch = mkdtempSync(join(tmpdir(), 'clustron-failover-'))
  const results: FailoverResult[] = []
  const skipped: string[] = []
  try {
    for (const name of targets) {
      const cluster = clusters[name]!(join(scratch, name))
      process.stderr.write(`starting ${name}…\n`)
      try {
        await withDeadline(cluster.start(), limits.startTimeoutMs, `starting ${name}`)
        results.push(
          await measureFailover(cluster, settings, (run, index) => {
            process.stderr.write(`${name} run ${index + 1}/${settings.runs}: killed ${run.killed}, ${run.newLeader} elected after ${ms(run.electedMs)}, writes again after ${ms(run.failoverMs)}\n`)
          }),
        )
      } catch (error) {
        if (!(error instanceof TargetUnavailable)) throw error
        skipped.push(`${name}: skipped — ${error.message}`)
      } finally {
        await withDeadline(cluster.stop(), limits.closeTimeoutMs, `stopping ${name}`).catch((error: unknown) => skipped.push(String(error)))
      }
    }
  } finally {
    rmSync(scratch, { recursive: true, force: true })
  }
  const markdown = renderMarkdown(results, skipped, settings)
  writeFileSync(join(directory, 'failover.json'), `${JSON.stringify({ schema: 1, startedAt: startedAt.toISOString(), settings, environment: collectEnvironment(), results, skipped }, null, 2)}\n`)
  writeFileSync(join(directory, 'failover.md'), `# Failover of ${startedAt.toISOString().slice(0, 19).replace('T', ' ')} UTC\n\n${markdown}`)
  console.log(markdown)
  console.log(`wrote ${relative(process.cwd(), directory) || '.'}/ (failover.md, failover.json)`)
  // Clusters are stopped; a client library holding a handle must not keep the process alive.
  setTimeout(() => process.exit(0), 5_000).unref()
}

main().catch((error: unknown) => {
  console.error(error)
  process.exit(1)
})
