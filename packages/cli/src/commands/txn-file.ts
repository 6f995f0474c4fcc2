import type { Compare, CompareTarget, TxnOp, TxnRequest } from '@clustron/client'
import { parseDuration } from '../duration.js'
import { UsageError } from '../exit-codes.js'
import { fromTypedJson } from '../typed-json.js'

const targets: readonly CompareTarget[] = ['value', 'version', 'createRevision', 'modRevision', 'lease']
const compareOps = ['==', '!=', '<', '>'] as const
const opFields: Record<TxnOp['op'], readonly string[]> = {
  get: ['op', 'key'],
  put: ['op', 'key', 'value', 'ttlMs', 'ttl', 'lease'],
  delete: ['op', 'key'],
  deletePrefix: ['op', 'prefix'],
  add: ['op', 'key', 'delta'],
}

type Json = Record<string, unknown>

/**
 * Reads a txn file (spec §3's request as JSON) into a TxnRequest. Every mistake is a usage error
 * naming the file and the place (`txn.json: then[1].delta must be an integer`): nothing is sent.
 */
export function parseTxnFile(text: string, source: string): TxnRequest {
  let json: unknown
  try {
    json = JSON.parse(text)
  } catch (error) {
    throw new UsageError(`${source} is not JSON: ${(error as Error).message}`)
  }
  const fail = (where: string, problem: string) => new UsageError(`${source}: ${where} ${problem}`)
  if (!isObject(json)) throw fail('the file', 'must hold an object { "if"?: [...], "then": [...], "else"?: [...] }')
  unknownFields(json, ['if', 'then', 'else'], 'the object', fail)
  if (!Array.isArray(json.then)) throw fail('"then"', 'must be an array of operations (it may be empty)')
  const request: TxnRequest = { then: json.then.map((op, index) => parseOp(op, `then[${index}]`, fail)) }
  if (json.if !== undefined) {
    if (!Array.isArray(json.if)) throw fail('"if"', 'must be an array of comparisons')
    request.if = json.if.map((compare, index) => parseCompare(compare, `if[${index}]`, fail))
  }
  if (json.else !== undefined) {
    if (!Array.isArray(json.else)) throw fail('"else"', 'must be an array of operations')
    request.else = json.else.map((op, index) => parseOp(op, `else[${index}]`, fail))
  }
  return request
}

type Fail = (where: string, problem: string) => UsageError

function parseCompare(json: unknown, where: string, fail: Fail): Compare {
  if (!isObject(json)) throw fail(where, 'must be an object { "key", "target", "op"?, "value" }')
  unknownFields(json, ['key', 'target', 'op', 'value'], where, fail)
  const key = stringField(json, 'key', where, fail)
  if (!targets.includes(json.target as CompareTarget)) throw fail(`${where}.target`, `must be one of ${targets.join(', ')}`)
  const target = json.target as CompareTarget
  if (!('value' in json)) throw fail(where, 'needs a "value" to compare with')
  const compare: Compare = { key, target, value: target === 'value' ? fromTypedJson(json.value) : json.value }
  if (json.op !== undefined) {
    if (!compareOps.includes(json.op as (typeof compareOps)[number])) throw fail(`${where}.op`, `must be one of ${compareOps.join(' ')}`)
    compare.op = json.op as (typeof compareOps)[number]
  }
  if (target !== 'value' && target !== 'lease' && !Number.isSafeInteger(compare.value)) throw fail(`${where}.value`, `must be an integer for target '${target}'`)
  return compare
}

function parseOp(json: unknown, where: string, fail: Fail): TxnOp {
  if (!isObject(json)) throw fail(where, 'must be an object with an "op"')
  const kind = json.op as TxnOp['op']
  if (!Object.hasOwn(opFields, kind)) throw fail(`${where}.op`, `must be one of ${Object.keys(opFields).join(', ')}`)
  unknownFields(json, opFields[kind], where, fail)
  switch (kind) {
    case 'get':
    case 'delete':
      return { op: kind, key: stringField(json, 'key', where, fail) }
    case 'deletePrefix':
      return { op: 'deletePrefix', prefix: stringField(json, 'prefix', where, fail, true) }
    case 'add': {
      if (!Number.isSafeInteger(json.delta)) throw fail(`${where}.delta`, 'must be an integer')
      return { op: 'add', key: stringField(json, 'key', where, fail), delta: json.delta as number }
    }
    case 'put': {
      if (!('value' in json)) throw fail(where, 'needs a "value"')
      const op: Extract<TxnOp, { op: 'put' }> = { op: 'put', key: stringField(json, 'key', where, fail), value: fromTypedJson(json.value) }
      if (json.ttl !== undefined && json.ttlMs !== undefined) throw fail(where, 'gives both "ttl" and "ttlMs"; keep one')
      if (json.ttl !== undefined) op.ttlMs = parseDuration(typeof json.ttl === 'string' ? json.ttl : String(json.ttl), `${where}.ttl`)
      if (json.ttlMs !== undefined) {
        if (!Number.isSafeInteger(json.ttlMs)) throw fail(`${where}.ttlMs`, 'must be an integer number of milliseconds')
        op.ttlMs = json.ttlMs as number
      }
      if (json.lease !== undefined) op.lease = stringField(json, 'lease', where, fail)
      return op
    }
  }
}

function stringField(json: Json, name: string, where: string, fail: Fail, emptyAllowed = false): string {
  const value = json[name]
  if (typeof value !== 'string' || (!emptyAllowed && value === '')) throw fail(`${where}.${name}`, `must be a ${emptyAllowed ? '' : 'non-empty '}string`)
  return value
}

function unknownFields(json: Json, known: readonly string[], where: string, fail: Fail): void {
  const unknown = Object.keys(json).find((field) => !known.includes(field))
  if (unknown !== undefined) throw fail(where, `has an unknown field "${unknown}" (known: ${known.join(', ')})`)
}

function isObject(value: unknown): value is Json {
  return typeof value === 'object' && value !== null && !Array.isArray(value)
}
