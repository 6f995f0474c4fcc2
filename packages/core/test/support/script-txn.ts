import type { RawCompare, RawTxnOp, TxnCommand } from '../../src/machine/types.js'
import { toBytes } from './literals.js'

/**
 * `txn {"if":[{"key":"a","target":"value","op":">","value":1}],"then":[{"op":"put","key":"a","value":2}],"else":[]}`:
 * the API's request shape (spec §3) in JSON; compare values of target 'value' and put values are
 * encoded, `op` defaults to '=='. Anything else passes through unchanged, so scripts can send
 * malformed requests on purpose.
 */
export function parseTxn(json: string): TxnCommand {
  const request = JSON.parse(json) as { if?: unknown[]; then?: unknown[]; else?: unknown[] }
  return {
    type: 'txn',
    if: Array.isArray(request.if) ? request.if.map(compare) : ((request.if ?? []) as RawCompare[]),
    then: Array.isArray(request.then) ? request.then.map(op) : ((request.then ?? []) as RawTxnOp[]),
    else: Array.isArray(request.else) ? request.else.map(op) : ((request.else ?? []) as RawTxnOp[]),
  }
}

function compare(item: unknown): RawCompare {
  const raw = item as Partial<RawCompare> & { value?: unknown }
  const value = raw.target === 'value' ? toBytes(raw.value) : raw.value
  return { ...raw, op: raw.op ?? '==', value } as RawCompare
}

function op(item: unknown): RawTxnOp {
  const raw = item as { op?: string; value?: unknown }
  return (raw.op === 'put' ? { ...raw, value: toBytes(raw.value) } : raw) as RawTxnOp
}
