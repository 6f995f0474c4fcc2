import { describe, expect, it } from 'vitest'
import type { LatencyHistogram, StoreStats } from '../src/lib/http.js'
import { quantileBetween, sampleBetween } from '../src/lib/stats.js'

const buckets = [0.001, 0.01, 0.1]
const histogram = (counts: number[], count: number, sumSeconds: number): LatencyHistogram => ({ buckets, counts, count, sumSeconds })

describe('quantileBetween', () => {
  it('interpolates inside the bucket that holds the rank, over the interval only', () => {
    const before = histogram([10, 10, 10], 10, 0.005)
    // 100 new requests: 50 at or below 1 ms, 40 more at or below 10 ms, 10 more at or below 100 ms.
    const after = histogram([60, 100, 110], 110, 0.5)
    expect(quantileBetween(before, after, 0.5)).toBeCloseTo(0.001, 9)
    // Rank 99 of 100: 9 of the 10 requests in (10 ms, 100 ms].
    expect(quantileBetween(before, after, 0.99)).toBeCloseTo(0.01 + 0.09 * 0.9, 9)
    expect(quantileBetween(before, after, 0.25)).toBeCloseTo(0.0005, 9)
  })

  it('answers the last finite bound for ranks beyond it, and nothing without requests or after a restart', () => {
    const empty = histogram([0, 0, 0], 0, 0)
    expect(quantileBetween(empty, histogram([0, 0, 0], 4, 8), 0.5)).toBe(0.1)
    expect(quantileBetween(empty, empty, 0.5)).toBeUndefined()
    expect(quantileBetween(histogram([5, 5, 5], 5, 1), histogram([1, 1, 1], 1, 0.1), 0.5)).toBeUndefined()
  })
})

describe('sampleBetween', () => {
  const stats = (at: number, requests: number, errors: number, put: number, latency: LatencyHistogram): StoreStats => ({
    at,
    stores: { orders: { requests, errors, byOp: { put, get: requests - put }, latency } },
  })

  it('turns two cumulative reads into rates, percentiles and a mean', () => {
    const sample = sampleBetween(stats(1_000, 10, 0, 5, histogram([10, 10, 10], 10, 0.01)), stats(3_000, 210, 4, 105, histogram([110, 210, 210], 210, 1.01)), 'orders')
    expect(sample).toBeDefined()
    expect(sample!.opsPerSecond).toBe(100)
    expect(sample!.errorsPerSecond).toBe(2)
    expect(sample!.byOp).toEqual({ put: 50, get: 50 })
    expect(sample!.p50).toBeCloseTo(0.001, 9)
    expect(sample!.mean).toBeCloseTo(0.005, 9)
  })

  it('starts a store missing from the earlier read at zero, and refuses counters that went back', () => {
    const later = stats(2_000, 4, 0, 4, histogram([4, 4, 4], 4, 0.002))
    expect(sampleBetween({ at: 1_000, stores: {} }, later, 'orders')?.opsPerSecond).toBe(4)
    expect(sampleBetween(later, stats(3_000, 1, 0, 1, histogram([1, 1, 1], 1, 0.001)), 'orders')).toBeUndefined()
    expect(sampleBetween(later, later, 'orders')).toBeUndefined()
  })
})
