import { bytesEqual, compareBytes, decodeValue, encodeData } from '../codec.js'
import { InvalidArgumentError, TooLargeError, TypeMismatchError } from '../errors.js'
import { compareKeys } from '../keys.js'
import { addChecked } from './apply-kv.js'
import type { MachineState } from './state.js'
import type { CommandResults, CompareOp, RawCompare, RawEntry, RawTxnOp, RawTxnOpResult, TxnCommand } from './types.js'
import type { Checks } from './validate.js'

/**
 * Compare-then-else transactions (spec §3). The chosen branch runs first against an overlay of
 * staged writes, which computes every result and catches every error (TYPE_MISMATCH on `add`,
 * the key quota) before anything changes; then the staged plan is applied for real, in order,
 * as one revision. Later ops of a branch see the effects of earlier ones.
 */

const targets = new Set(['value', 'version', 'createRevision', 'modRevision', 'lease'])
const compareOps = new Set(['==', '!=', '<', '>'])

interface Staged {
  value: Uint8Array
  version: number
  createRevision: number
  lease: string | undefined
  expiresAt: number
}

type Action = { kind: 'put'; key: string; value: Uint8Array; expiresAt: number; lease: string | undefined } | { kind: 'delete'; key: string }

export function applyTxn(state: MachineState, check: Checks, command: TxnCommand): CommandResults['txn'] {
  checkTxn(state, check, command)
  const succeeded = command.if.every((compare) => compareHolds(state, compare))
  const overlay = new Overlay(state)
  const results = (succeeded ? command.then : command.else).map((op) => overlay.run(op))
  check.room(overlay.newKeys())
  for (const action of overlay.actions) {
    if (action.kind === 'put') state.writeKey(action.key, action.value, action.expiresAt, action.lease)
    else state.deleteKey(action.key, 'deleted')
  }
  return { succeeded, revision: state.resultRevision, results }
}

function checkTxn(state: MachineState, check: Checks, command: TxnCommand): void {
  const limit = state.limits.txnOpsMax
  for (const [name, list] of [['if', command.if], ['then', command.then], ['else', command.else]] as const) {
    if (!Array.isArray(list)) throw new InvalidArgumentError(`txn.${name} must be an array`)
    if (list.length > limit) {
      throw new TooLargeError(`txn.${name} has ${list.length} entries; the limit is ${limit}`, { details: { limit, size: list.length } })
    }
  }
  for (const compare of command.if) checkCompare(check, compare)
  for (const op of [...command.then, ...command.else]) checkOp(check, op)
}

function checkCompare(check: Checks, compare: RawCompare): void {
  check.key(compare.key, 'compare key')
  if (!targets.has(compare.target)) throw new InvalidArgumentError(`compare target must be one of ${[...targets].join(', ')}, got '${String(compare.target)}'`)
  if (!compareOps.has(compare.op)) throw new InvalidArgumentError(`compare op must be one of ==, !=, <, >, got '${String(compare.op)}'`)
  const value = compare.value
  switch (compare.target) {
    case 'value':
      check.value(value, 'compare value')
      return
    case 'lease':
      if (value !== null && typeof value !== 'string') throw new InvalidArgumentError('a lease compare takes a lease id or null')
      if (compare.op !== '==' && compare.op !== '!=') throw new InvalidArgumentError("a lease compare takes '==' or '!='")
      return
    default:
      check.version(value, `compare ${compare.target}`)
  }
}

function checkOp(check: Checks, op: RawTxnOp): void {
  switch (op?.op) {
    case 'get':
    case 'delete':
      check.key(op.key)
      return
    case 'put':
      check.key(op.key)
      check.value(op.value)
      check.optionalTtlMs(op.ttlMs)
      check.optionalLease(op.lease)
      return
    case 'deletePrefix':
      check.prefix(op.prefix)
      return
    case 'add':
      check.key(op.key)
      check.integer(op.delta, 'delta')
      return
    default:
      throw new InvalidArgumentError(`unknown txn op '${String((op as { op?: unknown } | undefined)?.op)}'; expected get, put, delete, deletePrefix or add`)
  }
}

export function compareHolds(state: MachineState, compare: RawCompare): boolean {
  const record = state.records.get(compare.key)
  switch (compare.target) {
    case 'version':
      return compareNumbers(record?.version ?? 0, compare.op, compare.value as number)
    case 'createRevision':
      return compareNumbers(record?.createRevision ?? 0, compare.op, compare.value as number)
    case 'modRevision':
      return compareNumbers(record?.modRevision ?? 0, compare.op, compare.value as number)
    case 'lease': {
      const equal = (record?.lease ?? null) === compare.value
      return compare.op === '==' ? equal : !equal
    }
    case 'value': {
      if (record === undefined) return compare.op === '!='
      const expected = compare.value as Uint8Array
      const actual = state.arena.view(record)
      if (compare.op === '==') return bytesEqual(actual, expected)
      if (compare.op === '!=') return !bytesEqual(actual, expected)
      const order = compareValues(actual, expected)
      return compare.op === '<' ? order < 0 : order > 0
    }
  }
}

