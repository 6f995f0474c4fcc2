/**
 * The set of keys under a prefix, as `list({ prefix })` sees it: adds are puts of keys, removes are
 * deletes, and a list must return exactly the keys present at its linearization point, sorted by
 * UTF-8 bytes. Partitioned per prefix (each prefix is one object; prefixes must not overlap).
 */
import { isUnknownOutput, type Model, type StepResult, type UnknownOutput } from '../history.js'
import { accept, compareKeys, partitionBy, reject } from './canonical.js'

export type KeySetInput =
  /** With `ifAbsent`, an add of a present key fails (`ok: false`); without, it always succeeds. */
  | { type: 'add'; prefix: string; key: string; ifAbsent?: boolean }
  | { type: 'remove'; prefix: string; key: string }
  | { type: 'list'; prefix: string }

export interface KeySetAddOutput {
  ok: boolean
}

export interface KeySetRemoveOutput {
  deleted: boolean
}

export interface KeySetListOutput {
  keys: readonly string[]
}

export type KeySetOutput = KeySetAddOutput | KeySetRemoveOutput | KeySetListOutput

/** The keys present, sorted with `compareKeys`; never mutated (steps return new arrays). */
export type KeySetState = readonly string[]

/** Index of `key` if present, else the bitwise complement of its insertion point. */
function search(keys: KeySetState, key: string): number {
  let low = 0
  let high = keys.length
  while (low < high) {
    const middle = (low + high) >>> 1
    const order = compareKeys(keys[middle] ?? '', key)
    if (order === 0) return middle
    if (order < 0) low = middle + 1
    else high = middle
  }
  return ~low
}

function stepAdd(keys: KeySetState, input: Extract<KeySetInput, { type: 'add' }>, output: KeySetOutput | UnknownOutput): StepResult<KeySetState> {
  const position = search(keys, input.key)
  const present = position >= 0
  const adds = !present
  const succeeds = !(present && input.ifAbsent === true)
  const after = adds ? [...keys.slice(0, ~position), input.key, ...keys.slice(~position)] : keys
  if (isUnknownOutput(output)) return accept(after)
  return 'ok' in output && output.ok === succeeds ? accept(after) : reject(keys)
}

function stepRemove(keys: KeySetState, key: string, output: KeySetOutput | UnknownOutput): StepResult<KeySetState> {
  const position = search(keys, key)
  const after = position >= 0 ? [...keys.slice(0, position), ...keys.slice(position + 1)] : keys
  if (isUnknownOutput(output)) return accept(after)
  return 'deleted' in output && output.deleted === position >= 0 ? accept(after) : reject(keys)
}

function stepList(keys: KeySetState, output: KeySetOutput | UnknownOutput): StepResult<KeySetState> {
  if (isUnknownOutput(output)) return accept(keys)
  if (!('keys' in output) || output.keys.length !== keys.length) return reject(keys)
  return output.keys.every((key, index) => key === keys[index]) ? accept(keys) : reject(keys)
}

function stepKeySet(keys: KeySetState, input: KeySetInput, output: KeySetOutput | UnknownOutput): StepResult<KeySetState> {
  switch (input.type) {
    case 'add':
      return stepAdd(keys, input, output)
    case 'remove':
      return stepRemove(keys, input.key, output)
    case 'list':
      return stepList(keys, output)
  }
}

function describeKeySetOperation(input: KeySetInput, output: KeySetOutput | UnknownOutput): string {
  const call =
    input.type === 'list'
      ? `list(${JSON.stringify(input.prefix)})`
      : `${input.type}(${JSON.stringify(input.key)}${input.type === 'add' && input.ifAbsent === true ? ', ifAbsent' : ''})`
  if (isUnknownOutput(output)) return `${call} → ?`
  if ('keys' in output) return `${call} → [${output.keys.map((key) => JSON.stringify(key)).join(', ')}]`
  if ('deleted' in output) return `${call} → ${output.deleted ? 'deleted' : 'not deleted'}`
  return `${call} → ${output.ok ? 'ok' : 'exists'}`
}

export function createKeySetModel(): Model<KeySetState, KeySetInput, KeySetOutput> {
  return {
    name: 'key-set',
    init: () => [],
    step: stepKeySet,
    hash: (keys) => JSON.stringify(keys),
    partition: (history) => partitionBy(history, (operation) => operation.input.prefix),
    isReadOnly: (input, output) =>
      input.type === 'list' || ('ok' in output && !output.ok) || ('deleted' in output && !output.deleted),
    describeOperation: describeKeySetOperation,
    describeState: (keys) => `{${keys.map((key) => JSON.stringify(key)).join(', ')}}`,
  }
}
