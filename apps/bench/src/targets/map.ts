import { benchProcessMemory } from '../memory.js'
import type { BenchClient, BenchLease, BenchLock, BenchTarget, TargetOptions } from '../target.js'

/**
 * A bare `async` Map wrapper: the physical limit of an in-process store on this machine (a
 * promise per call and a hash lookup, no copies, no validation, no revisions). Locks, watches and
 * leases are the least that gives their semantics (FIFO handoff, callbacks, a deadline per lease).
 */
export function mapTarget(_options?: TargetOptions): BenchTarget {
  const map = new Map<string, unknown>()
  /** Versions of the keys written by putIfVersion only: plain puts stay a bare Map.set. */
  const versions = new Map<string, number>()
  const watchers = new Map<string, Set<(value: Uint8Array) => void>>()
  const locks = new Map<string, (() => void)[]>()
  const leases = new Map<number, number>()
  let leaseSequence = 0

  /** FIFO lock queues: the head is the holder; release grants the next one. */
  const lock = (name: string, waitMs: number): Promise<BenchLock> =>
    new Promise((resolve, reject) => {
      const release = async () => {
        const queue = locks.get(name)!
        queue.shift()
        if (queue.length === 0) locks.delete(name)
        else queue[0]!()
      }
      const queue = locks.get(name)
      if (queue === undefined) {
        locks.set(name, [() => undefined])
        resolve({ release })
        return
      }
      const grant = () => {
        clearTimeout(timer)
        resolve({ release })
      }
      const timer = setTimeout(() => {
        queue.splice(queue.indexOf(grant), 1)
        reject(new Error(`lock '${name}' not granted within ${waitMs} ms`))
      }, waitMs)
      queue.push(grant)
    })

  const client: BenchClient = {
    async put(key, value) {
      map.set(key, value)
      if (watchers.size !== 0) for (const onValue of watchers.get(key) ?? []) onValue(value)
    },
    async get(key) {
      return map.get(key)
    },
    /** A Map has one kind of read: the serializable read is the same get (so the row has a ratio). */
    async getSerializable(key) {
      return map.get(key)
    },
    async putMany(entries) {
      for (const [key, value] of entries) map.set(key, value)
    },
    async counterAdd(key, delta) {
      const value = ((map.get(key) as number | undefined) ?? 0) + delta
      map.set(key, value)
      return value
    },
    async getWithVersion(key) {
      return { value: map.get(key) as Uint8Array | undefined, version: versions.get(key) ?? 0 }
    },
    async putIfVersion(key, value, version) {
      if ((versions.get(key) ?? 0) !== version) return false
      versions.set(key, version + 1)
      map.set(key, value)
      return true
    },
    async txn(keys, value) {
      if (!map.has(keys[0])) return
      for (const key of keys) map.set(key, value)
    },
    lock,
    async watch(key, onValue) {
      let set = watchers.get(key)
      if (set === undefined) watchers.set(key, (set = new Set()))
      const callback = (value: Uint8Array) => onValue(value)
      set.add(callback)
      return {
        async close() {
          set.delete(callback)
          if (set.size === 0) watchers.delete(key)
        },
      }
    },
    async leaseGrant(ttlMs) {
      const id = ++leaseSequence
      leases.set(id, Date.now() + ttlMs)
      const lease: BenchLease = {
        async renew() {
          if (!leases.has(id)) throw new Error(`lease ${id} not found`)
          leases.set(id, Date.now() + ttlMs)
        },
        async revoke() {
          leases.delete(id)
        },
      }
      return lease
    },
    async close() {},
  }
  return {
    name: 'map',
    async version() {
      return `bare async Map (Node ${process.version})`
    },
    async start() {},
    async client() {
      return client
    },
    memory: benchProcessMemory,
    async stop() {
      map.clear()
      versions.clear()
      watchers.clear()
      leases.clear()
    },
  }
}