function compareNumbers(actual: number, op: CompareOp, expected: number): boolean {
  switch (op) {
    case '==':
      return actual === expected
    case '!=':
      return actual !== expected
    case '<':
      return actual < expected
    case '>':
      return actual > expected
  }
}

/** Orders two encoded values: numerically for numbers/bigints, by UTF-8 for strings, else by bytes. */
function compareValues(a: Uint8Array, b: Uint8Array): number {
  // Bytes that are not msgpack (stored as sent) order by their bytes instead of throwing a plain Error.
  const x: unknown = decodeOrBytes(a)
  const y: unknown = decodeOrBytes(b)
  const numeric = (v: unknown) => typeof v === 'number' || typeof v === 'bigint'
  if (numeric(x) && numeric(y)) return (x as number) < (y as number) ? -1 : (x as number) > (y as number) ? 1 : 0
  if (typeof x === 'string' && typeof y === 'string') return compareKeys(x, y)
  return compareBytes(a, b)
}

function decodeOrBytes(bytes: Uint8Array): unknown {
  try {
    return decodeValue(bytes)
  } catch {
    return bytes
  }
}

class Overlay {
  readonly staged = new Map<string, Staged | null>()
  readonly actions: Action[] = []

  constructor(private readonly state: MachineState) {}

  read(key: string): Staged | undefined {
    const staged = this.staged.get(key)
    if (staged !== undefined) return staged ?? undefined
    const record = this.state.records.get(key)
    if (record === undefined) return undefined
    return {
      value: this.state.arena.view(record),
      version: record.version,
      createRevision: record.createRevision,
      lease: record.lease,
      expiresAt: record.expiresAt,
    }
  }

  run(op: RawTxnOp): RawTxnOpResult {
    switch (op.op) {
      case 'get':
        return this.get(op.key)
      case 'put':
        return this.put(op.key, op.value, op.ttlMs === undefined ? 0 : this.state.now + op.ttlMs, op.lease)
      case 'delete':
        return { op: 'delete', deleted: this.delete(op.key) ? 1 : 0 }
      case 'deletePrefix':
        return { op: 'delete', deleted: this.deletePrefix(op.prefix) }
      case 'add':
        return this.add(op.key, op.delta)
    }
  }

  get(key: string): RawTxnOpResult {
    const staged = this.staged.get(key)
    if (staged === undefined) {
      const record = this.state.records.get(key)
      return record === undefined ? { op: 'get' } : { op: 'get', entry: this.state.entry(key, record) }
    }
    if (staged === null) return { op: 'get' }
    const entry: RawEntry = {
      key,
      value: staged.value,
      version: staged.version,
      createRevision: staged.createRevision,
      modRevision: this.state.pendingRevision,
    }
    if (staged.lease !== undefined) entry.lease = staged.lease
    if (staged.expiresAt !== 0) entry.expiresAt = staged.expiresAt
    return { op: 'get', entry }
  }

  put(key: string, value: Uint8Array, expiresAt: number, lease: string | undefined): RawTxnOpResult {
    const current = this.read(key)
    const version = (current?.version ?? 0) + 1
    const createRevision = current?.createRevision ?? this.state.pendingRevision
    this.staged.set(key, { value, version, createRevision, lease, expiresAt })
    this.actions.push({ kind: 'put', key, value, expiresAt, lease })
    return { op: 'put', revision: this.state.pendingRevision, version }
  }

  delete(key: string): boolean {
    if (this.read(key) === undefined) return false
    this.staged.set(key, null)
    this.actions.push({ kind: 'delete', key })
    return true
  }

  deletePrefix(prefix: string): number {
    const keys = new Set<string>()
    this.state.sorted.forEachAscending(prefix, undefined, (key) => {
      if (!key.startsWith(prefix)) return false
      keys.add(key)
      return true
    })
    for (const key of this.staged.keys()) if (key.startsWith(prefix)) keys.add(key)
    let deleted = 0
    for (const key of [...keys].sort(compareKeys)) if (this.delete(key)) deleted++
    return deleted
  }

  add(key: string, delta: number): RawTxnOpResult {
    const current = this.read(key)
    let previous = 0
    if (current !== undefined) {
      const decoded: unknown = decodeOrBytes(current.value) // undecodable bytes: TYPE_MISMATCH below
      if (typeof decoded !== 'number' || !Number.isSafeInteger(decoded)) {
        throw new TypeMismatchError(`txn add: key '${key}' does not hold an integer counter`)
      }
      previous = decoded
    }
    const value = addChecked(key, previous, delta)
    this.put(key, encodeData(value), current?.expiresAt ?? 0, current?.lease)
    return { op: 'add', value, previous }
  }

  /** Keys the plan creates that do not exist now (for the quota). */
  newKeys(): number {
    let count = 0
    for (const [key, staged] of this.staged) if (staged !== null && !this.state.records.has(key)) count++
    return count
  }
}
