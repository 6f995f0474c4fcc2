import { connect } from '@clustron/client'
import type { Store } from '@clustron/core'
import type { BenchClient, BenchTarget } from '../target.js'

/** A BenchClient over any Clustron Store (both modes share this). */
export function storeClient(store: Store): BenchClient {
  return {
    async put(key, value) {
      await store.put(key, value)
    },
    async get(key) {
      return (await store.get(key))?.value
    },
    async getSerializable(key) {
      return (await store.get(key, { consistency: 'serializable' }))?.value
    },
    async counterAdd(key, delta) {
      const result = await store.counters.add(key, delta)
      return result.value
    },
    async txn(keys, value) {
      await store.txn({
        if: [{ key: keys[0], target: 'version', op: '>', value: 0 }],
        then: keys.map((key) => ({ op: 'put' as const, key, value })),
      })
    },
    async close() {
      await store.close()
    },
  }
}

let sequence = 0

/** The in-process store (`inproc://`). */
export function inprocTarget(): BenchTarget {
  const name = `bench-${process.pid}-${++sequence}`
  return {
    name: 'inproc',
    supports: new Set(['put', 'get', 'counterAdd', 'txn', 'getSerializable']),
    async start() {},
    async client() {
      return storeClient(await connect(`inproc://${name}`))
    },
    async stop() {
      const { dropInProcStore } = await import('@clustron/core/internal')
      dropInProcStore(name)
    },
  }
}
