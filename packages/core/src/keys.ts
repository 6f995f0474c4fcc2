import { InvalidArgumentError, TooLargeError } from './errors.js'

/**
 * Keys are non-empty, well-formed UTF-8 strings and sort by their UTF-8 bytes (spec §2).
 * JavaScript compares strings by UTF-16 code units, which orders U+E000..U+FFFF before the
 * surrogate pairs of U+10000 and above, the opposite of UTF-8; {@link compareKeys} corrects that.
 */

/** Number of bytes of `text` in UTF-8, without encoding it. Lone surrogates count as U+FFFD (3 bytes). */
export function utf8ByteLength(text: string): number {
  let bytes = text.length
  for (let i = 0; i < text.length; i++) {
    const code = text.charCodeAt(i)
    if (code < 0x80) continue
    if (code < 0x800) bytes += 1
    else if (code >= 0xd800 && code <= 0xdbff && i + 1 < text.length) {
      const low = text.charCodeAt(i + 1)
      if (low >= 0xdc00 && low <= 0xdfff) {
        bytes += 2 // 4 bytes for two code units
        i++
      } else bytes += 2
    } else bytes += 2
  }
  return bytes
}

/** Whether `text` has no unpaired surrogate (so it has an exact UTF-8 form). */
export function isWellFormed(text: string): boolean {
  for (let i = 0; i < text.length; i++) {
    const code = text.charCodeAt(i)
    if (code < 0xd800 || code > 0xdfff) continue
    if (code > 0xdbff) return false
    const low = text.charCodeAt(i + 1)
    if (!(low >= 0xdc00 && low <= 0xdfff)) return false
    i++
  }
  return true
}

/** Maps a UTF-16 code unit to a rank that orders like UTF-8 bytes. */
function utf8Rank(code: number): number {
  if (code < 0xd800) return code
  if (code >= 0xe000) return code - 0x800 // BMP above the surrogates sorts before supplementary planes
  return code + 0x2000 // surrogates (supplementary planes) sort last
}

/** Total order of keys by their UTF-8 bytes. */
export function compareKeys(a: string, b: string): number {
  if (a === b) return 0
  const length = Math.min(a.length, b.length)
  for (let i = 0; i < length; i++) {
    const x = a.charCodeAt(i)
    const y = b.charCodeAt(i)
    if (x !== y) return x < 0xd800 && y < 0xd800 ? x - y : utf8Rank(x) - utf8Rank(y)
  }
  return a.length - b.length
}

/** Validates a key; returns it. `what` names the argument in the error ('key', 'prefix', ...). */
export function checkKey(key: unknown, keyBytesMax: number, what = 'key'): string {
  if (typeof key !== 'string') {
    throw new InvalidArgumentError(`${what} must be a string, got ${describeType(key)}`)
  }
  if (key.length === 0) throw new InvalidArgumentError(`${what} must not be empty`)
  // A string of n UTF-16 units has at most 3n UTF-8 bytes: skip counting for short keys.
  if (key.length * 3 > keyBytesMax) {
    const bytes = utf8ByteLength(key)
    if (bytes > keyBytesMax) {
      throw new TooLargeError(`${what} is ${bytes} bytes; the limit is ${keyBytesMax} bytes of UTF-8`, {
        details: { limit: keyBytesMax, size: bytes },
      })
    }
  }
  if (!isWellFormed(key)) throw new InvalidArgumentError(`${what} contains an unpaired UTF-16 surrogate`)
  return key
}

/** Validates a prefix: like a key, but may be empty (the whole store). */
export function checkPrefix(prefix: unknown, keyBytesMax: number): string {
  if (prefix === '') return ''
  return checkKey(prefix, keyBytesMax, 'prefix')
}

export function describeType(value: unknown): string {
  if (value === null) return 'null'
  if (Array.isArray(value)) return 'array'
  if (value instanceof Uint8Array) return 'Uint8Array'
  return typeof value
}

/**
 * The least key above every key that starts with `prefix` (in UTF-8 order), or undefined when there
 * is none short of the end of the keyspace. Keys with a prefix form one contiguous run, [prefix, end).
 */
export function prefixEnd(prefix: string): string | undefined {
  if (prefix.length === 0) return undefined
  const last = prefix.charCodeAt(prefix.length - 1)
  // Incrementing the last unit keeps UTF-8 order below U+D7FF and within low surrogates; elsewhere
  // the increment could cross the surrogate ranks, so callers take the slow path (stop on mismatch).
  if (last < 0xd7ff || (last >= 0xdc00 && last < 0xdfff)) return prefix.slice(0, -1) + String.fromCharCode(last + 1)
  return undefined
}
