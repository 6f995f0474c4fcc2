import { decodeValue, encodeData } from '../codec.js'
import { InvalidArgumentError, OutOfRangeError, TypeMismatchError } from '../errors.js'
import type { KeyRecord } from './records.js'
import type { MachineState } from './state.js'
import type {
  ClearCommand,
  CommandResults,
  CounterAddCommand,
  CounterSetCommand,
  DeleteCommand,
  DeleteManyCommand,
  FenceRef,
  PersistCommand,
  PutCommand,
  PutManyCommand,
  SetTtlCommand,
} from './types.js'
import type { Checks } from './validate.js'

/** Handlers of the key commands. Each validates all of its input before its first change. */

export function fenceHolds(state: MachineState, fence: FenceRef): boolean {
  return state.locks.lock.get(fence.name)?.holder?.token === fence.token
}

export function checkFence(check: Checks, fence: FenceRef | undefined): void {
  if (fence === undefined) return
  check.name(fence.name, 'fence.name')
  check.integer(fence.token, 'fence.token')
}

export function applyPut(state: MachineState, check: Checks, command: PutCommand): CommandResults['put'] {
  const key = check.key(command.key)
  const value = check.value(command.value)
  const ttlMs = check.optionalTtlMs(command.ttlMs)
  const lease = check.optionalLease(command.lease)
  checkFence(check, command.fence)
  if (command.ifVersion !== undefined) check.version(command.ifVersion)
  const record = state.records.get(key)
  if (command.fence !== undefined && !fenceHolds(state, command.fence)) return failed(state, key, record, 'fenced')
  if (command.ifAbsent === true && record !== undefined) return failed(state, key, record, 'exists')
  if (command.ifVersion !== undefined) {
    const version = record?.version ?? 0
    if (version !== command.ifVersion) return failed(state, key, record, record === undefined ? 'missing' : 'version-mismatch')
  }
  if (record === undefined) check.room(1)
  const written = state.writeKey(key, value, ttlMs === undefined ? 0 : state.now + ttlMs, lease)
  return { ok: true, revision: state.pendingRevision, version: written.version }
}

function failed(
  state: MachineState,
  key: string,
  record: KeyRecord | undefined,
  reason: 'version-mismatch' | 'exists' | 'missing' | 'fenced',
): CommandResults['put'] {
  return record === undefined ? { ok: false, reason } : { ok: false, reason, current: state.entry(key, record) }
}

export function applyDelete(state: MachineState, check: Checks, command: DeleteCommand): CommandResults['delete'] {
  const key = check.key(command.key)
  checkFence(check, command.fence)
  if (command.ifVersion !== undefined) check.version(command.ifVersion)
  const record = state.records.get(key)
  const refused =
    (command.fence !== undefined && !fenceHolds(state, command.fence)) ||
    (command.ifVersion !== undefined && (record?.version ?? 0) !== command.ifVersion)
  if (refused || record === undefined) return { deleted: false, revision: state.revision }
  state.deleteKey(key, 'deleted')
  return { deleted: true, revision: state.pendingRevision }
}

export function applyPutMany(state: MachineState, check: Checks, command: PutManyCommand): CommandResults['putMany'] {
  if (!Array.isArray(command.entries)) throw new InvalidArgumentError('entries must be an array of [key, value] pairs')
  check.batch(command.entries.length, 'putMany')
  const ttlMs = check.optionalTtlMs(command.ttlMs)
  const lease = check.optionalLease(command.lease)
  const fresh = new Set<string>()
  const seen = new Set<string>()
  let bytes = 0
  for (const pair of command.entries) {
    if (!Array.isArray(pair) || pair.length !== 2) throw new InvalidArgumentError('each entry must be a [key, value] pair')
    const key = check.key(pair[0])
    // One key twice in one atomic batch is ambiguous (which value? two versions in one revision?).
    if (seen.has(key)) throw new InvalidArgumentError(`putMany names key '${key}' twice; give each key once`)
    seen.add(key)
    bytes += check.value(pair[1], `value of '${key}'`).length
    if (!state.records.has(key)) fresh.add(key)
  }
  if (bytes > state.limits.batchBytesMax) {
    throw new InvalidArgumentError(`putMany carries ${bytes} bytes of values; the limit is ${state.limits.batchBytesMax}: split it`)
  }
  check.room(fresh.size)
  const expiresAt = ttlMs === undefined ? 0 : state.now + ttlMs
  for (const [key, value] of command.entries) state.writeKey(key, value, expiresAt, lease)
  return { revision: state.resultRevision }
}

export function applyDeleteMany(state: MachineState, check: Checks, command: DeleteManyCommand): CommandResults['deleteMany'] {
  if (!Array.isArray(command.keys)) throw new InvalidArgumentError('keys must be an array of strings')
  check.batch(command.keys.length, 'deleteMany')
  for (const key of command.keys) check.key(key)
  let deleted = 0
  for (const key of command.keys) if (state.deleteKey(key, 'deleted')) deleted++
  return { deleted, revision: state.resultRevision }
}

