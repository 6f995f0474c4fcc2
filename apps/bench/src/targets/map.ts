import type { BenchClient, BenchTarget } from '../target.js'

/**
 * A bare `async` Map wrapper: the physical limit of an in-process store on this machine (a
 * promise per call and a hash lookup, no copies, no validation, no revisions).
 */
export function mapTarget(): BenchTarget {
  const map = new Map<string, unknown>()
  const client: BenchClient = {
    async put(key, value) {
      map.set(key, value)
    },
    async get(key) {
      return map.get(key)
    },
    async counterAdd(key, delta) {
      const value = ((map.get(key) as number | undefined) ?? 0) + delta
      map.set(key, value)
      return value
    },
    async txn(keys, value) {
      for (const key of keys) map.set(key, value)
    },
    async close() {},
  }
  return {
    name: 'map',
    supports: new Set(['put', 'get', 'counterAdd', 'txn']),
    async start() {},
    async client() {
      return client
    },
    async stop() {
      map.clear()
    },
  }
}
