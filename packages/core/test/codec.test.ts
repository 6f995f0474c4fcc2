import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { bytesEqual, compareBytes, decodeData, decodeValue, decodeValueAt, encodeData, encodeValue, pooledCopy } from '../src/codec.js'
import { ClustronError } from '../src/errors.js'

const limit = 1024 * 1024

function roundTrip<T>(value: T): T {
  return decodeValue<T>(encodeValue(value, limit))
}

function codeOf(action: () => unknown): string {
  try {
    action()
  } catch (error) {
    if (error instanceof ClustronError) return error.code
    throw error
  }
  return 'no error'
}

/** Values of spec §1's types, nested; numbers exclude -0 (msgpack has no negative integer zero). */
const value: fc.Arbitrary<unknown> = fc.letrec<{ value: unknown }>((tie) => ({
  value: fc.oneof(
    { depthSize: 'small', withCrossShrink: true },
    fc.string({ unit: 'binary' }),
    fc.double({ noDefaultInfinity: false }).filter((number) => !Object.is(number, -0)),
    fc.integer(),
    fc.constantFrom(2 ** 53, -(2 ** 53), Number.MAX_SAFE_INTEGER, 2 ** 32, 2 ** 63),
    fc.bigInt({ min: -(2n ** 63n), max: 2n ** 64n - 1n }),
    fc.boolean(),
    fc.constant(null),
    fc.uint8Array({ maxLength: 40 }),
    fc.date({ noInvalidDate: true }),
    fc.array(tie('value'), { maxLength: 4 }),
    fc.dictionary(
      fc.string().filter((key) => key !== '__proto__'),
      tie('value'),
      { maxKeys: 4 },
    ),
  ),
})).value

/** Deep equality that also checks every leaf keeps its type (bigint vs number, Uint8Array, Date). */
function sameTyped(actual: unknown, expected: unknown, path = '$'): void {
  if (expected instanceof Uint8Array) {
    expect(actual, path).toBeInstanceOf(Uint8Array)
    expect([...(actual as Uint8Array)], path).toEqual([...expected])
    return
  }
  if (expected instanceof Date) {
    expect(actual, path).toBeInstanceOf(Date)
    expect((actual as Date).getTime(), path).toBe(expected.getTime())
    return
  }
  if (Array.isArray(expected)) {
    expect(Array.isArray(actual), path).toBe(true)
    expect((actual as unknown[]).length, path).toBe(expected.length)
    expected.forEach((item, index) => sameTyped((actual as unknown[])[index], item, `${path}[${index}]`))
    return
  }
  if (typeof expected === 'object' && expected !== null) {
    expect(Object.getPrototypeOf(actual), path).toBe(Object.prototype)
    expect(Object.keys(actual as object).sort(), path).toEqual(Object.keys(expected).sort())
    for (const [key, item] of Object.entries(expected)) sameTyped((actual as Record<string, unknown>)[key], item, `${path}.${key}`)
    return
  }
  expect(typeof actual, path).toBe(typeof expected)
  expect(actual, path).toBe(expected)
}

