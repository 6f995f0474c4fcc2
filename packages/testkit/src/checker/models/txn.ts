/**
 * The whole store as one state, for multi-key transactions on small key sets (api.md §3).
 *
 * Partitioned by connected key sets: operations that (transitively) share a key are checked
 * together, others apart. Linearizability is local (Herlihy & Wing), so treating each connected set
 * of keys as one object is exact. `deletePrefix` touches every key of the history under its prefix.
 *
 * Modelled: compares on `value` and `version` (version 0 == absent; a `value` compare on an absent
 * key fails whatever its op, as in etcd); then/else branches of get, put, delete, deletePrefix and
 * add; single-key get, put, delete. Ops of one transaction apply in order, so two puts of one key
 * bump its version twice. Not modelled: compares on createRevision, modRevision and lease; TTLs.
 */
import { isUnknownOutput, type Model, type StepResult, type UnknownOutput } from '../history.js'
import { accept, canonicalValue, reject } from './canonical.js'
import type { KvDeleteOutput, KvEntryObservation, KvGetOutput, KvPutOutput } from './kv-register.js'
import { describeStore, describeTxnOperation, partitionByConnectedKeys } from './txn-support.js'

export interface TxnCompare {
  key: string
  target: 'value' | 'version'
  op?: '==' | '!=' | '<' | '>'
  value: unknown
}

export type TxnOperation =
  | { op: 'get'; key: string }
  | { op: 'put'; key: string; value: unknown }
  | { op: 'delete'; key: string }
  | { op: 'deletePrefix'; prefix: string }
  | { op: 'add'; key: string; delta: number }

export type TxnModelInput =
  | { type: 'txn'; if?: TxnCompare[]; then: TxnOperation[]; else?: TxnOperation[] }
  | { type: 'get'; key: string }
  | { type: 'put'; key: string; value: unknown }
  | { type: 'delete'; key: string }

/** One per executed op, in order: get → entry or undefined; put → version; deletes → count; add. */
export type TxnOperationResult =
  | KvEntryObservation
  | undefined
  | { version: number; revision?: number }
  | { deleted: number }
  | { value: number; previous: number }

export type TxnOutput =
  | { succeeded: boolean; results: TxnOperationResult[] }
  /** An op could not apply (add on a non-integer, or beyond ±(2^53−1)): nothing changed. */
  | { rejected: 'TYPE_MISMATCH' | 'OUT_OF_RANGE' }

export type TxnModelOutput = TxnOutput | KvGetOutput | KvPutOutput | KvDeleteOutput

interface StoredValue {
  value: unknown
  valueKey: string
  version: number
}

/** Key → entry for present keys; never mutated (steps copy). */
export type StoreState = ReadonlyMap<string, StoredValue>

type ExpectedResult =
  | { kind: 'get'; entry: StoredValue | undefined }
  | { kind: 'put'; version: number }
  | { kind: 'deleted'; count: number }
  | { kind: 'add'; value: number; previous: number }

type Execution = { store: StoreState; results: ExpectedResult[] } | { rejected: 'TYPE_MISMATCH' | 'OUT_OF_RANGE' }

function compareOrdered<T extends number | string | bigint>(op: '==' | '!=' | '<' | '>', left: T, right: T): boolean {
  switch (op) {
    case '==':
      return left === right
    case '!=':
      return left !== right
    case '<':
      return left < right
    case '>':
      return left > right
  }
}

function compareHolds(store: StoreState, compare: TxnCompare): boolean {
  const entry = store.get(compare.key)
  const op = compare.op ?? '=='
  if (compare.target === 'version') {
    return typeof compare.value === 'number' && compareOrdered(op, entry?.version ?? 0, compare.value)
  }
  // As the store defines it: an absent key's value equals nothing, so only '!=' holds.
  if (entry === undefined) return op === '!='
  if (op === '==') return entry.valueKey === canonicalValue(compare.value)
  if (op === '!=') return entry.valueKey !== canonicalValue(compare.value)
  const [left, right] = [entry.value, compare.value]
  // Order compares apply to numbers, strings and bigints of the same type; anything else fails.
  if (typeof left === 'number' && typeof right === 'number') return compareOrdered(op, left, right)
  if (typeof left === 'string' && typeof right === 'string') return compareOrdered(op, left, right)
  if (typeof left === 'bigint' && typeof right === 'bigint') return compareOrdered(op, left, right)
  return false
}

function storeValue(store: Map<string, StoredValue>, key: string, value: unknown): number {
  const version = (store.get(key)?.version ?? 0) + 1
  store.set(key, { value, valueKey: canonicalValue(value), version })
  return version
}

