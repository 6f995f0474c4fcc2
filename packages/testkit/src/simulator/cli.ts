/**
 * `pnpm sim --seed N [--nodes 3|5] [--trace]` replays one run and prints what it did (with
 * `--trace`, every event as it runs);
 * `pnpm sim --seeds COUNT [--start S] [--nodes 3|5|3,5]` runs many, with a progress line and a
 * summary (seeds run, failures with their seeds, operations checked, faults injected, unknowns).
 * Exit code 1 when any run failed.
 */
import { describeFailure, writeFailureReport } from './report.js'
import type { SimulationResult } from './result.js'
import { runSimulation } from './simulation.js'

interface CliOptions {
  seed: number | undefined
  seeds: number | undefined
  start: number
  nodes: number[]
  safetyMs: number | undefined
  clients: number | undefined
  checkTimeoutMs: number | undefined
  stopOnFailure: boolean
  trace: boolean
}

function parseArguments(argv: readonly string[]): CliOptions {
  const options: CliOptions = { seed: undefined, seeds: undefined, start: 1, nodes: [3], safetyMs: undefined, clients: undefined, checkTimeoutMs: undefined, stopOnFailure: false, trace: false }
  for (let index = 0; index < argv.length; index++) {
    const argument = argv[index]!
    const value = () => {
      const next = argv[++index]
      if (next === undefined) throw new Error(`${argument} needs a value`)
      return next
    }
    const integer = () => {
      const text = value()
      const parsed = Number(text)
      if (!Number.isSafeInteger(parsed) || parsed < 0) throw new Error(`${argument} takes a non-negative integer, got ${text}`)
      return parsed
    }
    switch (argument) {
      case '--seed': options.seed = integer(); break
      case '--seeds': options.seeds = integer(); break
      case '--start': options.start = integer(); break
      case '--nodes': options.nodes = value().split(',').map(Number); break
      case '--safety-ms': options.safetyMs = integer(); break
      case '--clients': options.clients = integer(); break
      case '--check-timeout-ms': options.checkTimeoutMs = integer(); break
      case '--stop-on-failure': options.stopOnFailure = true; break
      case '--trace': options.trace = true; break
      case '--': break
      default: throw new Error(`unknown argument ${argument} (usage: --seed N [--trace] | --seeds COUNT [--start S] [--stop-on-failure]; [--nodes 3|5|3,5] [--safety-ms MS] [--clients N] [--check-timeout-ms MS])`)
    }
  }
  for (const nodes of options.nodes) if (nodes !== 3 && nodes !== 5) throw new Error(`--nodes takes 3, 5 or 3,5; got ${nodes}`)
  return options
}

function summarizeRun(result: SimulationResult): string {
  const checks = result.checks.map((check) => `${check.name}:${check.outcome}(${check.operations})`).join(' ')
  return [
    `seed=${result.seed} nodes=${result.nodes} ${result.ok ? 'ok' : 'FAILED'} trace=${result.traceHash}`,
    result.configDescription,
    `${result.events} events, ${(result.virtualMs / 1000).toFixed(1)} s virtual, ${(result.wallMs / 1000).toFixed(2)} s wall`,
    `operations ${result.operations.recorded} (ok ${result.operations.ok}, unknown ${result.operations.unknown}, dropped ${result.operations.dropped}, internal ${result.operations.internal}); committed entries ${result.committedEntries}`,
    `faults ${result.faults.total} (crashes ${result.cluster.crashes}, pauses ${result.faults.pauses}, partitions ${result.faults.partitions}, network ${result.faults.networkFaults}, disk ${result.faults.diskFaults}, transfers ${result.faults.transfers}); leaders ${result.leaders}; snapshots installed ${result.cluster.snapshotsInstalled}`,
    `disk: ${result.disk.syncs} syncs, ${result.disk.snapshots} snapshots, ${result.disk.recordsLost} unsynced records lost, ${result.disk.tornCrashes} torn tails; network: ${result.network.sent} sent, ${result.network.dropped} dropped, ${result.network.duplicated} duplicated, ${result.network.heldAndDelivered} delivered late after being held`,
    `watch: ${result.watch.events} events, ${result.watch.reconnects} resumes; checks: ${checks}`,
    `recovery after the heal: final reads answered after ${formatMs(result.recovery.finalReadsMs)}, all nodes converged after ${formatMs(result.recovery.convergedMs)}`,
  ].join('\n')
}

function formatMs(ms: number | undefined): string {
  return ms === undefined ? '-' : `${ms.toFixed(0)} ms`
}

async function runOne(seed: number, nodes: number, options: CliOptions, trace = false): Promise<SimulationResult> {
  return runSimulation({
    seed,
    nodes,
    safetyMs: options.safetyMs,
    clients: options.clients,
    ...(options.checkTimeoutMs === undefined ? {} : { checkTimeoutMs: options.checkTimeoutMs }),
    ...(trace ? { onEvent: (line: string) => console.log(line) } : {}),
  })
}

