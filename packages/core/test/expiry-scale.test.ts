import { afterEach, describe, expect, it, vi } from 'vitest'
import { encodeValue } from '../src/codec.js'
import { DeadlineHeap } from '../src/machine/deadlines.js'
import { SortedKeys } from '../src/machine/sorted-keys.js'
import { MachineState } from '../src/machine/state.js'
import { StoreMachine } from '../src/machine/store-machine.js'

/**
 * Expiry at scale, asserted by work counts rather than timing: expiring k of n keys must touch
 * the k due deadlines, not the n live ones (issue 2: no O(n) per tick).
 */
const keyCount = 200_000
const batch = 10_000
const value = encodeValue(1, 100)

function keyName(index: number): string {
  // Scattered, not sorted, so the ordered index sees inserts all over the keyspace.
  return `key/${((index * 7_919) % keyCount).toString(36).padStart(4, '0')}`
}

/** Puts `count` keys with `ttlFor(index)`, in putMany batches of 10k (the limit). */
function fill(machine: StoreMachine, now: number, ttlFor: (index: number) => number, count = keyCount): void {
  for (let start = 0; start < count; start += batch) {
    // putMany takes one TTL per call: group each batch's keys by TTL.
    const groups = new Map<number, [string, Uint8Array][]>()
    for (let index = start; index < start + batch; index++) {
      const ttlMs = ttlFor(index)
      let group = groups.get(ttlMs)
      if (group === undefined) groups.set(ttlMs, (group = []))
      group.push([keyName(index), value])
    }
    for (const [ttlMs, entries] of groups) machine.apply({ type: 'putMany', entries, ttlMs }, { now })
  }
}

afterEach(() => {
  vi.restoreAllMocks()
})

describe('expiry at scale', () => {
  it(`expires ${keyCount} keys due at the same time in one expire command: one revision, every event`, () => {
    const machine = new StoreMachine()
    fill(machine, 0, () => 1_000)
    expect(machine.keyCount).toBe(keyCount)
    expect(machine.nextDeadline()).toBe(1_000)
    const revision = machine.revision

    const early = machine.apply({ type: 'expire' }, { now: 999 })
    expect(early.result).toEqual({ revision, keys: 0, leases: 0 })
    expect(early.events).toHaveLength(0)

    const output = machine.apply({ type: 'expire' }, { now: 1_000 })
    expect(output.result).toEqual({ revision: revision + 1, keys: keyCount, leases: 0 })
    expect(output.revision).toBe(revision + 1)
    expect(output.events).toHaveLength(keyCount)
    expect(output.events.every((event) => event.type === 'delete' && event.reason === 'expired' && event.revision === revision + 1)).toBe(true)
    // In key order (UTF-8; these keys are ASCII).
    const keys = output.events.map((event) => event.key)
    expect(keys).toEqual([...keys].sort())
    expect(new Set(keys).size).toBe(keyCount)
    expect(machine.keyCount).toBe(0)
    expect(machine.nextDeadline()).toBeUndefined()
    expect(machine.query({ type: 'count' }, 1_000)).toBe(0)
  })

  it(`expires a few due keys among ${keyCount} live ones touching only the due deadlines`, () => {
    const machine = new StoreMachine()
    const due = new Set([3, 77_777, 150_000, 199_999, 42])
    fill(machine, 0, (index) => (due.has(index) ? 500 : 1_000_000 + index))
    const lease = machine.apply({ type: 'leaseGrant', ttlMs: 500 }, { now: 0 }).result.id
    machine.apply({ type: 'put', key: 'leased', value, lease }, { now: 0 })

    const pops = vi.spyOn(DeadlineHeap.prototype, 'pop')
    const peeks = vi.spyOn(DeadlineHeap.prototype, 'peek')
    const deletes = vi.spyOn(MachineState.prototype, 'deleteKey')
    const scans = vi.spyOn(SortedKeys.prototype, 'forEachAscending')
    const rebuilds = vi.spyOn(DeadlineHeap.prototype, 'rebuild')

    expect(machine.nextDeadline()).toBe(500)
    expect(pops).not.toHaveBeenCalled()
    expect(peeks.mock.calls.length).toBeLessThanOrEqual(2)

    const output = machine.apply({ type: 'expire' }, { now: 500 })
    expect(output.result).toMatchObject({ keys: due.size, leases: 1 })
    expect(output.events.map((event) => event.key).sort()).toEqual([...[...due].map(keyName), 'leased'].sort())
    // The due key deadlines and the lease's: one pop each; no deadline of a live key is touched.
    expect(pops).toHaveBeenCalledTimes(due.size + 1)
    expect(peeks.mock.calls.length).toBeLessThanOrEqual(due.size + 4)
    expect(deletes).toHaveBeenCalledTimes(due.size + 1)
    expect(scans).not.toHaveBeenCalled()
    expect(rebuilds).not.toHaveBeenCalled()
    expect(machine.keyCount).toBe(keyCount - due.size)
    expect(machine.nextDeadline()).toBe(1_000_000)

    // Nothing else is due yet: an expire now is a no-op that pops nothing.
    pops.mockClear()
    expect(machine.apply({ type: 'expire' }, { now: 600 }).result).toMatchObject({ keys: 0, leases: 0 })
    expect(pops).not.toHaveBeenCalled()
  })

  it('keeps the deadline heap within 2x of the live deadlines when every TTL is replaced', () => {
    const count = 50_000 // the bound does not depend on the size; 50k keeps the test quick
    const pushes = vi.spyOn(DeadlineHeap.prototype, 'push')
    const machine = new StoreMachine()
    machine.apply({ type: 'put', key: 'first', value, ttlMs: 10_000 }, { now: 0 })
    // The machine's heap, found through the spy's recorded `this` (the spy calls through).
    const heap = pushes.mock.contexts[0] as DeadlineHeap
    machine.apply({ type: 'delete', key: 'first' }, { now: 0 })
    fill(machine, 0, () => 10_000, count)
    expect(heap.size).toBeLessThanOrEqual(count + 1)
    // Every key gets an earlier deadline: each old entry goes stale deep in the heap, where no pop
    // reaches it; only the rebuild (before the heap doubles) bounds them.
    for (const round of [1, 2]) {
      fill(machine, 0, () => 10_000 - round, count)
      expect(heap.size).toBeLessThanOrEqual(2 * count + 1024)
      expect(machine.nextDeadline()).toBe(10_000 - round)
    }
    const output = machine.apply({ type: 'expire' }, { now: 10_000 })
    expect(output.result).toMatchObject({ keys: count })
    expect(machine.nextDeadline()).toBeUndefined()
  })
})
