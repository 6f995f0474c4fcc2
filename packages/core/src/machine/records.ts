import type { ArenaChunk, ArenaSlot } from './arena.js'
import type { LockKind } from './types.js'

/**
 * One stored key. The record is its own arena slot (chunk/offset/length) so a key costs one
 * object. `expiresAt` is 0 when the key has no TTL (a number keeps the object shape monomorphic).
 */
export class KeyRecord implements ArenaSlot {
  chunk: ArenaChunk | null = null
  offset = 0
  length = 0
  version: number
  createRevision: number
  modRevision: number
  lease: string | undefined
  expiresAt: number

  constructor(revision: number) {
    this.version = 0
    this.createRevision = revision
    this.modRevision = revision
    this.lease = undefined
    this.expiresAt = 0
  }
}

export class LeaseRecord {
  /** Keys bound to this lease. */
  readonly keys = new Set<string>()
  /** Lock and election waiters (holders or queued) bound to this lease. */
  readonly waiters = new Set<WaiterRecord>()

  constructor(
    readonly id: string,
    public ttlMs: number,
    public expiresAt: number,
  ) {}
}

/** A client waiting for, or holding, a lock or an election. */
export class WaiterRecord {
  /** Grant token (0 while queued). */
  token = 0
  /** Time of the grant (0 while queued). */
  since = 0
  ownsLease = false

  constructor(
    readonly kind: LockKind,
    readonly name: string,
    readonly waiterId: string,
    public lease: string,
    /** Elections: the candidate's (then the leader's) value. */
    public value: Uint8Array | undefined,
  ) {}
}

export class LockRecord {
  holder: WaiterRecord | undefined = undefined
  /** FIFO queue; bounded by limits.lockWaitersMax. */
  readonly queue: WaiterRecord[] = []
}
