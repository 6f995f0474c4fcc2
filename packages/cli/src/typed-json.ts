import { UsageError } from './exit-codes.js'

/**
 * Values as JSON without losing what the store's codec keeps (spec §1: strings, numbers, booleans,
 * null, arrays, plain objects, Uint8Array, Date, bigint). What plain JSON cannot say is written as
 * a one-key object naming its type:
 *
 *   {"$bigint": "9007199254740993"}   {"$bytes": "<base64>"}   {"$date": "2025-01-01T00:00:00.000Z"}
 *   {"$number": "NaN" | "Infinity" | "-Infinity" | "-0"}     {"$undefined": true} (keys-only entries)
 *
 * A plain object that happens to have exactly one of these keys is wrapped as {"$object": {...}}, so
 * decoding is exact. `get --json` prints this form and `put`, `txn` and `snapshot` read it back.
 */
export type JsonValue = string | number | boolean | null | JsonValue[] | { [key: string]: JsonValue }

const tags = new Set(['$bigint', '$bytes', '$date', '$number', '$undefined', '$object'])

/** How deep values may nest before encoding gives up (a cycle cannot come from the store, but a bound is cheap). */
const depthMax = 1_000

export function toTypedJson(value: unknown, depth = 0): JsonValue {
  if (depth > depthMax) throw new Error(`value nests deeper than ${depthMax} levels`)
  if (value === null || typeof value === 'string' || typeof value === 'boolean') return value
  if (value === undefined) return { $undefined: true }
  if (typeof value === 'number') {
    if (Object.is(value, -0)) return { $number: '-0' }
    return Number.isFinite(value) ? value : { $number: String(value) }
  }
  if (typeof value === 'bigint') return { $bigint: value.toString() }
  if (value instanceof Uint8Array) return { $bytes: Buffer.from(value.buffer, value.byteOffset, value.byteLength).toString('base64') }
  if (value instanceof Date) return { $date: Number.isNaN(value.getTime()) ? 'Invalid Date' : value.toISOString() }
  if (Array.isArray(value)) return value.map((item) => toTypedJson(item, depth + 1))
  if (typeof value === 'object') {
    const out: Record<string, JsonValue> = {}
    for (const [key, item] of Object.entries(value)) out[key] = toTypedJson(item, depth + 1)
    const keys = Object.keys(out)
    return keys.length === 1 && tags.has(keys[0]!) ? { $object: out } : out
  }
  throw new Error(`a ${typeof value} cannot be stored or shown`)
}

export function fromTypedJson(json: unknown, depth = 0): unknown {
  if (depth > depthMax) throw new UsageError(`value nests deeper than ${depthMax} levels`)
  if (json === null || typeof json !== 'object') return json
  if (Array.isArray(json)) return json.map((item) => fromTypedJson(item, depth + 1))
  const keys = Object.keys(json)
  if (keys.length === 1 && tags.has(keys[0]!)) return fromTag(keys[0]!, (json as Record<string, unknown>)[keys[0]!], depth)
  const out: Record<string, unknown> = {}
  for (const key of keys) out[key] = fromTypedJson((json as Record<string, unknown>)[key], depth + 1)
  return out
}

function fromTag(tag: string, payload: unknown, depth: number): unknown {
  const bad = (expected: string) => new UsageError(`{"${tag}": ...} needs ${expected}, got ${JSON.stringify(payload)}`)
  switch (tag) {
    case '$bigint':
      if (typeof payload !== 'string' || !/^-?\d+$/.test(payload)) throw bad('a string of decimal digits')
      return BigInt(payload)
    case '$bytes':
      if (typeof payload !== 'string' || !/^[A-Za-z0-9+/]*={0,2}$/.test(payload)) throw bad('a base64 string')
      return new Uint8Array(Buffer.from(payload, 'base64'))
    case '$date': {
      if (typeof payload !== 'string') throw bad('an ISO date string')
      const date = new Date(payload)
      if (Number.isNaN(date.getTime()) && payload !== 'Invalid Date') throw bad('an ISO date string')
      return date
    }
    case '$number':
      if (payload === 'NaN') return Number.NaN
      if (payload === 'Infinity') return Number.POSITIVE_INFINITY
      if (payload === '-Infinity') return Number.NEGATIVE_INFINITY
      if (payload === '-0') return -0
      throw bad('"NaN", "Infinity", "-Infinity" or "-0"')
    case '$undefined':
      return undefined
    default: {
      // $object: a plain object whose only key would otherwise read as a tag.
      if (payload === null || typeof payload !== 'object' || Array.isArray(payload)) throw bad('an object')
      const out: Record<string, unknown> = {}
      for (const [key, item] of Object.entries(payload)) out[key] = fromTypedJson(item, depth + 1)
      return out
    }
  }
}

/**
 * A value typed on a command line: JSON when it parses as JSON (`42`, `true`, `{"a":1}`, `"quoted"`),
 * otherwise the text itself as a string (`hello world`).
 */
export function parseValueArgument(text: string): unknown {
  let parsed: unknown
  try {
    parsed = JSON.parse(text)
  } catch {
    return text
  }
  return fromTypedJson(parsed)
}

/** A value for people: strings as they are, everything else as (typed) JSON on one line. */
export function displayValue(value: unknown): string {
  return typeof value === 'string' ? value : JSON.stringify(toTypedJson(value))
}

/** JSON text of any value (entries, events, results) with the typed forms above. */
export function stringifyTyped(value: unknown, indent?: number): string {
  return JSON.stringify(toTypedJson(value), null, indent)
}
