import { decodeValueAt, pooledCopy } from '../codec.js'
import { compareKeys } from '../keys.js'
import type { Limits } from '../limits.js'
import { ValueArena } from './arena.js'
import { DeadlineHeap, type Deadline } from './deadlines.js'
import { WatchHistory } from './history.js'
import { KeyRecord, LeaseRecord, type LockRecord, type WaiterRecord } from './records.js'
import { SortedKeys } from './sorted-keys.js'
import type { DecodedEntry, DeleteReason, LockKind, Notice, RawEntry, RawWatchEvent } from './types.js'

/**
 * The replicated state of one store and the primitive changes every command is made of. A command
 * handler validates everything first (so a rejected command changes nothing), then calls these
 * primitives; each records its watch events and notices. All changes of one command share one
 * revision: `pendingRevision`, committed by {@link MachineState.commit} only if something changed.
 */
export class MachineState {
  readonly records = new Map<string, KeyRecord>()
  readonly sorted = new SortedKeys()
  readonly arena = new ValueArena()
  readonly deadlines = new DeadlineHeap()
  /** Keys that have a TTL (the live set the deadline heap is rebuilt from). */
  readonly ttlKeys = new Set<string>()
  readonly leases = new Map<string, LeaseRecord>()
  readonly locks: Record<LockKind, Map<string, LockRecord>> = { lock: new Map(), election: new Map() }
  readonly history: WatchHistory

  revision = 0
  /** The last fencing token granted; tokens strictly increase even when one revision grants several. */
  lastToken = 0
  /** Sequence for lease ids. */
  leaseSequence = 0

  // The command being applied.
  now = 0
  changed = false
  events: RawWatchEvent[] = []
  notices: Notice[] = []

  constructor(readonly limits: Limits) {
    this.history = new WatchHistory({
      revisions: limits.watchHistoryRevisions,
      events: limits.watchHistoryEventsMax,
      bytes: 64 * limits.valueBytesMax,
    })
  }

  begin(now: number): void {
    this.now = now
    this.changed = false
    this.events = []
    this.notices = []
  }

  /** The revision this command's changes get. */
  get pendingRevision(): number {
    return this.revision + 1
  }

  /** The revision to report for this command: the new one if it changed anything. */
  get resultRevision(): number {
    return this.changed ? this.revision + 1 : this.revision
  }

  commit(): number {
    if (this.changed) {
      this.revision++
      this.history.append(this.revision, this.events)
    }
    this.#bound_deadlines()
    return this.revision
  }

  // ----------------------------------------------------------------------------------------------
  // Keys

  /** A view of a record as an entry (value is a view into the arena). */
  entry(key: string, record: KeyRecord): RawEntry {
    const entry: RawEntry = {
      key,
      value: this.arena.view(record),
      version: record.version,
      createRevision: record.createRevision,
      modRevision: record.modRevision,
    }
    if (record.lease !== undefined) entry.lease = record.lease
    if (record.expiresAt !== 0) entry.expiresAt = record.expiresAt
    return entry
  }

  /** The entry with its value decoded straight from the arena (the in-process read path). */
  decodedEntry(key: string, record: KeyRecord): DecodedEntry {
    const chunk = record.chunk!
    const entry: DecodedEntry = {
      key,
      value: decodeValueAt(chunk.bytes, record.offset, record.offset + record.length),
      version: record.version,
      createRevision: record.createRevision,
      modRevision: record.modRevision,
    }
    if (record.lease !== undefined) entry.lease = record.lease
    if (record.expiresAt !== 0) entry.expiresAt = record.expiresAt
    return entry
  }

  /** Like {@link entry}, with a copied value (safe to retain in history). */
  entryCopy(key: string, record: KeyRecord): RawEntry {
    const entry = this.entry(key, record)
    entry.value = pooledCopy(entry.value)
    return entry
  }

  /**
   * Creates or overwrites `key`. `expiresAt` 0 = no TTL; `lease` undefined = not bound. The caller
   * has checked the key quota and that `lease` exists.
   */
  writeKey(key: string, value: Uint8Array, expiresAt: number, lease: string | undefined): KeyRecord {
    const revision = this.pendingRevision
    let record = this.records.get(key)
    let prev: RawEntry | undefined
    if (record === undefined) {
      record = new KeyRecord(revision)
      this.records.set(key, record)
      this.sorted.insert(key)
    } else {
      prev = this.entryCopy(key, record)
      this.arena.free(record)
    }
    record.version++
    record.modRevision = revision
    this.arena.store(record, value)
    this.#bindLease(key, record, lease)
    this.#setExpiry(key, record, expiresAt)
    this.changed = true
    const event: RawWatchEvent = { type: 'put', key, value, version: record.version, revision }
    if (prev !== undefined) event.prev = prev
    this.events.push(event)
    return record
  }

