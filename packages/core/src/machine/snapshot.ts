import { decodeData, encodeDataSized } from '../codec.js'
import { InvalidArgumentError } from '../errors.js'
import { compareKeys } from '../keys.js'
import type { HistoryBatch } from './history.js'
import { KeyRecord, LeaseRecord, LockRecord, WaiterRecord } from './records.js'
import type { MachineState } from './state.js'
import type { DeleteReason, LockKind, RawEntry, RawWatchEvent } from './types.js'

/**
 * Snapshot format 1: one msgpack document of arrays (compact, no field names per key). Everything
 * is written in a canonical order (keys, lease ids and lock names sorted), so restoring a snapshot
 * and taking a new one yields the same bytes, and two replicas with the same state agree byte for byte.
 */
const snapshotFormat = 1

type EntryRow = [key: string, value: Uint8Array, version: number, createRevision: number, modRevision: number, lease: string | null, expiresAt: number]
type LeaseRow = [id: string, ttlMs: number, expiresAt: number]
type WaiterRow = [waiterId: string, lease: string, token: number, since: number, ownsLease: boolean, value: Uint8Array | null]
type LockRow = [kind: LockKind, name: string, holder: WaiterRow | null, queue: WaiterRow[]]
type EventRow = [type: 'put' | 'delete', key: string, value: Uint8Array | null, version: number, revision: number, prev: EntryRow | null, reason: DeleteReason | null]
type BatchRow = [revision: number, events: EventRow[]]

interface SnapshotDocument {
  format: number
  revision: number
  lastToken: number
  leaseSequence: number
  compactRevision: number
  keys: EntryRow[]
  leases: LeaseRow[]
  locks: LockRow[]
  history: BatchRow[]
}

export function writeSnapshot(state: MachineState): Uint8Array {
  const keys: EntryRow[] = []
  state.sorted.forEachAscending('', undefined, (key) => {
    const record = state.records.get(key)!
    keys.push([key, state.arena.view(record), record.version, record.createRevision, record.modRevision, record.lease ?? null, record.expiresAt])
  })
  const leases: LeaseRow[] = [...state.leases.values()]
    .sort((a, b) => compareKeys(a.id, b.id))
    .map((lease) => [lease.id, lease.ttlMs, lease.expiresAt])
  const locks: LockRow[] = []
  for (const kind of ['election', 'lock'] as const) {
    const names = [...state.locks[kind].keys()].sort(compareKeys)
    for (const name of names) {
      const lock = state.locks[kind].get(name)!
      locks.push([kind, name, lock.holder === undefined ? null : waiterRow(lock.holder), lock.queue.map(waiterRow)])
    }
  }
  const history: BatchRow[] = state.history.batches().map((batch) => [batch.revision, batch.events.map(eventRow)])
  const document: SnapshotDocument = {
    format: snapshotFormat,
    revision: state.revision,
    lastToken: state.lastToken,
    leaseSequence: state.leaseSequence,
    compactRevision: state.history.compactRevision,
    keys,
    leases,
    locks,
    history,
  }
  return encodeDataSized(document, snapshotBytesEstimate(state, keys.length, history))
}

/** About the encoded size: value bytes dominate; rows and events add a few dozen bytes each. */
function snapshotBytesEstimate(state: MachineState, keyCount: number, history: BatchRow[]): number {
  let historyBytes = 0
  for (const [, events] of history) {
    for (const event of events) historyBytes += 48 + event[1].length + (event[2]?.length ?? 0) + (event[5] === null ? 0 : 48 + event[5][1].length)
  }
  return 1024 + state.arena.bytesLive + keyCount * 64 + historyBytes + state.leases.size * 48
}

