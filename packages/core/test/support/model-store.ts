import { ClustronError } from '../../src/errors.js'
import type { RawEntry, RawTxnOpResult } from '../../src/machine/types.js'
import {
  bytesOf,
  Change,
  checkedSum,
  counterOf,
  inRange,
  ModelError,
  rawEntry,
  sortedKeys,
  utf8Compare,
  validTtl,
  type Json,
  type ModelEntry,
  type ModelLease,
  type Outcome,
  type Range,
} from './model.js'
import type { Compare, Op, Step } from './model-steps.js'

/**
 * The reference model's state and the meaning of each step, from the spec (§2, §3, §4, §6): what
 * a command returns, which events it emits, and that a command which fails changes nothing.
 */
export class ModelStore {
  now: number
  revision = 0
  leaseSequence = 0
  entries = new Map<string, ModelEntry>()
  readonly leases = new Map<string, ModelLease>()

  constructor(now: number) {
    this.now = now
  }

  /** Applies a step; queries and time without expiry return their result with no events. */
  step(step: Step): Outcome {
    try {
      if (step.t === 'time') {
        this.now += step.ms
        return step.expire ? this.#commit(this.#expire()) : { ok: true, result: undefined, events: [], notices: [] }
      }
      const read = this.#read(step)
      if (read !== notARead) return { ok: true, result: read, events: [], notices: [] }
      return this.#commit(this.#write(step))
    } catch (error) {
      if (error instanceof ModelError) return { ok: false, code: error.code }
      throw error
    }
  }

  /** Every entry in key order. */
  all(): RawEntry[] {
    return sortedKeys(this.entries).map((key) => rawEntry(key, this.entries.get(key)!))
  }

  nextDeadline(): number | undefined {
    const deadlines = [...this.entries.values()].flatMap((entry) => (entry.expiresAt === undefined ? [] : [entry.expiresAt]))
    for (const lease of this.leases.values()) deadlines.push(lease.expiresAt)
    return deadlines.length === 0 ? undefined : Math.min(...deadlines)
  }

