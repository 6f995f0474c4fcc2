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
  // Binary fields decode as views of the source; decodeValueAt detaches them (see below).
  copyBuffers: false,
  moreTypes: false,
  // A function nested in a value would otherwise be encoded as undefined, silently dropping data
  // (encodeValue's own check sees only a top-level function). Thrown errors become INVALID_ARGUMENT.
  writeFunction: () => {
    throw new InvalidArgumentError('a value cannot contain a function')
  },
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

/** Decodes a value into a fresh copy: nothing in it shares memory with `bytes`. */
export function decodeValue<T = unknown>(bytes: Uint8Array): T {
  return decodeValueAt<T>(bytes, 0, bytes.length)
}

/**
 * Decodes the value stored at `[start, end)` of `source` (e.g. an arena chunk) without a view of
 * the range. Binary fields come out of msgpackr as views of `source`; they are copied into a
 * pooled slab, because `Uint8Array.prototype.slice` allocates an ArrayBuffer per call (the single
 * largest cost of a read in profiles). A value whose bytes hold no bin marker is returned as is.
 */
export function decodeValueAt<T = unknown>(source: Uint8Array, start: number, end: number): T {
  const value = packr.unpack(source, { start, end }) as T
  return mayHoldBinary(source, start, end) ? (detach(value, source.buffer) as T) : value
}

/** msgpack's bin8/16/32 markers are 0xc4..0xc6: with none of these bytes, no field is binary. */
function mayHoldBinary(source: Uint8Array, start: number, end: number): boolean {
  if (end - start <= 256) {
    for (let index = start; index < end; index++) {
      const byte = source[index]!
      if (byte >= 0xc4 && byte <= 0xc6) return true
    }
    return false
  }
  // Bounded to the value: an unbounded indexOf would scan the rest of an arena chunk.
  const range = source.subarray(start, end)
  return range.indexOf(0xc4) >= 0 || range.indexOf(0xc5) >= 0 || range.indexOf(0xc6) >= 0
}

function detach(value: unknown, shared: ArrayBufferLike): unknown {
  if (typeof value !== 'object' || value === null) return value
  if (value instanceof Uint8Array) return value.buffer === shared ? pooledCopy(value) : value
  if (Array.isArray(value)) {
    for (let index = 0; index < value.length; index++) value[index] = detach(value[index], shared)
    return value
  }
  if (value instanceof Date) return value
  const record = value as Record<string, unknown>
  for (const key of Object.keys(record)) record[key] = detach(record[key], shared)
  return value
}

const slabBytes = 64 * 1024
let slab = new Uint8Array(slabBytes)
let slabUsed = 0

/** A copy of `view` in a shared slab (like Node's Buffer pool): one memcpy, no ArrayBuffer per call. */
export function pooledCopy(view: Uint8Array): Uint8Array {
  const length = view.length
  // `new Uint8Array(view)`, not `view.slice()`: msgpackr decodes the bins of a Node Buffer (what
  // encodeValue returns) as Buffers, whose slice() is a view, so a large "copy" aliased its source.
  if (length > slabBytes / 8) return new Uint8Array(view)
  if (slabUsed + length > slabBytes) {
    slab = new Uint8Array(slabBytes)
    slabUsed = 0
  }
  slab.set(view, slabUsed)
  const copy = slab.subarray(slabUsed, slabUsed + length)
  slabUsed = (slabUsed + length + 7) & ~7
  return copy
}

/** Encodes plain data (snapshots, messages). No size limit here: callers bound their inputs. */
export function encodeData(data: unknown): Uint8Array {
  return packr.pack(data)
}

/** The encoder of large documents (snapshots): it writes into a buffer allocated up front. */
const sizedPackr = new Packr({ useRecords: false, mapsAsObjects: true, int64AsType: 'bigint', copyBuffers: false, moreTypes: false })
/**
 * msgpackr's own byte array class (a Node Buffer, whose utf8Write it calls, or a Uint8Array in a
 * browser): a target handed to useBuffer must be of it.
 */
const byteArrayClass = encodeData(0).constructor as typeof Uint8Array & { allocUnsafeSlow?(size: number): Uint8Array }

/**
 * Encodes plain data of about `bytesEstimate` bytes (a snapshot). msgpackr grows its output buffer by
 * 1.25× at a time past 64 MiB, copying it each time: packing a 400 MB snapshot copied it ~10 times and
 * blocked the loop for 2-5 s. Writing into a buffer of about the final size copies nothing (5× faster).
 * An underestimate only costs a regrowth; the result is a view of that buffer (or a copy, when it used
 * less than half of it).
 */
export function encodeDataSized(data: unknown, bytesEstimate: number): Uint8Array {
  const size = Math.max(1024, Math.ceil(bytesEstimate))
  sizedPackr.useBuffer(byteArrayClass.allocUnsafeSlow?.(size) ?? new Uint8Array(size))
  try {
    const bytes = sizedPackr.pack(data)
    // A gross overestimate would keep its unused tail alive as long as the snapshot: copy to size.
    return bytes.length < size / 2 ? byteArrayClass.from(bytes) : bytes
  } finally {
    // Do not keep the (large) buffer alive, and never write into the returned view again.
    sizedPackr.useBuffer(byteArrayClass.allocUnsafeSlow?.(1024) ?? new Uint8Array(1024))
  }
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
