import { performance } from 'node:perf_hooks'
import { limits } from './limits.js'
import type { BenchClient } from './target.js'

/** Latency percentiles in milliseconds; null when nothing was measured. */
export interface LatencySummary {
  p50: number | null
  p99: number | null
  p999: number | null
  max: number | null
  mean: number | null
  /** Samples the percentiles are computed from (a fair reservoir of all operations). */
  samples: number
}

/** One measured cell: one target, one workload row, one concurrency, one value size, one round. */
export interface Measurement {
  target: string
  /** The row label: the workload name, or a phase of it ('lease-grant', 'lease-keepalive'). */
  workload: string
  inFlight: number
  /** 0 when the workload has no value size (locks, leases). */
  valueBytes: number
  round: number
  /** What one operation is: 'ops', 'increments', 'acquisitions', 'deliveries', 'grants', 'renewals', 'keys'. */
  unit: string
  operations: number
  errors: number
  durationMs: number
  opsPerSecond: number
  latencyMs: LatencySummary
  /** Workload-specific numbers (retries, misses, bytes per key, ...), named with their unit. */
  extra: Record<string, number>
  firstError?: string
}

/** Latencies of one cell: every sample up to a bound, then a reservoir so the distribution stays fair. */
export class LatencyRecorder {
  readonly #samples: Float64Array
  #recorded = 0
  #seen = 0
  #sum = 0
  #max = 0
  readonly #random: () => number

  constructor(random: () => number, samplesMax: number = limits.latencySamplesMax) {
    this.#samples = new Float64Array(samplesMax)
    this.#random = random
  }

  get count(): number {
    return this.#seen
  }