  #commit({ change, result }: { change: Change; result: unknown }): Outcome {
    this.entries = change.entries
    if (change.events.length > 0) this.revision++
    return { ok: true, result, events: change.events, notices: change.notices }
  }

  /** A change against a copy of the entries: a step that throws leaves the model as it was. */
  #change(): Change {
    return new Change(new Map(this.entries), this.revision, this.now)
  }

  #lease(id: string | undefined): void {
    if (id !== undefined && !this.leases.has(id)) throw new ModelError('LEASE_NOT_FOUND')
  }

  #ttl(ttlMs: number | undefined): void {
    if (!validTtl(ttlMs)) throw new ModelError('INVALID_ARGUMENT')
  }

  #expiresAt(ttlMs: number | undefined): number | undefined {
    return ttlMs === undefined ? undefined : this.now + ttlMs
  }

  #write(step: Step): { change: Change; result: unknown } {
    const change = this.#change()
    const entries = change.entries
    switch (step.t) {
      case 'put': {
        this.#ttl(step.ttlMs)
        this.#lease(step.lease)
        const current = entries.get(step.key)
        const fail = (reason: string) => ({ change, result: current === undefined ? { ok: false, reason } : { ok: false, reason, current: rawEntry(step.key, current) } })
        if (step.ifAbsent === true && current !== undefined) return fail('exists')
        if (step.ifVersion !== undefined && (current?.version ?? 0) !== step.ifVersion) return fail(current === undefined ? 'missing' : 'version-mismatch')
        const entry = change.put(step.key, step.value, this.#expiresAt(step.ttlMs), step.lease)
        return { change, result: { ok: true, revision: change.pending, version: entry.version } }
      }
      case 'delete': {
        const current = entries.get(step.key)
        if (step.ifVersion !== undefined && (current?.version ?? 0) !== step.ifVersion) return { change, result: { deleted: false, revision: this.revision } }
        const deleted = change.delete(step.key, 'deleted')
        return { change, result: { deleted, revision: change.result } }
      }
      case 'putMany':
        this.#ttl(step.ttlMs)
        this.#lease(step.lease)
        if (new Set(step.entries.map(([key]) => key)).size !== step.entries.length) throw new ModelError('INVALID_ARGUMENT')
        for (const [key, value] of step.entries) change.put(key, value, this.#expiresAt(step.ttlMs), step.lease)
        return { change, result: { revision: change.result } }
      case 'deleteMany': {
        let deleted = 0
        for (const key of step.keys) if (change.delete(key, 'deleted')) deleted++
        return { change, result: { deleted, revision: change.result } }
      }
      case 'clear': {
        const keys = sortedKeys(entries).filter((key) => inRange(key, step.range))
        for (const key of keys) change.delete(key, 'cleared')
        return { change, result: { deleted: keys.length, revision: change.result } }
      }
      case 'counterAdd':
        return { change, result: this.#counterAdd(change, step) }
      case 'counterSet': {
        const current = entries.get(step.key)
        const previous = counterOf(current)
        change.put(step.key, step.value, current?.expiresAt, current?.lease)
        return { change, result: { previous, revision: change.pending } }
      }
      case 'setTtl':
      case 'persist': {
        if (step.t === 'setTtl') this.#ttl(step.ttlMs)
        const current = entries.get(step.key)
        if (current === undefined) return { change, result: { ok: false, revision: this.revision } }
        const expiresAt = step.t === 'setTtl' ? this.now + step.ttlMs : undefined
        // Persisting a key without a TTL is a no-op; anything else rewrites the entry.
        if (step.t === 'setTtl' || current.expiresAt !== undefined) change.put(step.key, current.value, expiresAt, current.lease)
        return { change, result: { ok: true, revision: change.result } }
      }
      case 'txn':
        return this.#txn(change, step)
      case 'leaseGrant': {
        this.#ttl(step.ttlMs)
        const id = (++this.leaseSequence).toString(36)
        this.leases.set(id, { ttlMs: step.ttlMs, expiresAt: this.now + step.ttlMs })
        return { change, result: { id, ttlMs: step.ttlMs, expiresAt: this.now + step.ttlMs } }
      }
      case 'leaseRenew': {
        const lease = this.leases.get(step.id)
        if (lease === undefined) throw new ModelError('LEASE_NOT_FOUND')
        lease.expiresAt = this.now + lease.ttlMs
        return { change, result: { ttlMs: lease.ttlMs, expiresAt: lease.expiresAt } }
      }
      case 'leaseRevoke': {
        if (!this.leases.has(step.id)) return { change, result: { revoked: false, revision: this.revision } }
        this.#endLease(change, step.id, 'revoked')
        return { change, result: { revoked: true, revision: change.result } }
      }
      default:
        throw new Error(`not a write: ${step.t}`)
    }
  }

  #counterAdd(change: Change, step: Extract<Step, { t: 'counterAdd' }>): unknown {
    this.#ttl(step.ttlMs)
    if (step.min !== undefined && step.max !== undefined && step.min > step.max) throw new ModelError('INVALID_ARGUMENT')
    const current = change.entries.get(step.key)
    const previous = counterOf(current)
    const value = checkedSum(previous, step.delta)
    if ((step.min !== undefined && value < step.min) || (step.max !== undefined && value > step.max)) return { ok: false, value: previous }
    // A counter's TTL window starts when it first gets one; later adds keep it (and its lease).
    change.put(step.key, value, current?.expiresAt ?? this.#expiresAt(step.ttlMs), current?.lease)
    return { ok: true, value, previous, revision: change.pending }
  }

  #endLease(change: Change, id: string, reason: 'expired' | 'revoked'): void {
    this.leases.delete(id)
    for (const key of sortedKeys(change.entries)) if (change.entries.get(key)!.lease === id) change.delete(key, 'lease')
    change.notices.push({ type: 'leaseLost', id, reason })
  }

  #expire(): { change: Change; result: unknown } {
    const change = this.#change()
    const due = sortedKeys(change.entries).filter((key) => (change.entries.get(key)!.expiresAt ?? Infinity) <= this.now)
    for (const key of due) change.delete(key, 'expired')
    const leases = [...this.leases].filter(([, lease]) => lease.expiresAt <= this.now).map(([id]) => id)
    for (const id of leases.sort(utf8Compare)) this.#endLease(change, id, 'expired')
    return { change, result: { revision: change.result, keys: due.length, leases: leases.length } }
  }

  #txn(change: Change, step: Extract<Step, { t: 'txn' }>): { change: Change; result: unknown } {
    for (const item of [...step.then, ...step.else]) {
      if (item.op !== 'put') continue
      this.#ttl(item.ttlMs)
      this.#lease(item.lease)
    }
    const succeeded = step.if.every((compare) => compareHolds(change.entries.get(compare.key), compare))
    const results = (succeeded ? step.then : step.else).map((item) => this.#txnOp(change, item))
    return { change, result: { succeeded, revision: change.result, results } }
  }

  #txnOp(change: Change, item: Op): RawTxnOpResult {
    const current = 'key' in item ? change.entries.get(item.key) : undefined
    switch (item.op) {
      case 'get':
        return current === undefined ? { op: 'get' } : { op: 'get', entry: rawEntry(item.key, current) }
      case 'put': {
        const entry = change.put(item.key, item.value, this.#expiresAt(item.ttlMs), item.lease)
        return { op: 'put', revision: change.pending, version: entry.version }
      }
      case 'delete':
        return { op: 'delete', deleted: change.delete(item.key, 'deleted') ? 1 : 0 }
      case 'deletePrefix': {
        const keys = sortedKeys(change.entries).filter((key) => key.startsWith(item.prefix))
        for (const key of keys) change.delete(key, 'deleted')
        return { op: 'delete', deleted: keys.length }
      }
      case 'add': {
        const previous = counterOf(current)
        const value = checkedSum(previous, item.delta)
        change.put(item.key, value, current?.expiresAt, current?.lease)
        return { op: 'add', value, previous }
      }
    }
  }

  /** Reads; returns `notARead` for steps that are not reads. */
  #read(step: Step): unknown {
    switch (step.t) {
      case 'get': {
        const entry = this.entries.get(step.key)
        return entry === undefined ? undefined : rawEntry(step.key, entry)
      }
      case 'list': {
        let keys = sortedKeys(this.entries).filter((key) => inRange(key, step.range))
        if (step.reverse === true) keys = keys.reverse()
        const limit = step.limit ?? 10_000
        const entries = keys.slice(0, limit).map((key) => {
          const entry = rawEntry(key, this.entries.get(key)!)
          if (step.keysOnly === true) entry.value = new Uint8Array(0)
          return entry
        })
        return { entries, more: keys.length > limit, revision: this.revision }
      }
      case 'count':
        return sortedKeys(this.entries).filter((key) => inRange(key, step.range)).length
      case 'ttl': {
        const entry = this.entries.get(step.key)
        if (entry === undefined) return undefined
        return entry.expiresAt === undefined ? Number.POSITIVE_INFINITY : Math.max(0, entry.expiresAt - this.now)
      }
      case 'leaseInfo': {
        const lease = this.leases.get(step.id)
        if (lease === undefined) return undefined
        const keys = sortedKeys(this.entries).filter((key) => this.entries.get(key)!.lease === step.id)
        return { id: step.id, ttlMs: lease.ttlMs, remainingMs: Math.max(0, lease.expiresAt - this.now), keys }
      }
      default:
        return notARead
    }
  }
}