describe('value codec (spec §1)', () => {
  it('round-trips every value type with the same types, as a copy', () => {
    fc.assert(
      fc.property(value, (original) => {
        const decoded = roundTrip(original)
        sameTyped(decoded, original)
        if (typeof original === 'object' && original !== null) expect(decoded).not.toBe(original)
      }),
      { numRuns: 1000 },
    )
  })

  it('keeps integers up to 2^53 as numbers and bigints as bigints across int64/uint64 (small ones too)', () => {
    for (const number of [0, 1, -1, 2 ** 31, 2 ** 32, Number.MAX_SAFE_INTEGER, 2 ** 53, -(2 ** 53), 2 ** 53 + 2]) {
      const decoded = roundTrip(number)
      expect(typeof decoded, String(number)).toBe('number')
      expect(decoded).toBe(number)
    }
    for (const big of [0n, 5n, -5n, 2n ** 53n, 2n ** 63n - 1n, -(2n ** 63n), 2n ** 63n, 2n ** 64n - 1n]) {
      const decoded = roundTrip(big)
      expect(typeof decoded, `${big}n`).toBe('bigint')
      expect(decoded).toBe(big)
    }
    expect(roundTrip({ n: 7n, list: [1n, 2] })).toEqual({ n: 7n, list: [1n, 2] })
  })

  it('decodes a Uint8Array as a copy: mutating it changes neither the encoded bytes nor a later decode', () => {
    for (const size of [0, 3, 100, 8 * 1024 + 1, 20_000, 100_000]) {
      const original = new Uint8Array(size).map((_, index) => index & 0xff)
      const encoded = encodeValue({ bytes: original, nested: [original] }, limit)
      const snapshot = Uint8Array.from(encoded)
      const first = decodeValue<{ bytes: Uint8Array; nested: Uint8Array[] }>(encoded)
      first.bytes.fill(0xee)
      first.nested[0]!.fill(0xdd)
      expect(bytesEqual(encoded, snapshot), `encoded bytes of a ${size}-byte array changed`).toBe(true)
      const second = decodeValue<{ bytes: Uint8Array; nested: Uint8Array[] }>(encoded)
      expect([...second.bytes], `size ${size}`).toEqual([...original])
      expect([...second.nested[0]!], `size ${size}`).toEqual([...original])
      // Also when decoding from a plain Uint8Array (an arena chunk) rather than a Buffer.
      const fromPlain = decodeValueAt<{ bytes: Uint8Array }>(snapshot, 0, snapshot.length)
      fromPlain.bytes.fill(1)
      expect(decodeValue<{ bytes: Uint8Array }>(snapshot).bytes[1]).toBe(size > 1 ? 1 : undefined)
    }
  })

  it('decodes from a range of a larger buffer (decodeValueAt) without seeing its neighbours', () => {
    const first = encodeValue('first', limit)
    const second = encodeValue({ b: new Uint8Array([9, 8, 7]) }, limit)
    const chunk = new Uint8Array(first.length + second.length + 4)
    chunk.set(first, 2)
    chunk.set(second, 2 + first.length)
    expect(decodeValueAt(chunk, 2, 2 + first.length)).toBe('first')
    const decoded = decodeValueAt<{ b: Uint8Array }>(chunk, 2 + first.length, 2 + first.length + second.length)
    expect([...decoded.b]).toEqual([9, 8, 7])
    decoded.b[0] = 0
    expect(chunk[chunk.length - 5]).toBe(9)
  })

  it('rejects values beyond the limit with TOO_LARGE (limit and size in details)', () => {
    expect(encodeValue('x'.repeat(10), 11).length).toBe(11)
    try {
      encodeValue('x'.repeat(10), 10)
      expect.unreachable()
    } catch (error) {
      expect(error).toBeInstanceOf(ClustronError)
      expect((error as ClustronError).code).toBe('TOO_LARGE')
      expect((error as ClustronError).details).toEqual({ limit: 10, size: 11 })
    }
    expect(codeOf(() => encodeValue(new Uint8Array(limit), limit))).toBe('TOO_LARGE')
  })

  it('rejects functions and symbols, at the top and nested, with INVALID_ARGUMENT', () => {
    const fn = () => 1
    for (const bad of [fn, Symbol('s'), { f: fn }, [1, fn], { deep: { list: [Math.max] } }, { s: Symbol('t') }, [Symbol('u')]]) {
      expect(codeOf(() => encodeValue(bad, limit)), String(typeof bad)).toBe('INVALID_ARGUMENT')
    }
    expect(codeOf(() => encodeValue(2n ** 64n, limit))).toBe('INVALID_ARGUMENT')
    // The codec is still sound after a rejected value.
    expect(roundTrip({ ok: [1, 'two'] })).toEqual({ ok: [1, 'two'] })
  })

  it('pooledCopy copies (small and large, from a Buffer too); bytesEqual and compareBytes order bytes', () => {
    for (const source of [new Uint8Array([1, 2, 3]), Buffer.from(new Uint8Array(20_000).fill(4))]) {
      const copy = pooledCopy(source)
      copy[0] = 99
      expect(source[0]).not.toBe(99)
      expect(copy.length).toBe(source.length)
    }
    expect(bytesEqual(new Uint8Array([1, 2]), new Uint8Array([1, 2]))).toBe(true)
    expect(bytesEqual(new Uint8Array([1, 2]), new Uint8Array([1, 3]))).toBe(false)
    expect(bytesEqual(new Uint8Array([1]), new Uint8Array([1, 0]))).toBe(false)
    expect(compareBytes(new Uint8Array([1, 2]), new Uint8Array([1, 3]))).toBeLessThan(0)
    expect(compareBytes(new Uint8Array([2]), new Uint8Array([1, 9]))).toBeGreaterThan(0)
    expect(compareBytes(new Uint8Array([1]), new Uint8Array([1, 0]))).toBeLessThan(0)
    expect(compareBytes(new Uint8Array([1, 0]), new Uint8Array([1, 0]))).toBe(0)
  })

  it('encodes plain data deterministically (snapshots rely on it)', () => {
    const data = { format: 1, rows: [['a', new Uint8Array([1, 2]), 1, null]], n: 2 ** 40 }
    expect(bytesEqual(encodeData(data), encodeData(structuredClone(data)))).toBe(true)
    const decoded = decodeData<typeof data>(encodeData(data))
    expect(decoded.n).toBe(2 ** 40)
    expect(decoded.rows[0]![0]).toBe('a')
    expect([...(decoded.rows[0]![1] as Uint8Array)]).toEqual([1, 2])
  })
})
