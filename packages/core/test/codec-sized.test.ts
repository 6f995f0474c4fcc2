import { describe, expect, it } from 'vitest'
import { bytesEqual, encodeData, encodeDataSized } from '../src/codec.js'

describe('encodeDataSized (snapshots)', () => {
  const document = {
    format: 1,
    keys: Array.from({ length: 300 }, (_, index) => [`key/${index}/${'é'.repeat(index % 70)}`, new Uint8Array(index * 7).fill(index % 251), index, 1, 2, null, 0]),
    history: [[5, [['put', 'k', null, 1, 5, null, null]]]],
  }
  const expected = encodeData(document)

  it.each([0, 10, expected.length - 1, expected.length, 3 * expected.length])('writes the bytes encodeData writes with an estimate of %i bytes', (estimate) => {
    const bytes = encodeDataSized(document, estimate)
    expect(bytesEqual(bytes, expected)).toBe(true)
    // The same byte array class as encodeData's (msgpackr decodes a Buffer's bins as Buffers).
    expect(bytes.constructor).toBe(expected.constructor)
  })

  it('returns bytes that later encodings do not overwrite', () => {
    const first = encodeDataSized({ a: new Uint8Array(5000).fill(1) }, 6000)
    const copy = Uint8Array.from(first)
    encodeDataSized({ b: new Uint8Array(5000).fill(2) }, 6000)
    encodeData({ c: new Uint8Array(5000).fill(3) })
    expect(bytesEqual(first, copy)).toBe(true)
  })
})