  record(latencyMs: number): void {
    this.#seen++
    this.#sum += latencyMs
    if (latencyMs > this.#max) this.#max = latencyMs
    if (this.#recorded < this.#samples.length) this.#samples[this.#recorded++] = latencyMs
    else {
      const slot = Math.floor(this.#random() * this.#seen)
      if (slot < this.#samples.length) this.#samples[slot] = latencyMs
    }
  }

  summary(): LatencySummary {
    const recorded = this.#recorded
    if (recorded === 0) return { p50: null, p99: null, p999: null, max: null, mean: null, samples: 0 }
    const sorted = this.#samples.subarray(0, recorded).sort()
    const at = (quantile: number) => sorted[Math.min(recorded - 1, Math.floor(quantile * recorded))]!
    return { p50: at(0.5), p99: at(0.99), p999: at(0.999), max: this.#max, mean: this.#sum / this.#seen, samples: recorded }
  }
}

/** Counts failures and keeps the first message, so a failing operation shows up in the report. */
export class ErrorTally {
  count = 0
  first: string | undefined

  add(error: unknown): void {
    this.count++
    this.first ??= error instanceof Error ? `${error.name}: ${error.message}` : String(error)
  }
}

export interface LoopResult {
  latency: LatencyRecorder
  errors: ErrorTally
  durationMs: number
}

/**
 * A closed loop: `inFlight` lanes, each issuing its next operation as soon as the previous one
 * completed, until `durationMs` has passed or `operationsMax` operations were done. An operation
 * that throws counts as an error and the lane goes on. An operation may return false to say it
 * did no measurable work (nothing is recorded).
 */
export async function closedLoop(
  inFlight: number,
  durationMs: number,
  random: () => number,
  operation: (lane: number) => Promise<unknown>,
  operationsMax: number = limits.operationsPerCellMax,
): Promise<LoopResult> {
  const latency = new LatencyRecorder(random)
  const errors = new ErrorTally()
  const started = performance.now()
  const deadline = started + durationMs
  let issued = 0
  const lane = async (index: number) => {
    while (performance.now() < deadline && issued < operationsMax) {
      issued++
      const before = performance.now()
      try {
        if ((await operation(index)) === false) continue
      } catch (error) {
        errors.add(error)
        // A failing target must not turn the loop into a busy spin that starves its own I/O.
        await new Promise((resolve) => setImmediate(resolve))
        continue
      }
      latency.record(performance.now() - before)
    }
  }
  await Promise.all(Array.from({ length: inFlight }, (_, index) => lane(index)))
  return { latency, errors, durationMs: performance.now() - started }
}

/** Runs `operation` for indexes [0, count) with `inFlight` in flight; stops at `deadlineMs` (performance.now()). */
export async function forEachIndex(count: number, inFlight: number, deadlineMs: number, operation: (index: number) => Promise<void>): Promise<number> {
  let next = 0
  let done = 0
  const lane = async () => {
    while (next < count && performance.now() < deadlineMs) {
      await operation(next++)
      done++
    }
  }
  await Promise.all(Array.from({ length: Math.min(inFlight, count) }, lane))
  return done
}

/**
 * Loads keys `${prefix}${index}` for index in [0, count) with `value(index)`: putMany batches when
 * the client has it, single puts otherwise. Throws when the load does not finish in time.
 */
export async function loadKeys(
  client: Pick<BenchClient, 'put' | 'putMany'>,
  count: number,
  keyOf: (index: number) => string,
  value: (index: number) => Uint8Array,
): Promise<void> {
  const deadline = performance.now() + limits.loadTimeoutMs
  const putMany = client.putMany?.bind(client)
  let loaded: number
  if (putMany !== undefined) {
    const batch = limits.loadBatchEntries
    const batches = Math.ceil(count / batch)
    const loadedBatches = await forEachIndex(batches, 4, deadline, async (batchIndex) => {
      const entries: [string, Uint8Array][] = []
      for (let index = batchIndex * batch; index < Math.min(count, (batchIndex + 1) * batch); index++) entries.push([keyOf(index), value(index)])
      await retryIdempotent(() => putMany(entries), deadline)
    })
    loaded = loadedBatches === batches ? count : loadedBatches * batch
  } else {
    loaded = await forEachIndex(count, limits.loadInFlight, deadline, (index) => retryIdempotent(() => client.put(keyOf(index), value(index)), deadline))
  }
  if (loaded < count) throw new Error(`loaded only ${loaded} of ${count} keys in ${limits.loadTimeoutMs} ms`)
}

/**
 * Runs a write that may simply be repeated (loading keys: the same keys with the same values) again
 * after a retryable error (`retryable: true`, e.g. a TIMEOUT across a leader election on a busy
 * machine), up to `limits.loadAttemptsMax` times and never past `deadlineMs`; anything else throws.
 */
export async function retryIdempotent(write: () => Promise<void>, deadlineMs: number): Promise<void> {
  for (let attempt = 1; ; attempt++) {
    try {
      await write()
      return
    } catch (error) {
      const retryable = (error as { retryable?: unknown }).retryable === true
      if (!retryable || attempt >= limits.loadAttemptsMax || performance.now() >= deadlineMs) throw error
      await new Promise((resolve) => setTimeout(resolve, Math.min(2_000, 100 * 2 ** attempt)))
    }
  }
}

/** Rejects with a clear message when `promise` has not settled after `timeoutMs`. */
export async function withDeadline<T>(promise: Promise<T>, timeoutMs: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`${what} did not finish within ${Math.round(timeoutMs)} ms`)), timeoutMs)
  })
  try {
    return await Promise.race([promise, timeout])
  } finally {
    clearTimeout(timer)
  }
}

/** A small seeded PRNG (mulberry32): the same key sequence for every target. */
export function seededRandom(seed: number): () => number {
  let state = seed >>> 0
  return () => {
    state = (state + 0x6d2b79f5) >>> 0
    let t = state
    t = Math.imul(t ^ (t >>> 15), t | 1)
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61)
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296
  }
}

/** Wall-clock milliseconds with sub-ms precision, comparable across processes on this machine. */
export function nowEpochMs(): number {
  return performance.timeOrigin + performance.now()
}