/** Applies ops in order to a copy of the store, or says why the whole transaction is rejected. */
function execute(state: StoreState, operations: readonly TxnOperation[]): Execution {
  const store = new Map(state)
  const results: ExpectedResult[] = []
  for (const operation of operations) {
    switch (operation.op) {
      case 'get':
        results.push({ kind: 'get', entry: store.get(operation.key) })
        break
      case 'put':
        results.push({ kind: 'put', version: storeValue(store, operation.key, operation.value) })
        break
      case 'delete':
        results.push({ kind: 'deleted', count: store.delete(operation.key) ? 1 : 0 })
        break
      case 'deletePrefix': {
        const doomed = [...store.keys()].filter((key) => key.startsWith(operation.prefix))
        doomed.forEach((key) => store.delete(key))
        results.push({ kind: 'deleted', count: doomed.length })
        break
      }
      case 'add': {
        const previous = store.get(operation.key)?.value ?? 0
        if (typeof previous !== 'number' || !Number.isSafeInteger(previous)) return { rejected: 'TYPE_MISMATCH' }
        const value = previous + operation.delta
        if (!Number.isSafeInteger(value)) return { rejected: 'OUT_OF_RANGE' }
        storeValue(store, operation.key, value)
        results.push({ kind: 'add', value, previous })
        break
      }
    }
  }
  return { store, results }
}

function resultMatches(expected: ExpectedResult, observed: TxnOperationResult): boolean {
  switch (expected.kind) {
    case 'get':
      if (observed === undefined || expected.entry === undefined) return observed === expected.entry
      return (
        'value' in observed &&
        'version' in observed &&
        observed.version === expected.entry.version &&
        canonicalValue(observed.value) === expected.entry.valueKey
      )
    case 'put':
      return observed !== undefined && !('value' in observed) && 'version' in observed && observed.version === expected.version
    case 'deleted':
      return observed !== undefined && 'deleted' in observed && observed.deleted === expected.count
    case 'add':
      return observed !== undefined && 'previous' in observed && observed.previous === expected.previous && observed.value === expected.value
  }
}

function stepTransaction(
  state: StoreState,
  input: Extract<TxnModelInput, { type: 'txn' }>,
  output: TxnModelOutput | UnknownOutput,
): StepResult<StoreState> {
  const succeeded = (input.if ?? []).every((compare) => compareHolds(state, compare))
  const execution = execute(state, succeeded ? input.then : (input.else ?? []))
  if (isUnknownOutput(output)) return accept('store' in execution ? execution.store : state)
  if ('rejected' in output) return 'rejected' in execution && execution.rejected === output.rejected ? accept(state) : reject(state)
  if (!('succeeded' in output) || !('store' in execution) || output.succeeded !== succeeded) return reject(state)
  if (output.results.length !== execution.results.length) return reject(state)
  const allMatch = execution.results.every((expected, index) => resultMatches(expected, output.results[index]))
  return allMatch ? accept(execution.store) : reject(state)
}

/** Single-key operations are one-op transactions with the single-key output shapes. */
function stepSingle(
  state: StoreState,
  input: Exclude<TxnModelInput, { type: 'txn' }>,
  output: TxnModelOutput | UnknownOutput,
): StepResult<StoreState> {
  const operation: TxnOperation = input.type === 'put' ? { op: 'put', key: input.key, value: input.value } : { op: input.type, key: input.key }
  const execution = execute(state, [operation])
  if (!('store' in execution)) return reject(state)
  if (isUnknownOutput(output)) return accept(execution.store)
  const expected = execution.results[0]
  if (expected === undefined) return reject(state)
  const matches =
    (expected.kind === 'get' && 'entry' in output && resultMatches(expected, output.entry)) ||
    (expected.kind === 'put' && 'ok' in output && output.ok && output.version === expected.version) ||
    (expected.kind === 'deleted' && 'deleted' in output && output.deleted === (expected.count === 1))
  return matches ? accept(execution.store) : reject(state)
}

function hashStore(store: StoreState): string {
  return [...store.keys()]
    .sort()
    .map((key) => {
      const entry = store.get(key)
      return `${JSON.stringify(key)}=${entry?.version ?? 0}:${entry?.valueKey ?? ''}`
    })
    .join(';')
}

/** Reads, refused deletes, rejected transactions and transactions whose branch only reads. */
function isReadOnlyTxn(input: TxnModelInput, output: TxnModelOutput): boolean {
  if (input.type !== 'txn') return input.type === 'get' || ('deleted' in output && !output.deleted)
  if ('rejected' in output) return true
  if (!('succeeded' in output)) return false
  const branch = output.succeeded ? input.then : (input.else ?? [])
  return branch.every((operation) => operation.op === 'get')
}

export interface TxnModelOptions {
  /** Check connected key sets apart (default true); false checks the history as one object. */
  partitionByConnectedKeys?: boolean
}

export function createTxnModel(options: TxnModelOptions = {}): Model<StoreState, TxnModelInput, TxnModelOutput> {
  const model: Model<StoreState, TxnModelInput, TxnModelOutput> = {
    name: 'txn-store',
    init: () => new Map(),
    step: (state, input, output) => (input.type === 'txn' ? stepTransaction(state, input, output) : stepSingle(state, input, output)),
    hash: hashStore,
    isReadOnly: isReadOnlyTxn,
    describeOperation: describeTxnOperation,
    describeState: describeStore,
  }
  if (options.partitionByConnectedKeys !== false) model.partition = partitionByConnectedKeys
  return model
}
