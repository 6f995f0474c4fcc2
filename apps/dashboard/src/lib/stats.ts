import type { LatencyHistogram, StoreStats, StoreStatsEntry } from './http.js'

/** One point of a store's live charts: rates and latencies over the interval since the last sample. */
export interface StatsSample {
  /** The node's clock (epoch ms) at the end of the interval. */
  at: number
  opsPerSecond: number
  errorsPerSecond: number
  /** Per operation, requests per second. */
  byOp: Record<string, number>
  /** Seconds; undefined when no request finished in the interval. */
  p50?: number
  p99?: number
  mean?: number
}

/**
 * The q-quantile (0..1) of the requests that finished between two cumulative histograms, estimated
 * as Prometheus' histogram_quantile does: find the bucket holding the rank, interpolate linearly
 * inside it. A rank past the last finite bucket answers that bucket's bound (a floor, not a guess).
 * Undefined when no request finished, or when the counters went back (the node restarted).
 */
export function quantileBetween(previous: LatencyHistogram, current: LatencyHistogram, q: number): number | undefined {
  const total = current.count - previous.count
  if (!(total > 0) || current.buckets.length === 0) return undefined
  const rank = q * total
  let lowerBound = 0
  let below = 0
  for (let index = 0; index < current.buckets.length; index++) {
    const bound = current.buckets[index]!
    const inOrBelow = (current.counts[index] ?? 0) - countAt(previous, bound)
    if (inOrBelow < below) return undefined
    if (inOrBelow >= rank) {
      const inBucket = inOrBelow - below
      if (inBucket <= 0) return bound
      return lowerBound + (bound - lowerBound) * ((rank - below) / inBucket)
    }
    below = inOrBelow
    lowerBound = bound
  }
  return lowerBound
}

/** The cumulative count of `histogram` at `bound` (0 when the histogram had no such bucket yet). */
function countAt(histogram: LatencyHistogram, bound: number): number {
  const index = histogram.buckets.indexOf(bound)
  return index < 0 ? 0 : (histogram.counts[index] ?? 0)
}

const zero: StoreStatsEntry = { requests: 0, errors: 0, byOp: {}, latency: { buckets: [], counts: [], count: 0, sumSeconds: 0 } }

/**
 * The sample of one store between two reads of /api/stats, or undefined when the interval is not
 * usable (no time passed, or counters went back because the node restarted). A store missing from
 * the earlier read had served nothing yet: its counters start from zero.
 */
export function sampleBetween(previous: StoreStats, current: StoreStats, store: string): StatsSample | undefined {
  const seconds = (current.at - previous.at) / 1000
  if (!(seconds > 0)) return undefined
  const before = previous.stores[store] ?? zero
  const after = current.stores[store] ?? zero
  const requests = after.requests - before.requests
  const errors = after.errors - before.errors
  if (requests < 0 || errors < 0) return undefined
  const byOp: Record<string, number> = {}
  for (const [op, count] of Object.entries(after.byOp)) {
    const delta = count - (before.byOp[op] ?? 0)
    if (delta > 0) byOp[op] = delta / seconds
  }
  const sample: StatsSample = { at: current.at, opsPerSecond: requests / seconds, errorsPerSecond: errors / seconds, byOp }
  const p50 = quantileBetween(before.latency, after.latency, 0.5)
  const p99 = quantileBetween(before.latency, after.latency, 0.99)
  const finished = after.latency.count - before.latency.count
  if (p50 !== undefined) sample.p50 = p50
  if (p99 !== undefined) sample.p99 = p99
  if (finished > 0) sample.mean = (after.latency.sumSeconds - before.latency.sumSeconds) / finished
  return sample
}
