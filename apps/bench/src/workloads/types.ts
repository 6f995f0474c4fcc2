import { type LoopResult, type Measurement } from '../measure.js'
import type { BenchClient, BenchOperation, BenchTarget } from '../target.js'

/** Sizes of the workloads that are not set by --in-flight / --value-bytes. */
export interface WorkloadSettings {
  /** Keys preloaded for the key-value workloads (reads hit). */
  keys: number
  /** Lock contenders of the lock workload. */
  contenders: number
  /** Watchers of the watch workload. */
  watchers: number
  /** Leases of the lease workload. */
  leases: number
  /** Keys loaded by the memory workload. */
  memoryKeys: number
  inFlight: number[]
  valueBytes: number[]
}

/** What a workload gets to run one cell against one target. */
export interface CellContext {
  target: BenchTarget
  round: number
  /** A warm-up pass: same work, results discarded (a workload may return [] at once). */
  warmup: boolean
  durationMs: number
  inFlight: number
  valueBytes: number
  settings: WorkloadSettings
  /** Seeded per round: every target sees the same key sequence. */
  random: () => number
  /** A new client of the target; the harness closes it after the cell. */
  client(): Promise<BenchClient>
}

export interface Workload {
  readonly name: string
  /** One line for --help and the report. */
  readonly description: string
  /** Client methods it needs; a target whose client lacks one is n/a. */
  readonly needs: readonly BenchOperation[]
  /** Needs `BenchTarget.memory()` as well. */
  readonly needsTargetMemory?: boolean
  /** Needs `settings.keys` keys of the cell's value size loaded first. */
  readonly preload: boolean
  /** The concurrencies it runs at (a natural one for lock/watch/lease). */
  inFlight(settings: WorkloadSettings): number[]
  /** The value sizes it runs at ([0] when values do not matter). */
  valueSizes(settings: WorkloadSettings): number[]
  /** The rows it reports, when not just its name (the phases of the lease workload). */
  readonly rows?: readonly string[]
  /** Runs once whatever --rounds says (a second load of the same keys would measure nothing). */
  readonly singleRound?: boolean
  /** Runs on a new instance of each target, started for it: measures from empty, not after other workloads. */
  readonly freshTarget?: boolean
  /** Runs after every other workload (it leaves many keys behind). */
  readonly runsLast?: boolean
  /** How long one cell may take beyond its planned duration before it is abandoned. */
  readonly extraTimeMs?: number
  /** Runs one cell; may return several rows (phases). */
  run(context: CellContext): Promise<Measurement[]>
}

/** Builds the measurement of one row of a cell from a loop's result. */
export function measurement(
  context: CellContext,
  row: { workload: string; unit: string; operations?: number; extra?: Record<string, number> },
  result: LoopResult,
): Measurement {
  const operations = row.operations ?? result.latency.count
  const out: Measurement = {
    target: context.target.name,
    workload: row.workload,
    inFlight: context.inFlight,
    valueBytes: context.valueBytes,
    round: context.round,
    unit: row.unit,
    operations,
    errors: result.errors.count,
    durationMs: result.durationMs,
    opsPerSecond: result.durationMs > 0 ? (operations / result.durationMs) * 1000 : 0,
    latencyMs: result.latency.summary(),
    extra: row.extra ?? {},
  }
  if (result.errors.first !== undefined) out.firstError = result.errors.first
  return out
}

/** The missing capabilities of a target for a workload (empty: it can run). */
export function missingFor(workload: Workload, target: BenchTarget, client: BenchClient): string[] {
  const missing: string[] = workload.needs.filter((operation) => typeof client[operation] !== 'function' || (target.supports !== undefined && !target.supports.has(operation)))
  if (workload.needsTargetMemory === true && target.memory === undefined) missing.push('target memory()')
  return missing
}

/** A value of `bytes` bytes (at least `minimum`), filled so it does not compress to nothing. */
export function valueOf(bytes: number, minimum = 0): Uint8Array {
  return new Uint8Array(Math.max(bytes, minimum)).fill(97)
}
