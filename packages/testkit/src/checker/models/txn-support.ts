/**
 * Partitioning and descriptions for the transaction model, kept apart from its step logic.
 */
import { formatValue } from '../format.js'
import { isUnknownOutput, type Operation, type UnknownOutput } from '../history.js'
import type { StoreState, TxnModelInput, TxnModelOutput, TxnOperation, TxnOperationResult } from './txn.js'

interface TouchedKeys {
  keys: string[]
  prefixes: string[]
}

function touchedKeys(input: TxnModelInput): TouchedKeys {
  if (input.type !== 'txn') return { keys: [input.key], prefixes: [] }
  const keys = (input.if ?? []).map((compare) => compare.key)
  const prefixes: string[] = []
  for (const operation of [...input.then, ...(input.else ?? [])]) {
    if (operation.op === 'deletePrefix') prefixes.push(operation.prefix)
    else keys.push(operation.key)
  }
  return { keys, prefixes }
}

/** Union-find over keys: operations whose key sets are connected land in one partition. */
export function partitionByConnectedKeys<O>(history: readonly Operation<TxnModelInput, O>[]): Operation<TxnModelInput, O>[][] {
  const parent = new Map<string, string>()
  const find = (key: string): string => {
    let root = key
    while (parent.get(root) !== undefined && parent.get(root) !== root) root = parent.get(root) ?? root
    parent.set(key, root)
    return root
  }
  const union = (left: string, right: string): void => {
    parent.set(find(left), find(right))
  }
  const touched = history.map((operation) => touchedKeys(operation.input))
  const allKeys = new Set(touched.flatMap((keys) => keys.keys))
  // A prefix reaches only keys some operation names: keys never named are never present.
  const expanded = touched.map(({ keys, prefixes }) => [
    ...keys,
    ...[...allKeys].filter((key) => prefixes.some((prefix) => key.startsWith(prefix))),
  ])
  for (const keys of expanded) {
    const first = keys[0]
    if (first === undefined) continue
    if (!parent.has(first)) parent.set(first, first)
    for (const key of keys) union(key, first)
  }
  const parts = new Map<string, Operation<TxnModelInput, O>[]>()
  history.forEach((operation, index) => {
    const first = expanded[index]?.[0]
    // An operation touching no key (deletePrefix matching nothing) constrains nothing else.
    const group = first === undefined ? `\u0000${index}` : find(first)
    const part = parts.get(group)
    if (part === undefined) parts.set(group, [operation])
    else part.push(operation)
  })
  return [...parts.values()]
}

function describeOperationCall(operation: TxnOperation): string {
  switch (operation.op) {
    case 'put':
      return `put(${JSON.stringify(operation.key)}, ${formatValue(operation.value)})`
    case 'add':
      return `add(${JSON.stringify(operation.key)}, ${operation.delta})`
    case 'deletePrefix':
      return `deletePrefix(${JSON.stringify(operation.prefix)})`
    default:
      return `${operation.op}(${JSON.stringify(operation.key)})`
  }
}

function describeResult(result: TxnOperationResult): string {
  if (result === undefined) return 'absent'
  if ('deleted' in result) return `deleted ${result.deleted}`
  if ('previous' in result) return `${result.previous}→${result.value}`
  if ('value' in result) return `${formatValue(result.value)} v${result.version}`
  return `v${result.version}`
}

function describeTxnInput(input: TxnModelInput): string {
  if (input.type !== 'txn') return describeOperationCall(input.type === 'put' ? { op: 'put', key: input.key, value: input.value } : { op: input.type, key: input.key })
  const compares = (input.if ?? []).map(
    (compare) => `${compare.target}(${JSON.stringify(compare.key)}) ${compare.op ?? '=='} ${formatValue(compare.value)}`,
  )
  const branch = (operations: readonly TxnOperation[]): string => operations.map(describeOperationCall).join('; ')
  const otherwise = input.else === undefined ? '' : ` else [${branch(input.else)}]`
  return `txn(if [${compares.join(' && ')}] then [${branch(input.then)}]${otherwise})`
}

export function describeTxnOperation(input: TxnModelInput, output: TxnModelOutput | UnknownOutput): string {
  const call = describeTxnInput(input)
  if (isUnknownOutput(output)) return `${call} → ?`
  if ('rejected' in output) return `${call} → rejected ${output.rejected}`
  if ('succeeded' in output) {
    return `${call} → ${output.succeeded ? 'then' : 'else'} [${output.results.map(describeResult).join('; ')}]`
  }
  if ('entry' in output) return `${call} → ${describeResult(output.entry)}`
  if ('deleted' in output) return `${call} → ${output.deleted ? 'deleted' : 'not deleted'}`
  return `${call} → ${output.ok ? `ok v${output.version}` : output.reason}`
}

export function describeStore(store: StoreState): string {
  const entries = [...store].map(([key, entry]) => `${JSON.stringify(key)}: ${formatValue(entry.value)} v${entry.version}`)
  return `{${entries.sort().join(', ')}}`
}
