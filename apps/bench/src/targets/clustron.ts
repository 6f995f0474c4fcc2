import { connect } from '@clustron/client'
import type { Store } from '@clustron/core'
import { benchProcessMemory } from '../memory.js'
import type { BenchClient, BenchTarget, BenchWatch, TargetOptions } from '../target.js'

/** A BenchClient over any Clustron Store: the in-process and remote targets share it. */
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
    async putMany(entries) {
      await store.putMany(entries)
    },
    async counterAdd(key, delta) {
      const result = await store.counters.add(key, delta)
      return result.value
    },
    async getWithVersion(key) {
      const entry = await store.get<Uint8Array>(key)
      return { value: entry?.value, version: entry?.version ?? 0 }
    },
    async putIfVersion(key, value, version) {
      return (await store.put(key, value, { ifVersion: version })).ok
    },
    async txn(keys, value) {
      await store.txn({
        if: [{ key: keys[0], target: 'version', op: '>', value: 0 }],
        then: keys.map((key) => ({ op: 'put' as const, key, value })),
      })
    },
    async lock(name, waitMs) {
      const lock = await store.locks.acquire(name, { waitMs })
      return { release: () => lock.release() }
    },
    async watch(key, onValue) {
      return watchValues(store, key, onValue)
    },
    async leaseGrant(ttlMs) {
      const lease = await store.leases.grant(ttlMs, { keepAlive: false })
      return { renew: () => lease.renew(), revoke: () => lease.revoke() }
    },
    async close() {
      await store.close()
    },
  }
}

async function watchValues(store: Store, key: string, onValue: (value: Uint8Array) => void): Promise<BenchWatch> {
  const watch = store.watch<Uint8Array>(key)
  await watch.ready
  const consumed = (async () => {
    for await (const event of watch) if (event.type === 'put' && event.value !== undefined) onValue(event.value)
  })().catch(() => {
    // Closed, or cut off as a slow consumer: the workload counts the deliveries that never came.
  })
  return {
    async close() {
      watch.close()
      await consumed
    },
  }
}

let sequence = 0

/** The in-process store (`inproc://`), in the bench process itself. */
export function inprocTarget(_options?: TargetOptions): BenchTarget {
  const name = `bench-${process.pid}-${++sequence}`
  return {
    name: 'inproc',
    profiling: 'in-process',
    async version() {
      return 'Clustron in-process store (this workspace), in the bench process'
    },
    async start() {},
    async client() {
      return storeClient(await connect(`inproc://${name}`))
    },
    memory: benchProcessMemory,
    async stop() {
      const { dropInProcStore } = await import('@clustron/core/internal')
      dropInProcStore(name)
    },
  }
}
