import { resolve } from 'node:path'
import { fileURLToPath } from 'node:url'
import { parseArgs } from 'node:util'
import { UsageError } from './errors.js'
import { limits } from './limits.js'
import { knownTargets, resolveTargetNames } from './load-target.js'
import { allWorkloads, selectWorkloads, workloadNames } from './workloads/index.js'
import type { WorkloadSettings } from './workloads/types.js'

export interface BenchOptions {
  /** Target names in run order, peers included. */
  targets: string[]
  workloads: string[]
  durationMs: number
  warmupMs: number
  rounds: number
  settings: WorkloadSettings
  /** Directory the run's directory is created in. */
  out: string
  profile: boolean
  /** Regenerate docs/benchmarks.md from this run. */
  docs: boolean
  /** No progress bar or messages on stderr. */
  quiet: boolean
  /** The arguments as given, for the report. */
  command: string
}

/** The default results directory: apps/bench/results/ (git-ignored), whatever the working directory. */
export const defaultOut = fileURLToPath(new URL('../results/', import.meta.url))

/** Defaults, and the --quick ones (a smoke run in seconds). Explicit flags win over both. */
const defaults = { duration: '400ms', warmup: '50ms', rounds: '2', valueBytes: '100,4096', keys: '100000', watchers: '1000', leases: '10000', memoryKeys: '1000000' }
const quick = { duration: '200ms', warmup: '50ms', rounds: '1', valueBytes: '100', keys: '10000', watchers: '100', leases: '1000', memoryKeys: '100000' }

export const usage = `pnpm bench [options]

  --targets <list>       ${knownTargets.join(',')} or all (default inproc,map).
                         Each Clustron target brings its peer (inproc→map, remote→redis,
                         cluster3→etcd) unless --no-peers. Unavailable targets are skipped.
  --workloads <list>     ${workloadNames.join(',')}
                         or all (default all)
  --duration <time>      measured time per cell, e.g. 500ms, 10s (default ${defaults.duration})
  --warmup <time>        warm-up before each cell (default ${defaults.warmup})
  --rounds <n>           rounds per cell, targets alternating A B / B A (default ${defaults.rounds})
  --in-flight <list>     operations in flight (default 1,64; lock/watch/lease use their own)
  --value-bytes <list>   value sizes (default ${defaults.valueBytes})
  --keys <n>             preloaded keys (default ${defaults.keys})
  --contenders <n>       lock contenders (default 16)
  --watchers <n>         watchers of the watch workload (default ${defaults.watchers})
  --leases <n>           leases of the lease workload (default ${defaults.leases})
  --memory-keys <n>      keys loaded by the memory workload (default ${defaults.memoryKeys})
  --out <dir>            results directory (default apps/bench/results/)
  --profile              CPU profile of the Clustron store for each measured cell
  --docs                 regenerate docs/benchmarks.md from this run (also: pnpm bench:docs)
  --quick                a smoke run: ${quick.duration} cells, 1 round, ${quick.valueBytes} B values, fewer keys
  --quiet                no progress on stderr
  --memory               (kept for old scripts) same as adding memory to --workloads
  --help

Workloads:
${allWorkloads.map((workload) => `  ${workload.name.padEnd(18)} ${workload.description}`).join('\n')}`

export function parseDuration(text: string): number {
  const match = /^(\d+(?:\.\d+)?)(ms|s|m)?$/.exec(text.trim())
  if (match === null) throw new UsageError(`'${text}' is not a duration (e.g. 500ms, 10s, 1m)`)
  const amount = Number(match[1])
  return match[2] === 'ms' ? amount : match[2] === 'm' ? amount * 60_000 : amount * 1000
}

function count(flag: string, text: string, max: number, min = 1): number {
  const value = Number(text)
  if (!Number.isInteger(value) || value < min || value > max) throw new UsageError(`--${flag} must be a whole number from ${min} to ${max}, got '${text}'`)
  return value
}

const list = (text: string) =>
  text
    .split(',')
    .map((item) => item.trim())
    .filter((item) => item.length > 0)

/** Parses `pnpm bench` arguments; 'help' for --help. Throws UsageError on a mistake. */
export function parseOptions(argv: string[]): BenchOptions | 'help' {
  const string = { type: 'string' } as const
  const flag = { type: 'boolean' } as const
  const { values } = parseArgs({
    // `pnpm bench -- --quick` passes the separator through.
    args: argv[0] === '--' ? argv.slice(1) : argv,
    options: {
      targets: string, workloads: string, duration: string, warmup: string, rounds: string, 'in-flight': string, 'value-bytes': string,
      keys: string, contenders: string, watchers: string, leases: string, 'memory-keys': string, out: string,
      profile: flag, docs: flag, quick: flag, quiet: flag, memory: flag, 'no-peers': flag, help: flag,
    },
    strict: true,
    allowPositionals: false,
  })
  if (values.help === true) return 'help'
  const base = values.quick === true ? quick : defaults
  const workloads = list(values.workloads ?? 'all')
  if (values.memory === true && !workloads.includes('memory') && !workloads.includes('all')) workloads.push('memory')
  selectWorkloads(workloads) // checks the names now, before anything starts
  const durationMs = parseDuration(values.duration ?? base.duration)
  if (durationMs <= 0) throw new UsageError('--duration must be above 0')
  return {
    targets: resolveTargetNames(list(values.targets ?? 'inproc,map'), values['no-peers'] !== true),
    workloads,
    durationMs,
    warmupMs: parseDuration(values.warmup ?? base.warmup),
    rounds: count('rounds', values.rounds ?? base.rounds, limits.roundsMax),
    settings: {
      keys: count('keys', values.keys ?? base.keys, limits.keysMax, 4),
      contenders: count('contenders', values.contenders ?? '16', limits.inFlightMax, 2),
      watchers: count('watchers', values.watchers ?? base.watchers, 100_000),
      leases: count('leases', values.leases ?? base.leases, limits.keysMax),
      memoryKeys: count('memory-keys', values['memory-keys'] ?? base.memoryKeys, limits.keysMax),
      inFlight: list(values['in-flight'] ?? '1,64').map((text) => count('in-flight', text, limits.inFlightMax)),
      valueBytes: list(values['value-bytes'] ?? base.valueBytes).map((text) => count('value-bytes', text, limits.valueBytesMax)),
    },
    out: values.out === undefined ? defaultOut : resolve(values.out),
    profile: values.profile === true,
    docs: values.docs === true,
    quiet: values.quiet === true,
    command: argv.join(' '),
  }
}