export function applyClear(state: MachineState, check: Checks, command: ClearCommand): CommandResults['clear'] {
  const range = check.range(command.prefix, command.start, command.end)
  const keys = collectRange(state, range.start, range.end, range.prefix)
  for (const key of keys) state.deleteKey(key, 'cleared')
  return { deleted: keys.length, revision: state.resultRevision }
}

/** Keys of [start, end), ascending, stopping at the first key without `prefix` when one is given. */
export function collectRange(state: MachineState, start: string, end: string | undefined, prefix: string | undefined): string[] {
  const keys: string[] = []
  state.sorted.forEachAscending(start, end, (key) => {
    if (prefix !== undefined && !key.startsWith(prefix)) return false
    keys.push(key)
    return true
  })
  return keys
}

export function applySetTtl(state: MachineState, check: Checks, command: SetTtlCommand): CommandResults['setTtl'] {
  const key = check.key(command.key)
  const ttlMs = check.ttlMs(command.ttlMs)
  const record = state.records.get(key)
  if (record === undefined) return { ok: false, revision: state.revision }
  state.retimeKey(key, record, state.now + ttlMs)
  return { ok: true, revision: state.pendingRevision }
}

export function applyPersist(state: MachineState, check: Checks, command: PersistCommand): CommandResults['persist'] {
  const key = check.key(command.key)
  const record = state.records.get(key)
  if (record === undefined) return { ok: false, revision: state.revision }
  if (record.expiresAt !== 0) state.retimeKey(key, record, 0)
  return { ok: true, revision: state.resultRevision }
}

/** The integer a counter key holds (0 when missing); TYPE_MISMATCH when it holds anything else. */
export function counterValue(state: MachineState, key: string, record: KeyRecord | undefined): number {
  if (record === undefined) return 0
  let value: unknown
  try {
    value = decodeValue(state.arena.view(record))
  } catch {
    // Values are stored as sent (never decoded on put): bytes that are not msgpack are not an
    // integer either. Without this the decoder's plain Error escaped apply() (INTERNAL on the wire).
    throw new TypeMismatchError(`key '${key}' holds bytes that are not a msgpack value, not an integer counter`)
  }
  if (typeof value !== 'number' || !Number.isSafeInteger(value)) {
    throw new TypeMismatchError(`key '${key}' holds ${describeValue(value)}, not an integer counter`)
  }
  return value
}

export function addChecked(key: string, current: number, delta: number): number {
  const value = current + delta
  if (!Number.isSafeInteger(value)) {
    throw new OutOfRangeError(`counter '${key}': ${current} + ${delta} is beyond ±(2^53-1)`)
  }
  return value
}

export function applyCounterAdd(state: MachineState, check: Checks, command: CounterAddCommand): CommandResults['counterAdd'] {
  const key = check.key(command.key)
  const delta = check.integer(command.delta, 'delta')
  const min = command.min === undefined ? undefined : check.integer(command.min, 'min')
  const max = command.max === undefined ? undefined : check.integer(command.max, 'max')
  const ttlMs = check.optionalTtlMs(command.ttlMs)
  if (min !== undefined && max !== undefined && min > max) throw new InvalidArgumentError(`min (${min}) must not exceed max (${max})`)
  const record = state.records.get(key)
  const previous = counterValue(state, key, record)
  const value = addChecked(key, previous, delta)
  if ((min !== undefined && value < min) || (max !== undefined && value > max)) return { ok: false, value: previous }
  if (record === undefined) check.room(1)
  // A counter's TTL starts when it gets one (a fixed window); adds keep its TTL and lease.
  const expiresAt = record !== undefined && record.expiresAt !== 0 ? record.expiresAt : ttlMs === undefined ? 0 : state.now + ttlMs
  state.writeKey(key, encodeData(value), expiresAt, record?.lease)
  return { ok: true, value, previous, revision: state.pendingRevision }
}

export function applyCounterSet(state: MachineState, check: Checks, command: CounterSetCommand): CommandResults['counterSet'] {
  const key = check.key(command.key)
  const value = check.integer(command.value, 'value')
  const record = state.records.get(key)
  const previous = counterValue(state, key, record)
  if (record === undefined) check.room(1)
  state.writeKey(key, encodeData(value), record?.expiresAt ?? 0, record?.lease)
  return { previous, revision: state.pendingRevision }
}

function describeValue(value: unknown): string {
  if (typeof value === 'number') return `the non-integer number ${value}`
  if (typeof value === 'string') return 'a string'
  if (typeof value === 'bigint') return 'a bigint'
  if (value === null) return 'null'
  if (Array.isArray(value)) return 'an array'
  return `a value of type ${typeof value}`
}