/** Loads a snapshot into an empty state. */
export function readSnapshot(state: MachineState, bytes: Uint8Array): void {
  let document: SnapshotDocument
  try {
    document = decodeData<SnapshotDocument>(bytes)
  } catch (error) {
    throw new InvalidArgumentError(`snapshot is not valid msgpack: ${(error as Error).message}`, { cause: error })
  }
  if (document?.format !== snapshotFormat) {
    throw new InvalidArgumentError(`snapshot format ${String(document?.format)} is not supported (this build reads format ${snapshotFormat})`)
  }
  state.revision = document.revision
  state.lastToken = document.lastToken
  state.leaseSequence = document.leaseSequence
  for (const [id, ttlMs, expiresAt] of document.leases) {
    state.leases.set(id, new LeaseRecord(id, ttlMs, expiresAt))
    state.deadlines.push(expiresAt, 'lease', id)
  }
  for (const [key, value, version, createRevision, modRevision, lease, expiresAt] of document.keys) {
    const record = new KeyRecord(createRevision)
    record.version = version
    record.modRevision = modRevision
    record.lease = lease ?? undefined
    record.expiresAt = expiresAt
    state.arena.store(record, value)
    state.records.set(key, record)
    state.sorted.insert(key)
    if (record.lease !== undefined) state.leases.get(record.lease)!.keys.add(key)
    if (expiresAt !== 0) {
      state.ttlKeys.add(key)
      state.deadlines.push(expiresAt, 'key', key)
    }
  }
  for (const [kind, name, holder, queue] of document.locks) {
    const lock = new LockRecord()
    if (holder !== null) lock.holder = restoreWaiter(state, kind, name, holder)
    for (const row of queue) lock.queue.push(restoreWaiter(state, kind, name, row))
    state.locks[kind].set(name, lock)
  }
  const batches: HistoryBatch[] = document.history.map(([revision, events]) => ({ revision, events: events.map(readEvent) }))
  state.history.restore(document.compactRevision, batches)
}

function waiterRow(waiter: WaiterRecord): WaiterRow {
  return [waiter.waiterId, waiter.lease, waiter.token, waiter.since, waiter.ownsLease, waiter.value ?? null]
}

function restoreWaiter(state: MachineState, kind: LockKind, name: string, row: WaiterRow): WaiterRecord {
  const [waiterId, lease, token, since, ownsLease, value] = row
  // Copied: decoded bin fields are views of the snapshot buffer, which the caller may reuse.
  // (`new Uint8Array(view)`, not `view.slice()`: msgpackr decodes a Buffer's bins as Buffers, whose
  // slice() is another view.)
  const waiter = new WaiterRecord(kind, name, waiterId, lease, value === null ? undefined : new Uint8Array(value))
  waiter.token = token
  waiter.since = since
  waiter.ownsLease = ownsLease
  state.leases.get(lease)!.waiters.add(waiter)
  return waiter
}

function entryRow(entry: RawEntry): EntryRow {
  return [entry.key, entry.value, entry.version, entry.createRevision, entry.modRevision, entry.lease ?? null, entry.expiresAt ?? 0]
}

function readEntry(row: EntryRow): RawEntry {
  const [key, value, version, createRevision, modRevision, lease, expiresAt] = row
  // Copied (like every value kept from a snapshot): a view would alias the caller's buffer.
  const entry: RawEntry = { key, value: new Uint8Array(value), version, createRevision, modRevision }
  if (lease !== null) entry.lease = lease
  if (expiresAt !== 0) entry.expiresAt = expiresAt
  return entry
}

function eventRow(event: RawWatchEvent): EventRow {
  return [
    event.type,
    event.key,
    event.value ?? null,
    event.version,
    event.revision,
    event.prev === undefined ? null : entryRow(event.prev),
    event.reason ?? null,
  ]
}

function readEvent(row: EventRow): RawWatchEvent {
  const [type, key, value, version, revision, prev, reason] = row
  const event: RawWatchEvent = { type, key, version, revision }
  if (value !== null) event.value = new Uint8Array(value) // not a view of the snapshot buffer (see readEntry)
  if (prev !== null) event.prev = readEntry(prev)
  if (reason !== null) event.reason = reason
  return event
}
