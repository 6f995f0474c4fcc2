/**
 * One key as a register, with Clustron's versioning and conditional writes (api.md §2). Partitioned
 * per key: operations on different keys never constrain each other.
 *
 * Revisions are checked where the output carries them: the revisions of successive writes to one
 * key strictly increase (store revisions are global and ordered like the linearization), and a read
 * must report the revision of the last write. Outputs without revisions are checked without them.
 * After a write of unknown outcome its revision is unknown: a read then only has to report one above
 * the previous write's. Reads do not pin it for later reads, so that a read never changes the state
 * and the search can take reads greedily (`isReadOnly`); two reads disagreeing on that one revision
 * go unnoticed.
 */
import { formatValue } from '../format.js'
import { isUnknownOutput, type Model, type StepResult, type UnknownOutput } from '../history.js'
import { accept, canonicalValue, partitionBy, reject } from './canonical.js'

/** What a read reports about a present key; a client `Entry` fits as is. */
export interface KvEntryObservation {
  value: unknown
  version: number
  modRevision?: number
}

export type KvInput =
  | { type: 'get'; key: string }
  /** `ifVersion: 0` requires the key to be absent, as `version 0 == absent` in txn compares. */
  | { type: 'put'; key: string; value: unknown; ifVersion?: number; ifAbsent?: boolean }
  | { type: 'delete'; key: string; ifVersion?: number }

export interface KvGetOutput {
  entry: KvEntryObservation | undefined
}

export type KvPutOutput =
  | { ok: true; version: number; revision?: number }
  | { ok: false; reason: 'version-mismatch' | 'exists' | 'missing'; current?: KvEntryObservation }

export interface KvDeleteOutput {
  deleted: boolean
}

export type KvOutput = KvGetOutput | KvPutOutput | KvDeleteOutput

interface StoredEntry {
  value: unknown
  /** `canonicalValue(value)`, kept so comparisons and hashes do not re-encode. */
  valueKey: string
  version: number
  /** Undefined after a write whose outcome (hence revision) is unknown, until a read reveals it. */
  modRevision: number | undefined
}

export interface KvRegisterState {
  entry: StoredEntry | undefined
  /** Highest write revision known for this key: the next write's revision must exceed it. */
  revisionFloor: number
}

type FailureReason = 'version-mismatch' | 'exists' | 'missing'

/** Why a conditional write would fail on this state, or undefined when its condition holds. */
function failedCondition(entry: StoredEntry | undefined, ifVersion?: number, ifAbsent?: boolean): FailureReason | undefined {
  if (ifAbsent === true && entry !== undefined) return 'exists'
  if (ifVersion === undefined) return undefined
  if (ifVersion === 0) return entry === undefined ? undefined : 'version-mismatch'
  if (entry === undefined) return 'missing'
  return entry.version === ifVersion ? undefined : 'version-mismatch'
}

/** Whether a reported entry matches the state; never changes it. */
function matchesEntry(state: KvRegisterState, observed: KvEntryObservation | undefined): boolean {
  const entry = state.entry
  if (observed === undefined || entry === undefined) return observed === entry
  if (entry.version !== observed.version || entry.valueKey !== canonicalValue(observed.value)) return false
  if (observed.modRevision === undefined) return true
  return entry.modRevision === undefined ? observed.modRevision > state.revisionFloor : entry.modRevision === observed.modRevision
}

function written(state: KvRegisterState, value: unknown, revision: number | undefined): KvRegisterState {
  const entry: StoredEntry = {
    value,
    valueKey: canonicalValue(value),
    version: (state.entry?.version ?? 0) + 1,
    modRevision: revision,
  }
  return { entry, revisionFloor: revision ?? state.revisionFloor }
}

