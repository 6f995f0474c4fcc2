import fc from 'fast-check'

/**
 * String generators that hit the UTF-8 vs UTF-16 order traps: the edges of each UTF-8 length
 * class, the code units just below the surrogates (U+D7FF), the private-use and high BMP range
 * (U+E000..U+FFFF, which UTF-16 orders before astral characters but UTF-8 after), and astral
 * characters (surrogate pairs), mixed with arbitrary code points.
 */
export const edgeCharacters = [
  '\u0000',
  'a',
  'b',
  '/',
  '\u007f',
  '\u0080',
  '\u00e9',
  '\u07ff',
  '\u0800',
  '\ud7fe',
  '\ud7ff',
  '\ue000',
  '\ue001',
  '\ufffe',
  '\uffff',
  '\ud800\udc00',
  '\ud800\udfff',
  '\ud83d\ude00',
  '\ud83d\ude01',
  '\udbff\udffe',
  '\udbff\udfff',
]

/** One character (a code point, never a lone surrogate). */
export const character: fc.Arbitrary<string> = fc.oneof(
  { weight: 3, arbitrary: fc.constantFrom(...edgeCharacters) },
  { weight: 1, arbitrary: fc.string({ unit: 'binary', minLength: 1, maxLength: 1 }) },
)

/** A well-formed string (a possible key when non-empty). */
export function wellFormed(constraints: { minLength?: number; maxLength?: number } = {}): fc.Arbitrary<string> {
  return fc.string({ unit: character, minLength: constraints.minLength ?? 0, maxLength: constraints.maxLength ?? 6 })
}

const encoder = new TextEncoder()
const encoded = new Map<string, Uint8Array>()

function utf8(text: string): Uint8Array {
  let bytes = encoded.get(text)
  if (bytes === undefined) {
    if (encoded.size > 200_000) encoded.clear()
    bytes = encoder.encode(text)
    encoded.set(text, bytes)
  }
  return bytes
}

/** The spec's order, computed from the bytes: the oracle for compareKeys. */
export function compareUtf8Bytes(a: string, b: string): number {
  const x = utf8(a)
  const y = utf8(b)
  for (let index = 0; index < Math.min(x.length, y.length); index++) if (x[index] !== y[index]) return x[index]! - y[index]!
  return x.length - y.length
}
