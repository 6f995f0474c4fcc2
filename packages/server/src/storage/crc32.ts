import * as zlib from 'node:zlib'

/**
 * CRC-32 (IEEE 802.3, the polynomial of zlib, gzip and PNG) of `data`, continuing from `previous` so that
 * `crc32(b, crc32(a)) === crc32(a ++ b)`. Uses `zlib.crc32` (native, Node >= 20.15) and falls back to a table
 * when it is missing, because the package supports every Node 20.
 */
export const crc32: (data: Uint8Array, previous?: number) => number = chooseImplementation()

function chooseImplementation(): (data: Uint8Array, previous?: number) => number {
  // The types declare zlib.crc32 unconditionally; at run time it is absent before Node 20.15.
  const native = (zlib as { crc32?: (data: Uint8Array, value?: number) => number }).crc32
  if (typeof native === 'function') return (data, previous = 0) => native(data, previous)
  return crc32Portable
}

const table = buildTable()

function buildTable(): Uint32Array {
  const result = new Uint32Array(256)
  for (let byte = 0; byte < 256; byte++) {
    let value = byte
    for (let bit = 0; bit < 8; bit++) value = value & 1 ? 0xedb88320 ^ (value >>> 1) : value >>> 1
    result[byte] = value >>> 0
  }
  return result
}

/** The table-driven CRC-32, exported so tests can check it against the native one. */
export function crc32Portable(data: Uint8Array, previous = 0): number {
  let crc = ~previous >>> 0
  for (let position = 0; position < data.length; position++) {
    crc = table[(crc ^ data[position]!) & 0xff]! ^ (crc >>> 8)
  }
  return ~crc >>> 0
}
