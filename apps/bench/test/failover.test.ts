import { performance } from 'node:perf_hooks'
import { describe, expect, it } from 'vitest'
import { measureFailover, median, type FailoverCluster } from '../src/failover.js'
import type { BenchClient } from '../src/target.js'

/**
 * A cluster in memory: killing the leader makes the next member lead `electionMs` later and every
 * write fail until `outageMs` after the kill (Infinity: never again). Restart and catch-up are instant.
 */
function fakeCluster(outageMs: number, electionMs = outageMs): FailoverCluster & { kills: string[]; restarts: string[] } {
  const members = ['a', 'b', 'c']
  let leader = 0
  let availableAt = 0
  let electedAt = 0
  const kills: string[] = []
  const restarts: string[] = []
  const client: BenchClient = {
    async put() {
      if (performance.now() < availableAt) throw new Error('UNAVAILABLE: no leader')
    },
    async get() {
      return undefined
    },
    async close() {},
  }
  return {
    name: 'fake',
    kills,
    restarts,
    async waitForLeader(excluding) {
      // A loop, not one timer: setTimeout rounds a fractional delay down and may fire up to 1 ms early.
      while (performance.now() < electedAt) await new Promise((resolve) => setTimeout(resolve, Math.ceil(electedAt - performance.now())))
      const current = members[leader]!
      if (current === excluding) throw new Error('assertion failed: the killed member still leads')
      return current
    },
    async kill(member) {
      kills.push(member)
      leader = (leader + 1) % members.length
      availableAt = performance.now() + outageMs
      electedAt = performance.now() + electionMs
    },
    async restart(member) {
      restarts.push(member)
    },
    async waitCaughtUp() {},
    async client() {
      return client
    },
  }
}

const settings = { runs: 3, writeIntervalMs: 2, settleMs: 30, recoveryTimeoutMs: 2_000 }

describe('failover measurement', () => {
  it('times kill → first acknowledged write issued after the kill, restarts the killed leader, and takes the median', async () => {
    const cluster = fakeCluster(150)
    const result = await measureFailover(cluster, settings)
    expect(cluster.kills).toEqual(['a', 'b', 'c'])
    expect(cluster.restarts).toEqual(['a', 'b', 'c'])
    expect(result.runs.map((run) => run.newLeader)).toEqual(['b', 'c', 'a'])
    expect(result.unrecovered).toBe(0)
    for (const run of result.runs) {
      expect(run.failoverMs).toBeGreaterThanOrEqual(150)
      expect(run.failoverMs).toBeLessThan(400)
      expect(run.electedMs).toBeGreaterThanOrEqual(149)
      expect(run.failedWrites).toBeGreaterThan(0)
      expect(run.succeeded).toBeLessThan(run.writes)
      expect(run.firstError).toContain('UNAVAILABLE')
    }
    expect(result.medianMs).toBe(median(result.runs.map((run) => run.failoverMs!)))
  })

  it('reports a run whose writes never come back as unrecovered instead of hanging', async () => {
    const cluster = fakeCluster(Number.POSITIVE_INFINITY, 20)
    const result = await measureFailover(cluster, { ...settings, runs: 1, recoveryTimeoutMs: 100 })
    expect(result).toMatchObject({ unrecovered: 1, medianMs: undefined })
    expect(result.runs[0]).toMatchObject({ killed: 'a', newLeader: 'b', failoverMs: undefined })
    expect(cluster.restarts).toEqual(['a'])
  })

  it('computes medians of odd and even counts', () => {
    expect(median([])).toBeUndefined()
    expect(median([3, 1, 2])).toBe(2)
    expect(median([4, 1, 3, 2])).toBe(2.5)
  })
})