  /** Deletes `key` if present; returns whether it was. */
  deleteKey(key: string, reason: DeleteReason): boolean {
    const record = this.records.get(key)
    if (record === undefined) return false
    const prev = this.entryCopy(key, record)
    this.arena.free(record)
    this.#bindLease(key, record, undefined)
    this.#setExpiry(key, record, 0)
    this.records.delete(key)
    this.sorted.remove(key)
    this.changed = true
    this.events.push({ type: 'delete', key, version: 0, revision: this.pendingRevision, prev, reason })
    return true
  }

  /** Sets or clears a key's TTL without changing its value (a write: version and modRevision move). */
  retimeKey(key: string, record: KeyRecord, expiresAt: number): void {
    const value = this.arena.copy(record)
    this.writeKey(key, value, expiresAt, record.lease)
  }

  /** Keys in [start, end) (end undefined: unbounded), ascending. */
  keysInRange(start: string, end: string | undefined): string[] {
    const keys: string[] = []
    this.sorted.forEachAscending(start, end, (key) => {
      keys.push(key)
    })
    return keys
  }

  #bindLease(key: string, record: KeyRecord, lease: string | undefined): void {
    if (record.lease === lease) return
    if (record.lease !== undefined) this.leases.get(record.lease)?.keys.delete(key)
    record.lease = lease
    if (lease !== undefined) this.leases.get(lease)!.keys.add(key)
  }

  #setExpiry(key: string, record: KeyRecord, expiresAt: number): void {
    if (record.expiresAt === expiresAt) return
    record.expiresAt = expiresAt
    if (expiresAt === 0) {
      this.ttlKeys.delete(key)
    } else {
      this.ttlKeys.add(key)
      this.deadlines.push(expiresAt, 'key', key)
    }
  }

  // ----------------------------------------------------------------------------------------------
  // Leases

  grantLease(ttlMs: number): LeaseRecord {
    this.leaseSequence++
    const id = this.leaseSequence.toString(36)
    const lease = new LeaseRecord(id, ttlMs, this.now + ttlMs)
    this.leases.set(id, lease)
    this.deadlines.push(lease.expiresAt, 'lease', id)
    return lease
  }

  setLeaseDeadline(lease: LeaseRecord, expiresAt: number): void {
    if (lease.expiresAt === expiresAt) return
    lease.expiresAt = expiresAt
    this.deadlines.push(expiresAt, 'lease', lease.id)
  }

  /** Ends a lease: deletes its keys, ends its waiters' grants and queue places, tells its holder. */
  endLease(lease: LeaseRecord, reason: 'expired' | 'revoked'): void {
    this.leases.delete(lease.id)
    // Sorted: a Set's order depends on history, and replicas restored from a snapshot must agree.
    for (const key of [...lease.keys].sort(compareKeys)) this.deleteKey(key, 'lease')
    const waiters = [...lease.waiters].sort(compareWaiters)
    for (const waiter of waiters) this.#endWaiter(waiter, 'lease')
    this.notices.push({ type: 'leaseLost', id: lease.id, reason })
  }

  // ----------------------------------------------------------------------------------------------
  // Locks and elections

  lockRecord(kind: LockKind, name: string): LockRecord | undefined {
    return this.locks[kind].get(name)
  }

  /** Finds a waiter (holding or queued) by its client-chosen id. */
  findWaiter(lock: LockRecord, waiterId: string): WaiterRecord | undefined {
    if (lock.holder?.waiterId === waiterId) return lock.holder
    return lock.queue.find((waiter) => waiter.waiterId === waiterId)
  }

  /** Grants `waiter` the (free) lock. */
  grant(lock: LockRecord, waiter: WaiterRecord): void {
    this.lastToken = Math.max(this.pendingRevision, this.lastToken + 1)
    waiter.token = this.lastToken
    waiter.since = this.now
    lock.holder = waiter
    this.changed = true
    this.notices.push({
      type: 'lockGranted',
      kind: waiter.kind,
      name: waiter.name,
      waiterId: waiter.waiterId,
      token: waiter.token,
      since: waiter.since,
      lease: waiter.lease,
    })
    if (waiter.kind === 'election') this.#electionChanged(waiter.name, waiter)
  }

  /** Adds a waiter to the lock table and binds it to its lease. */
  enqueue(lock: LockRecord, waiter: WaiterRecord): void {
    lock.queue.push(waiter)
    this.leases.get(waiter.lease)!.waiters.add(waiter)
  }

  /** Ends a waiter's place: releases its grant (granting the next waiter) or leaves the queue. */
  endWaiter(waiter: WaiterRecord, reason: 'released' | 'cancelled'): void {
    this.#endWaiter(waiter, reason)
  }

  #endWaiter(waiter: WaiterRecord, reason: 'released' | 'cancelled' | 'lease'): void {
    const table = this.locks[waiter.kind]
    const lock = table.get(waiter.name)
    if (lock === undefined) return
    const lease = this.leases.get(waiter.lease)
    lease?.waiters.delete(waiter)
    if (lock.holder === waiter) {
      lock.holder = undefined
      this.changed = true
      this.notices.push({ type: 'lockEnded', kind: waiter.kind, name: waiter.name, waiterId: waiter.waiterId, token: waiter.token, reason })
      let granted = false
      for (let next = lock.queue.shift(); next !== undefined; next = lock.queue.shift()) {
        if (this.leases.has(next.lease)) {
          this.grant(lock, next)
          granted = true
          break
        }
        // Its lease is ending in this same command (endLease removes it first): skip, don't grant.
        this.notices.push({ type: 'lockEnded', kind: next.kind, name: next.name, waiterId: next.waiterId, reason: 'lease' })
      }
      if (!granted && waiter.kind === 'election') this.#electionChanged(waiter.name, undefined)
    } else {
      const position = lock.queue.indexOf(waiter)
      if (position < 0) return
      lock.queue.splice(position, 1)
      this.notices.push({ type: 'lockEnded', kind: waiter.kind, name: waiter.name, waiterId: waiter.waiterId, reason })
    }
    if (lock.holder === undefined && lock.queue.length === 0) table.delete(waiter.name)
    if (waiter.ownsLease && lease !== undefined && reason !== 'lease') this.endLease(lease, 'revoked')
  }

  electionProclaimed(name: string, holder: WaiterRecord): void {
    this.changed = true
    this.#electionChanged(name, holder)
  }

  #electionChanged(name: string, holder: WaiterRecord | undefined): void {
    this.notices.push(
      holder === undefined
        ? { type: 'electionChanged', name, revision: this.pendingRevision }
        : { type: 'electionChanged', name, leader: { value: holder.value ?? new Uint8Array(0), token: holder.token }, revision: this.pendingRevision },
    )
  }

  // ----------------------------------------------------------------------------------------------
  // Deadlines

  /** The earliest live deadline, dropping stale heap entries on the way. */
  nextDeadline(): number | undefined {
    for (;;) {
      const top = this.deadlines.peek()
      if (top === undefined) return undefined
      if (this.isLive(top)) return top.at
      this.deadlines.pop()
    }
  }

  isLive(deadline: Deadline): boolean {
    if (deadline.kind === 'key') return this.records.get(deadline.id)?.expiresAt === deadline.at
    return this.leases.get(deadline.id)?.expiresAt === deadline.at
  }

  /** Keeps the heap within 2x of the live deadlines by rebuilding it when stale entries dominate. */
  #bound_deadlines(): void {
    const live = this.ttlKeys.size + this.leases.size
    if (this.deadlines.size <= 2 * live + 1024) return
    const entries: Deadline[] = []
    for (const key of this.ttlKeys) entries.push({ at: this.records.get(key)!.expiresAt, kind: 'key', id: key })
    for (const lease of this.leases.values()) entries.push({ at: lease.expiresAt, kind: 'lease', id: lease.id })
    this.deadlines.rebuild(entries)
  }
}

function compareWaiters(a: WaiterRecord, b: WaiterRecord): number {
  if (a.kind !== b.kind) return a.kind < b.kind ? -1 : 1
  return compareKeys(a.name, b.name) || compareKeys(a.waiterId, b.waiterId)
}