const notARead = Symbol('not a read')

function compareHolds(entry: ModelEntry | undefined, compare: Compare): boolean {
  switch (compare.target) {
    case 'value': {
      if (entry === undefined) return compare.op === '!='
      return holds(orderValues(entry.value, compare.value), compare.op)
    }
    case 'lease':
      return ((entry?.lease ?? null) === compare.value) === (compare.op === '==')
    default: {
      const actual = entry === undefined ? 0 : entry[compare.target]
      return holds(actual - compare.value, compare.op)
    }
  }
}

function holds(order: number, op: Compare['op']): boolean {
  return op === '==' ? order === 0 : op === '!=' ? order !== 0 : op === '<' ? order < 0 : order > 0
}

/**
 * Value order of txn compares: equality is equality of the encoded bytes; '<'/'>' order numbers
 * numerically, strings by UTF-8, anything else by the encoded bytes.
 */
function orderValues(actual: Json, expected: Json): number {
  const a = bytesOf(actual)
  const b = bytesOf(expected)
  if (a.every((byte, index) => byte === b[index]) && a.length === b.length) return 0
  if (typeof actual === 'number' && typeof expected === 'number') return actual < expected ? -1 : actual > expected ? 1 : 0
  if (typeof actual === 'string' && typeof expected === 'string') return utf8Compare(actual, expected)
  for (let index = 0; index < Math.min(a.length, b.length); index++) if (a[index] !== b[index]) return a[index]! - b[index]!
  return a.length - b.length
}


/** The typed error code of a machine exception (anything else is a bug and rethrown). */
export function errorCode(error: unknown): Outcome {
  if (error instanceof ClustronError) return { ok: false, code: error.code }
  throw error
}

export type { Json, Range }
