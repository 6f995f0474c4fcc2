import { encodeValue } from '../../src/codec.js'

/**
 * Literals of the script language. Values are JSON, plus `12n` (bigint), `@u8(0a0b)` (Uint8Array),
 * `@date(ms)` (Date), `@repeat(text,count)` (a long string) and `@raw(c1)` (raw bytes handed to
 * the machine without encoding, to feed it bytes no client would produce). Keys are bare words,
 * JSON strings ("\ue000") or `@repeat(text,count)`.
 */

/** Bytes given as is, not msgpack-encoded. */
export class RawBytes {
  constructor(readonly bytes: Uint8Array) {}
}

export function fromHex(text: string): Uint8Array {
  if (!/^([0-9a-f]{2})*$/i.test(text)) throw new Error(`bad hex '${text}'`)
  const bytes = new Uint8Array(text.length / 2)
  for (let index = 0; index < bytes.length; index++) bytes[index] = Number.parseInt(text.slice(2 * index, 2 * index + 2), 16)
  return bytes
}

function repeat(text: string): string | undefined {
  const match = /^@repeat\((.*),(\d+)\)$/s.exec(text)
  return match === null ? undefined : match[1]!.repeat(Number(match[2]))
}

export function parseLiteral(text: string): unknown {
  const repeated = repeat(text)
  if (repeated !== undefined) return repeated
  let match = /^@u8\(([0-9a-f]*)\)$/i.exec(text)
  if (match !== null) return fromHex(match[1]!)
  match = /^@raw\(([0-9a-f]*)\)$/i.exec(text)
  if (match !== null) return new RawBytes(fromHex(match[1]!))
  match = /^@date\((-?\d+)\)$/.exec(text)
  if (match !== null) return new Date(Number(match[1]))
  if (/^-?\d+n$/.test(text)) return BigInt(text.slice(0, -1))
  try {
    return JSON.parse(text) as unknown
  } catch {
    throw new Error(`'${text}' is not a value literal (JSON, 12n, @u8(..), @date(..), @repeat(..), @raw(..))`)
  }
}

/** A value literal as the bytes a command carries (the codec's limit is left to the machine). */
export function valueBytes(text: string): Uint8Array {
  return toBytes(parseLiteral(text))
}

export function toBytes(value: unknown): Uint8Array {
  return value instanceof RawBytes ? value.bytes : encodeValue(value, Number.MAX_SAFE_INTEGER)
}

export function parseKey(text: string): string {
  const repeated = repeat(text)
  if (repeated !== undefined) return repeated
  if (text.startsWith('"')) {
    const parsed: unknown = JSON.parse(text)
    if (typeof parsed !== 'string') throw new Error(`key ${text} is not a string`)
    return parsed
  }
  return text
}

/** `key=value` where key may be a JSON string holding '='. */
export function splitAssignment(text: string): [string, string] {
  if (text.startsWith('"')) {
    for (let end = text.indexOf('"', 1); end > 0; end = text.indexOf('"', end + 1)) {
      if (text[end - 1] === '\\' || text[end + 1] !== '=') continue
      return [parseKey(text.slice(0, end + 1)), text.slice(end + 2)]
    }
    throw new Error(`'${text}' is not "key"=value`)
  }
  const equals = text.indexOf('=')
  if (equals <= 0) throw new Error(`'${text}' is not key=value`)
  return [parseKey(text.slice(0, equals)), text.slice(equals + 1)]
}
