/**
 * Helpers shared by the Clustron models: a canonical encoding of stored values (for equality and
 * state hashes), key ordering, and small step-result constructors.
 */
import type { StepResult } from '../history.js'

/**
 * An injective string encoding of the value types Clustron stores (string, number, boolean, null,
 * arrays, plain objects, Uint8Array, Date, bigint). Object keys are sorted, so two values that
 * round-trip through msgpack to equal data encode equally regardless of key order.
 */
export function canonicalValue(value: unknown): string {
  if (value === undefined) return 'u'
  if (value === null) return 'n'
  switch (typeof value) {
    case 'boolean':
      return value ? 'T' : 'F'
    case 'number':
      return `d${Object.is(value, -0) ? '-0' : String(value)}`
    case 'bigint':
      return `i${value}`
    case 'string':
      return JSON.stringify(value)
    case 'object':
      return canonicalObject(value)
    default:
      // Functions and symbols never survive the codec; encode them by type so they still compare.
      return `?${typeof value}`
  }
}

function canonicalObject(value: object): string {
  if (value instanceof Uint8Array) {
    return `x${Array.from(value, (byte) => byte.toString(16).padStart(2, '0')).join('')}`
  }
  if (value instanceof Date) return `t${value.getTime()}`
  if (Array.isArray(value)) return `[${value.map((item: unknown) => canonicalValue(item)).join(',')}]`
  const fields = Object.entries(value)
    .sort(([left], [right]) => (left < right ? -1 : left > right ? 1 : 0))
    .map(([name, fieldValue]) => `${JSON.stringify(name)}:${canonicalValue(fieldValue)}`)
  return `{${fields.join(',')}}`
}

export function valuesEqual(left: unknown, right: unknown): boolean {
  return canonicalValue(left) === canonicalValue(right)
}

/**
 * Orders keys by their UTF-8 bytes, as Clustron lists them. UTF-8 byte order equals code point
 * order, which differs from JavaScript's UTF-16 `<` for characters above U+FFFF versus U+E000–U+FFFF.
 */
export function compareKeys(left: string, right: string): number {
  const leftPoints = left[Symbol.iterator]()
  const rightPoints = right[Symbol.iterator]()
  for (;;) {
    const leftNext = leftPoints.next()
    const rightNext = rightPoints.next()
    if (leftNext.done === true || rightNext.done === true) {
      return (leftNext.done === true ? 0 : 1) - (rightNext.done === true ? 0 : 1)
    }
    const difference = (leftNext.value.codePointAt(0) ?? 0) - (rightNext.value.codePointAt(0) ?? 0)
    if (difference !== 0) return difference
  }
}

export function accept<S>(state: S): StepResult<S> {
  return { ok: true, state }
}

export function reject<S>(state: S): StepResult<S> {
  return { ok: false, state }
}

/** Partitions operations by a key derived from their input, keeping first-seen order. */
export function partitionBy<T>(operations: readonly T[], keyOf: (operation: T) => string): T[][] {
  const parts = new Map<string, T[]>()
  for (const operation of operations) {
    const key = keyOf(operation)
    const part = parts.get(key)
    if (part === undefined) parts.set(key, [operation])
    else part.push(operation)
  }
  return [...parts.values()]
}