function stepPut(
  state: KvRegisterState,
  input: Extract<KvInput, { type: 'put' }>,
  output: KvOutput | UnknownOutput,
): StepResult<KvRegisterState> {
  const failure = failedCondition(state.entry, input.ifVersion, input.ifAbsent)
  if (isUnknownOutput(output)) return accept(failure === undefined ? written(state, input.value, undefined) : state)
  if (!('ok' in output)) return reject(state)
  if (!output.ok) {
    const currentMatches = output.current === undefined || matchesEntry(state, output.current)
    return failure === output.reason && currentMatches ? accept(state) : reject(state)
  }
  if (failure !== undefined || output.version !== (state.entry?.version ?? 0) + 1) return reject(state)
  if (output.revision !== undefined && output.revision <= state.revisionFloor) return reject(state)
  return accept(written(state, input.value, output.revision))
}

function stepDelete(
  state: KvRegisterState,
  input: Extract<KvInput, { type: 'delete' }>,
  output: KvOutput | UnknownOutput,
): StepResult<KvRegisterState> {
  const deletes = state.entry !== undefined && failedCondition(state.entry, input.ifVersion) === undefined
  const after: KvRegisterState = deletes ? { entry: undefined, revisionFloor: state.revisionFloor } : state
  if (isUnknownOutput(output)) return accept(after)
  if (!('deleted' in output) || output.deleted !== deletes) return reject(state)
  return accept(after)
}

function stepKv(state: KvRegisterState, input: KvInput, output: KvOutput | UnknownOutput): StepResult<KvRegisterState> {
  switch (input.type) {
    case 'get':
      if (isUnknownOutput(output)) return accept(state)
      return 'entry' in output && matchesEntry(state, output.entry) ? accept(state) : reject(state)
    case 'put':
      return stepPut(state, input, output)
    case 'delete':
      return stepDelete(state, input, output)
  }
}

function describeEntryParts(value: unknown, version: number, modRevision: number | undefined): string {
  return `${formatValue(value)} v${version}${modRevision === undefined ? '' : ` @r${modRevision}`}`
}

export function describeKvEntry(entry: KvEntryObservation | undefined): string {
  return entry === undefined ? 'absent' : describeEntryParts(entry.value, entry.version, entry.modRevision)
}

function describeKvState(state: KvRegisterState): string {
  const entry = state.entry
  return entry === undefined ? 'absent' : describeEntryParts(entry.value, entry.version, entry.modRevision)
}

function describeKvInput(input: KvInput): string {
  const conditions = [
    'ifVersion' in input && input.ifVersion !== undefined ? `ifVersion=${input.ifVersion}` : '',
    'ifAbsent' in input && input.ifAbsent === true ? 'ifAbsent' : '',
  ].filter((text) => text !== '')
  const value = input.type === 'put' ? [formatValue(input.value)] : []
  return `${input.type}(${[JSON.stringify(input.key), ...value, ...conditions].join(', ')})`
}

function describeKvOutput(output: KvOutput | UnknownOutput): string {
  if (isUnknownOutput(output)) return '?'
  if ('entry' in output) return describeKvEntry(output.entry)
  if ('deleted' in output) return output.deleted ? 'deleted' : 'not deleted'
  if (output.ok) return `ok v${output.version}${output.revision === undefined ? '' : ` @r${output.revision}`}`
  return `${output.reason}${output.current === undefined ? '' : ` (current ${describeKvEntry(output.current)})`}`
}

/** A register per key: get, put (plain, ifVersion, ifAbsent) and delete (plain or ifVersion). */
export function createKvRegisterModel(): Model<KvRegisterState, KvInput, KvOutput> {
  return {
    name: 'kv-register',
    init: () => ({ entry: undefined, revisionFloor: 0 }),
    step: stepKv,
    hash: (state) =>
      state.entry === undefined
        ? `-|${state.revisionFloor}`
        : `${state.entry.version}|${state.entry.modRevision ?? '?'}|${state.revisionFloor}|${state.entry.valueKey}`,
    partition: (history) => partitionBy(history, (operation) => operation.input.key),
    // Reads and refused writes leave the register as it was.
    isReadOnly: (input, output) =>
      input.type === 'get' || ('ok' in output && !output.ok) || ('deleted' in output && !output.deleted),
    describeOperation: (input, output) => `${describeKvInput(input)} → ${describeKvOutput(output)}`,
    describeState: describeKvState,
  }
}
