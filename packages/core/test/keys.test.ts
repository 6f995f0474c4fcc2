import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { ClustronError } from '../src/errors.js'
import { checkKey, checkPrefix, compareKeys, isWellFormed, prefixEnd, utf8ByteLength } from '../src/keys.js'
import { compareUtf8Bytes, edgeCharacters, wellFormed } from './support/strings.js'

const encoder = new TextEncoder()

describe('compareKeys', () => {
  it('orders like the UTF-8 bytes (TextEncoder) for random strings with astral and high-BMP characters', () => {
    fc.assert(
      fc.property(wellFormed(), wellFormed(), (a, b) => {
        expect(Math.sign(compareKeys(a, b))).toBe(Math.sign(compareUtf8Bytes(a, b)))
      }),
      { numRuns: 5000 },
    )
  })

  it('orders strings sharing a long prefix like their bytes', () => {
    fc.assert(
      fc.property(wellFormed({ maxLength: 4 }), wellFormed(), wellFormed(), (prefix, a, b) => {
        expect(Math.sign(compareKeys(prefix + a, prefix + b))).toBe(Math.sign(compareUtf8Bytes(prefix + a, prefix + b)))
      }),
      { numRuns: 2000 },
    )
  })

  it('sorts every pair of edge characters like their bytes (U+E000..U+FFFF before astral)', () => {
    for (const a of edgeCharacters) {
      for (const b of edgeCharacters) expect(Math.sign(compareKeys(a, b)), `${escape(a)} vs ${escape(b)}`).toBe(Math.sign(compareUtf8Bytes(a, b)))
    }
    // The case JavaScript's own string order gets wrong.
    expect('\uffff' < '\ud83d\ude00').toBe(false)
    expect(compareKeys('\uffff', '\ud83d\ude00')).toBeLessThan(0)
  })

  it('is a total order: 0 only for equal strings, antisymmetric', () => {
    fc.assert(
      fc.property(wellFormed(), wellFormed(), (a, b) => {
        expect(compareKeys(a, b) === 0).toBe(a === b)
        expect(Math.sign(compareKeys(a, b)) + Math.sign(compareKeys(b, a))).toBe(0)
      }),
    )
  })
})

describe('utf8ByteLength', () => {
  it('equals the TextEncoder length, lone surrogates counting as U+FFFD', () => {
    const withLoneSurrogates = fc.string({ unit: fc.oneof(fc.constantFrom('\ud800', '\udfff', '\udc00', 'x'), fc.string({ unit: 'binary', minLength: 1, maxLength: 1 })) })
    fc.assert(
      fc.property(fc.oneof(wellFormed({ maxLength: 12 }), withLoneSurrogates), (text) => {
        expect(utf8ByteLength(text)).toBe(encoder.encode(text).length)
      }),
      { numRuns: 3000 },
    )
  })
})

describe('isWellFormed', () => {
  it('rejects exactly the strings with an unpaired surrogate', () => {
    for (const text of ['\ud800', '\udc00', 'a\ud800', '\ud800a', '\udc00\ud800', 'x\udfff']) expect(isWellFormed(text), escape(text)).toBe(false)
    for (const text of ['', 'abc', '\ud800\udc00', '\ud83d\ude00x', '\uffff']) expect(isWellFormed(text), escape(text)).toBe(true)
    fc.assert(
      fc.property(wellFormed(), (text) => {
        expect(isWellFormed(text)).toBe(true)
      }),
    )
  })
})

