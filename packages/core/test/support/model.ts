import { encodeValue } from '../../src/codec.js'
import type { ErrorCode } from '../../src/errors.js'
import type { Notice, RawEntry, RawWatchEvent } from '../../src/machine/types.js'

/**
 * A deliberately naive reference model of the StoreMachine's key-value part, written from the
 * spec: a plain Map, linear scans, keys ordered by comparing their TextEncoder bytes. It knows
 * nothing of heaps, arenas or sorted leaves. Values are kept as JSON-like data; their bytes are
 * the codec's (so results compare byte for byte with the machine's).
 */
export type Json = null | boolean | number | string | Json[]

export interface ModelEntry {
  value: Json
  bytes: Uint8Array
  version: number
  createRevision: number
  modRevision: number
  lease?: string
  expiresAt?: number
}

export interface ModelLease {
  ttlMs: number
  expiresAt: number
}

export type Outcome = { ok: true; result: unknown; events: RawWatchEvent[]; notices: Notice[] } | { ok: false; code: ErrorCode }

export const ttlMsMax = 10 * 365 * 24 * 3600 * 1000

const encoder = new TextEncoder()

/** Orders strings by their UTF-8 bytes: the spec's key order, computed the slow, obvious way. */
export function utf8Compare(a: string, b: string): number {
  const x = encoder.encode(a)
  const y = encoder.encode(b)
  for (let index = 0; index < Math.min(x.length, y.length); index++) if (x[index] !== y[index]) return x[index]! - y[index]!
  return x.length - y.length
}

export function bytesOf(value: Json): Uint8Array {
  return encodeValue(value, Number.MAX_SAFE_INTEGER)
}

/** Thrown inside the model for an expected typed error. */
export class ModelError extends Error {
  constructor(readonly code: ErrorCode) {
    super(code)
  }
}

export function validTtl(ttlMs: number | undefined): boolean {
  return ttlMs === undefined || (Number.isInteger(ttlMs) && ttlMs >= 1 && ttlMs <= ttlMsMax)
}

/**
 * The changes of one command against a map of entries (the model's own, or a txn's staged copy):
 * every write and delete records its event at the pending revision.
 */
export class Change {
  readonly events: RawWatchEvent[] = []
  readonly notices: Notice[] = []

  constructor(
    readonly entries: Map<string, ModelEntry>,
    readonly revision: number,
    readonly now: number,
  ) {}

  get pending(): number {
    return this.revision + 1
  }

  /** The revision to report: the new one when this command changed anything. */
  get result(): number {
    return this.events.length > 0 ? this.pending : this.revision
  }

  put(key: string, value: Json, expiresAt: number | undefined, lease: string | undefined): ModelEntry {
    const previous = this.entries.get(key)
    const entry: ModelEntry = {
      value,
      bytes: bytesOf(value),
      version: (previous?.version ?? 0) + 1,
      createRevision: previous?.createRevision ?? this.pending,
      modRevision: this.pending,
    }
    if (lease !== undefined) entry.lease = lease
    if (expiresAt !== undefined) entry.expiresAt = expiresAt
    this.entries.set(key, entry)
    const event: RawWatchEvent = { type: 'put', key, value: entry.bytes, version: entry.version, revision: this.pending }
    if (previous !== undefined) event.prev = rawEntry(key, previous)
    this.events.push(event)
    return entry
  }

  delete(key: string, reason: 'deleted' | 'expired' | 'lease' | 'cleared'): boolean {
    const previous = this.entries.get(key)
    if (previous === undefined) return false
    this.entries.delete(key)
    this.events.push({ type: 'delete', key, version: 0, revision: this.pending, prev: rawEntry(key, previous), reason })
    return true
  }
}

export function rawEntry(key: string, entry: ModelEntry): RawEntry {
  const raw: RawEntry = { key, value: entry.bytes, version: entry.version, createRevision: entry.createRevision, modRevision: entry.modRevision }
  if (entry.lease !== undefined) raw.lease = entry.lease
  if (entry.expiresAt !== undefined) raw.expiresAt = entry.expiresAt
  return raw
}

/** The integer a counter key holds: 0 when missing; TYPE_MISMATCH unless a safe integer. */
export function counterOf(entry: ModelEntry | undefined): number {
  if (entry === undefined) return 0
  if (typeof entry.value !== 'number' || !Number.isSafeInteger(entry.value)) throw new ModelError('TYPE_MISMATCH')
  return entry.value
}

export function checkedSum(current: number, delta: number): number {
  const value = current + delta
  if (!Number.isSafeInteger(value)) throw new ModelError('OUT_OF_RANGE')
  return value
}

/** Keys of `entries` in UTF-8 order. */
export function sortedKeys(entries: Map<string, unknown>): string[] {
  return [...entries.keys()].sort(utf8Compare)
}

export interface Range {
  prefix?: string
  start?: string
  end?: string
}

export function inRange(key: string, range: Range): boolean {
  if (range.prefix !== undefined) return key.startsWith(range.prefix)
  if (range.start !== undefined && utf8Compare(key, range.start) < 0) return false
  if (range.end !== undefined && utf8Compare(key, range.end) >= 0) return false
  return true
}