async function replay(options: CliOptions, seed: number): Promise<boolean> {
  let ok = true
  for (const nodes of options.nodes) {
    const result = await runOne(seed, nodes, options, options.trace)
    console.log(summarizeRun(result))
    if (!result.ok) {
      ok = false
      console.log(describeFailure(result))
      for (const path of await writeFailureReport(result)) console.log(`report: ${path}`)
    }
  }
  return ok
}

interface Totals {
  runs: number
  failed: { seed: number; nodes: number; kind: string; replay: string }[]
  operations: number
  unknown: number
  internal: number
  faults: number
  crashes: number
  checksUnknown: number
  events: number
  virtualMs: number
  /** Heal → final reads answered, per run (for the median and the worst). */
  recoveriesMs: number[]
}

async function many(options: CliOptions, count: number): Promise<boolean> {
  const totals: Totals = { runs: 0, failed: [], operations: 0, unknown: 0, internal: 0, faults: 0, crashes: 0, checksUnknown: 0, events: 0, virtualMs: 0, recoveriesMs: [] }
  const startedMs = performance.now()
  let lastProgressMs = 0
  for (let seed = options.start; seed < options.start + count; seed++) {
    for (const nodes of options.nodes) {
      const result = await runOne(seed, nodes, options)
      accumulate(totals, result)
      if (!result.ok) {
        process.stdout.write('\n')
        console.log(describeFailure(result))
        for (const path of await writeFailureReport(result)) console.log(`  report: ${path}`)
        if (options.stopOnFailure) return finish(totals, startedMs)
      }
      const nowMs = performance.now()
      // A progress line: rewritten in place on a terminal, one line every 30 s in a log.
      if (nowMs - lastProgressMs > (process.stdout.isTTY ? 1_000 : 30_000)) {
        lastProgressMs = nowMs
        process.stdout.write(process.stdout.isTTY ? `\r${progressLine(totals, seed, nowMs - startedMs)}` : `${progressLine(totals, seed, nowMs - startedMs)}\n`)
      }
    }
  }
  return finish(totals, startedMs)
}

function accumulate(totals: Totals, result: SimulationResult): void {
  totals.runs++
  totals.operations += result.operations.recorded
  totals.unknown += result.operations.unknown
  totals.internal += result.operations.internal
  totals.faults += result.faults.total
  totals.crashes += result.cluster.crashes
  totals.checksUnknown += result.checks.filter((check) => check.outcome === 'unknown').length
  totals.events += result.events
  totals.virtualMs += result.virtualMs
  if (result.recovery.finalReadsMs !== undefined) totals.recoveriesMs.push(result.recovery.finalReadsMs)
  if (!result.ok) totals.failed.push({ seed: result.seed, nodes: result.nodes, kind: result.failures[0]?.kind ?? '?', replay: result.replay })
}

function progressLine(totals: Totals, seed: number, elapsedMs: number): string {
  return `seed ${seed}: ${totals.runs} runs, ${totals.failed.length} failed, ${totals.operations} ops (${totals.unknown} unknown), ${totals.faults} faults, ${(elapsedMs / 1000).toFixed(0)} s`
}

function finish(totals: Totals, startedMs: number): boolean {
  const elapsedMs = performance.now() - startedMs
  process.stdout.write('\n')
  console.log(`runs: ${totals.runs} in ${(elapsedMs / 1000).toFixed(1)} s (${(elapsedMs / Math.max(1, totals.runs)).toFixed(0)} ms each; ${(totals.virtualMs / 1000).toFixed(0)} s virtual, ${totals.events} events)`)
  console.log(`operations checked: ${totals.operations} (${totals.unknown} with unknown outcome) + ${totals.internal} internal (expiry)`)
  console.log(`faults injected: ${totals.faults} (${totals.crashes} crashes); linearizability checks that ran out of budget: ${totals.checksUnknown}`)
  const recoveries = [...totals.recoveriesMs].sort((left, right) => left - right)
  if (recoveries.length > 0) console.log(`recovery after the heal (final reads answered): median ${formatMs(recoveries[recoveries.length >> 1])}, worst ${formatMs(recoveries[recoveries.length - 1])}`)
  console.log(`failures: ${totals.failed.length}`)
  for (const failure of totals.failed) console.log(`  seed=${failure.seed} nodes=${failure.nodes} [${failure.kind}] replay: ${failure.replay}`)
  return totals.failed.length === 0
}

async function main(): Promise<void> {
  const options = parseArguments(process.argv.slice(2))
  let ok: boolean
  if (options.seed !== undefined) ok = await replay(options, options.seed)
  else ok = await many(options, options.seeds ?? 100)
  process.exitCode = ok ? 0 : 1
}

main().catch((error: unknown) => {
  console.error(error)
  process.exitCode = 2
})