describe('prefixEnd', () => {
  /** A key and a prefix where the key often extends the prefix, and sometimes diverges from it. */
  const pair = fc
    .tuple(wellFormed({ minLength: 1, maxLength: 4 }), wellFormed({ maxLength: 3 }), fc.boolean(), wellFormed({ minLength: 1, maxLength: 4 }))
    .map(([prefix, suffix, extend, other]) => ({ prefix, key: extend ? prefix + suffix : other }))

  it('bounds exactly the keys with the prefix: p <= k < end iff k starts with p', () => {
    fc.assert(
      fc.property(pair, ({ prefix, key }) => {
        const end = prefixEnd(prefix)
        const starts = key.startsWith(prefix)
        if (end !== undefined) {
          const inside = compareUtf8Bytes(key, prefix) >= 0 && compareUtf8Bytes(key, end) < 0
          expect(inside, `${escape(key)} in [${escape(prefix)}, ${escape(end)})`).toBe(starts)
        } else if (starts) {
          expect(compareUtf8Bytes(key, prefix)).toBeGreaterThanOrEqual(0)
        }
      }),
      { numRuns: 5000 },
    )
  })

  it('gives a finite end for common prefixes and none where the last unit has no UTF-8 successor by increment', () => {
    expect(prefixEnd('a/')).toBe('a0')
    expect(prefixEnd('\ud83d\ude00')).toBe('\ud83d\ude01')
    expect(prefixEnd('')).toBeUndefined()
    expect(prefixEnd('a\uffff')).toBeUndefined()
    expect(prefixEnd('a\ue000')).toBeUndefined()
    expect(prefixEnd('a\ud7ff')).toBeUndefined()
    expect(prefixEnd('\udbff\udfff')).toBeUndefined()
  })

  it('with no finite end, every key that starts with the prefix sorts after every smaller non-prefixed key (one contiguous run)', () => {
    fc.assert(
      fc.property(fc.constantFrom('\uffff', 'a\ue000', '\ud7ff', '\udbff\udfff'), wellFormed(), wellFormed({ minLength: 1 }), (prefix, suffix, other) => {
        const key = prefix + suffix
        if (!other.startsWith(prefix) && compareUtf8Bytes(other, prefix) > 0) expect(compareUtf8Bytes(other, key)).toBeGreaterThan(0)
      }),
      { numRuns: 2000 },
    )
  })
})

describe('checkKey / checkPrefix', () => {
  it('accepts non-empty well-formed keys up to the byte limit and rejects the rest with typed errors', () => {
    expect(checkKey('a', 4)).toBe('a')
    expect(checkKey('\ud83d\ude00', 4)).toBe('\ud83d\ude00')
    expect(codeOf(() => checkKey('\ud83d\ude00x', 4))).toBe('TOO_LARGE')
    expect(codeOf(() => checkKey('\u00e9\u00e9\u00e9', 5))).toBe('TOO_LARGE')
    expect(codeOf(() => checkKey('', 4))).toBe('INVALID_ARGUMENT')
    expect(codeOf(() => checkKey('\ud800', 4))).toBe('INVALID_ARGUMENT')
    expect(codeOf(() => checkKey(5, 4))).toBe('INVALID_ARGUMENT')
    expect(codeOf(() => checkKey(null, 4))).toBe('INVALID_ARGUMENT')
    expect(checkPrefix('', 4)).toBe('')
    expect(codeOf(() => checkPrefix('abcde', 4))).toBe('TOO_LARGE')
  })

  it('measures the limit in UTF-8 bytes for any key', () => {
    fc.assert(
      fc.property(wellFormed({ minLength: 1, maxLength: 8 }), fc.integer({ min: 1, max: 24 }), (key, limit) => {
        const bytes = encoder.encode(key).length
        if (bytes <= limit) expect(checkKey(key, limit)).toBe(key)
        else expect(codeOf(() => checkKey(key, limit))).toBe('TOO_LARGE')
      }),
      { numRuns: 2000 },
    )
  })
})

function codeOf(action: () => unknown): string {
  try {
    action()
  } catch (error) {
    if (error instanceof ClustronError) return error.code
    throw error
  }
  return 'no error'
}

function escape(text: string): string {
  return [...text].map((character) => `U+${character.codePointAt(0)!.toString(16).toUpperCase().padStart(4, '0')}`).join(' ')
}
