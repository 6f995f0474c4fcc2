import { Packr } from 'msgpackr'
import { InvalidArgumentError, TooLargeError } from './errors.js'

/**
 * The value codec shared by both modes (spec §1): values are stored and shipped as msgpack bytes,
 * so what a reader gets back is always a copy with the same types: string, number, boolean, null,
 * arrays, plain objects, Uint8Array, Date, bigint (int64/uint64). Records/structures are off: the
 * bytes must decode the same on any node and in any client without shared state.
 */
const packr = new Packr({
  useRecords: false,
  mapsAsObjects: true,
  int64AsType: 'bigint',
  // Decoded Uint8Arrays must be copies: a view would let a reader mutate the stored bytes.
  copyBuffers: true,
  moreTypes: false,
})

export type ValueBytes = Uint8Array

/** Encodes a value; throws INVALID_ARGUMENT for unsupported values, TOO_LARGE beyond `valueBytesMax`. */
export function encodeValue(value: unknown, valueBytesMax: number): ValueBytes {
  if (typeof value === 'function' || typeof value === 'symbol') {
    throw new InvalidArgumentError(`a value cannot be a ${typeof value}`)
  }
  let bytes: Uint8Array
  try {
    bytes = packr.pack(value)
  } catch (error) {
    throw new InvalidArgumentError(`value cannot be encoded: ${(error as Error).message}`, { cause: error })
  }
  if (bytes.length > valueBytesMax) {
    throw new TooLargeError(`value is ${bytes.length} bytes encoded; the limit is ${valueBytesMax} bytes`, {
      details: { limit: valueBytesMax, size: bytes.length },
    })
  }
  return bytes
}

export function decodeValue<T = unknown>(bytes: Uint8Array): T {
  return packr.unpack(bytes) as T
}

/** Decodes the value stored at `[start, end)` of `source` without creating a view. */
export function decodeValueAt<T = unknown>(source: Uint8Array, start: number, end: number): T {
  return packr.unpack(source, { start, end }) as T
}

/** Encodes plain data (snapshots, messages). No size limit here: callers bound their inputs. */
export function encodeData(data: unknown): Uint8Array {
  return packr.pack(data)
}

export function decodeData<T = unknown>(bytes: Uint8Array): T {
  return packr.unpack(bytes) as T
}

export function bytesEqual(a: Uint8Array, b: Uint8Array): boolean {
  if (a === b) return true
  if (a.length !== b.length) return false
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false
  return true
}

export function compareBytes(a: Uint8Array, b: Uint8Array): number {
  const length = Math.min(a.length, b.length)
  for (let i = 0; i < length; i++) {
    const x = a[i]!
    const y = b[i]!
    if (x !== y) return x - y
  }
  return a.length - b.length
}
