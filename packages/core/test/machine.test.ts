import { describe, expect, it } from 'vitest'
import { bytesEqual, decodeValue, encodeValue } from '../src/codec.js'
import { ClustronError } from '../src/errors.js'
import { StoreMachine } from '../src/machine/store-machine.js'
import type { Command, Query } from '../src/machine/types.js'
import { observe } from './support/script-env.js'

const now = 1_000
const value = (data: unknown) => encodeValue(data, 1 << 20)

function codeOf(action: () => unknown): string {
  try {
    action()
  } catch (error) {
    if (error instanceof ClustronError) return error.code
    throw error
  }
  return 'no error'
}

/** A machine with keys, TTLs, leases, a lock with a waiter, an election and some history. */
function busyMachine(): StoreMachine {
  const machine = new StoreMachine()
  const apply = <C extends Command>(command: C) => machine.apply(command, { now })
  apply({ type: 'putMany', entries: [['a', value('x')], ['b', value({ big: new Uint8Array(20_000).fill(3) })]] })
  const lease = apply({ type: 'leaseGrant', ttlMs: 5_000 }).result.id
  apply({ type: 'put', key: 'leased', value: value(1), lease, ttlMs: 100 })
  apply({ type: 'lockAcquire', kind: 'lock', name: 'job', waiterId: 'w1', ttlMs: 1_000, wait: true })
  apply({ type: 'lockAcquire', kind: 'lock', name: 'job', waiterId: 'w2', lease, wait: true })
  apply({ type: 'lockAcquire', kind: 'election', name: 'e', waiterId: 'c1', ttlMs: 1_000, wait: true, value: value('leader-value') })
  apply({ type: 'lockAcquire', kind: 'election', name: 'e', waiterId: 'c2', ttlMs: 1_000, wait: true, value: value('next-value') })
  apply({ type: 'delete', key: 'a' })
  return machine
}

const names = [JSON.stringify(['lock', 'job']), JSON.stringify(['election', 'e'])]

describe('StoreMachine snapshots', () => {
  it('restores a machine that owns its state: overwriting the snapshot buffer afterwards changes nothing', () => {
    const machine = busyMachine()
    const bytes = machine.snapshot()
    const restored = StoreMachine.restore(bytes)
    const before = observe(restored, now, names)
    expect(before).toBe(observe(machine, now, names))
    bytes.fill(0)
    expect(observe(restored, now, names)).toBe(before)
    // The queued candidate's value (restored from the snapshot) is used when it takes over.
    const token = restored.query({ type: 'electionLeader', name: 'e' }, now).leader!.token
    const resign = restored.apply({ type: 'lockRelease', kind: 'election', name: 'e', token }, { now })
    expect(resign.result.released).toBe(true)
    const leader = restored.query({ type: 'electionLeader', name: 'e' }, now).leader
    expect(decodeValue(leader!.value)).toBe('next-value')
  })

  it('answers lease lists in the same order on a restored replica as on the original', () => {
    const machine = new StoreMachine()
    // 40 leases: ids 1..9, a..z, 10..13 (base 36), where grant order and string order differ.
    for (let index = 0; index < 40; index++) machine.apply({ type: 'leaseGrant', ttlMs: 10_000 }, { now })
    const restored = StoreMachine.restore(machine.snapshot())
    expect(restored.query({ type: 'leaseList' }, now)).toEqual(machine.query({ type: 'leaseList' }, now))
    machine.apply({ type: 'leaseGrant', ttlMs: 10_000 }, { now })
    restored.apply({ type: 'leaseGrant', ttlMs: 10_000 }, { now })
    expect(restored.query({ type: 'leaseList' }, now)).toEqual(machine.query({ type: 'leaseList' }, now))
  })

  it('rejects bytes that are not a snapshot of this format with INVALID_ARGUMENT', () => {
    expect(codeOf(() => StoreMachine.restore(new Uint8Array([0xc1, 0xff, 0x00])))).toBe('INVALID_ARGUMENT')
    expect(codeOf(() => StoreMachine.restore(value({ format: 2 })))).toBe('INVALID_ARGUMENT')
    expect(codeOf(() => StoreMachine.restore(value('hello')))).toBe('INVALID_ARGUMENT')
  })

  it('restores an empty machine to an empty machine, byte for byte', () => {
    const empty = new StoreMachine().snapshot()
    expect(bytesEqual(StoreMachine.restore(empty).snapshot(), empty)).toBe(true)
  })
})

describe('StoreMachine guards', () => {
  it('rejects unknown commands, bad contexts and non-object queries with INVALID_ARGUMENT, changing nothing', () => {
    const machine = busyMachine()
    const before = machine.snapshot()
    expect(codeOf(() => machine.apply({ type: 'nope' } as unknown as Command, { now }))).toBe('INVALID_ARGUMENT')
    expect(codeOf(() => machine.apply(null as unknown as Command, { now }))).toBe('INVALID_ARGUMENT')
    for (const bad of [Number.NaN, Number.POSITIVE_INFINITY, '5' as unknown as number]) {
      expect(codeOf(() => machine.apply({ type: 'expire' }, { now: bad }))).toBe('INVALID_ARGUMENT')
    }
    expect(codeOf(() => machine.query(null as unknown as Query, now))).toBe('INVALID_ARGUMENT')
    expect(codeOf(() => machine.get(''))).toBe('INVALID_ARGUMENT')
    expect(bytesEqual(machine.snapshot(), before)).toBe(true)
  })

  it('exposes counts, the compact revision, decoded reads and arena stats', () => {
    const machine = new StoreMachine({ limits: { watchHistoryRevisions: 2 } })
    for (let index = 0; index < 5; index++) machine.apply({ type: 'put', key: `k${index}`, value: value({ index }) }, { now })
    expect(machine.revision).toBe(5)
    expect(machine.compactRevision).toBe(3)
    expect(machine.keyCount).toBe(5)
    const decoded = machine.getDecoded('k2')
    expect(decoded).toEqual({ key: 'k2', value: { index: 2 }, version: 1, createRevision: 3, modRevision: 3 })
    expect(machine.getDecoded('missing')).toBeUndefined()
    expect(decodeValue(machine.get('k4')!.value)).toEqual({ index: 4 })
    const stats = machine.arenaStats()
    expect(stats.bytesLive).toBe([0, 1, 2, 3, 4].reduce((sum, index) => sum + value({ index }).length, 0))
    expect(stats.bytesAllocated).toBeGreaterThanOrEqual(stats.bytesLive)
  })

  it('hands out entries whose values are copies once decoded: a decoded Uint8Array does not write through', () => {
    const machine = new StoreMachine()
    machine.apply({ type: 'put', key: 'bin', value: value(new Uint8Array(10_000).fill(7)) }, { now })
    const decoded = machine.getDecoded('bin')!.value as Uint8Array
    decoded.fill(0)
    expect((machine.getDecoded('bin')!.value as Uint8Array)[0]).toBe(7)
    const event = machine.eventsSince(1)[0]!
    ;(decodeValue(event.value!) as Uint8Array).fill(0)
    expect((decodeValue(machine.eventsSince(1)[0]!.value!) as Uint8Array)[0]).toBe(7)
  })
})
