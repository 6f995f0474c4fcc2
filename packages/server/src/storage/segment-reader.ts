import { open } from 'node:fs/promises'
import { crc32 } from './crc32.js'
import { ReplicaStorageCorruptError } from './errors.js'
import { BufferedFileReader, READ_WINDOW_BYTES } from './files.js'
import { decodeFrameBody, FRAME_HEADER_BYTES, MalformedRecordError, parseFrameHeader, RECORD_HEADER_BYTES, type WalRecord } from './wal-format.js'

/** What reading a segment found: where its valid frames end, and the torn tail after them, if any. */
export interface SegmentScan {
  fileBytes: number
  /** End of the last valid frame: the size the file must be truncated to when `torn` is set. */
  validBytes: number
  torn: { offsetBytes: number; reason: string } | undefined
}

type FrameRead = { ok: true; body: Buffer; endBytes: number } | { ok: false; reason: string }

/**
 * Streams the frames of one segment through a bounded window and hands every record to `visit` with its
 * byte offset in the file. A bad frame is a torn write only in the last segment and only when no valid frame
 * follows it anywhere in the file: frames are written one at a time, each fdatasynced before the next is
 * written, so only the last frame can be partially on disk after a crash, and a valid frame after a bad one
 * proves the bad one had been synced (and then damaged). Anything else throws ReplicaStorageCorruptError.
 */
export async function readSegment(
  path: string,
  isLast: boolean,
  visit: (record: WalRecord, offsetBytes: number) => void,
): Promise<SegmentScan> {
  const handle = await open(path, 'r')
  try {
    const fileBytes = (await handle.stat()).size
    const reader = new BufferedFileReader(handle, fileBytes)
    let offset = 0
    while (offset < fileBytes) {
      const frame = await readFrame(reader, offset)
      if (frame.ok) {
        decodeFrame(path, offset, frame.body, visit)
        offset = frame.endBytes
        continue
      }
      if (!isLast) throw new ReplicaStorageCorruptError(path, offset, `${frame.reason} in a segment that is not the last one`)
      const validAfter = await findValidFrame(reader, offset + 1)
      if (validAfter !== undefined) {
        throw new ReplicaStorageCorruptError(path, offset, `${frame.reason}, but a valid frame follows at byte ${validAfter}, so this is not a torn write`)
      }
      return { fileBytes, validBytes: offset, torn: { offsetBytes: offset, reason: frame.reason } }
    }
    return { fileBytes, validBytes: fileBytes, torn: undefined }
  } finally {
    await handle.close()
  }
}

function decodeFrame(path: string, frameOffset: number, body: Buffer, visit: (record: WalRecord, offsetBytes: number) => void): void {
  const bodyOffset = frameOffset + FRAME_HEADER_BYTES
  try {
    decodeFrameBody(body, (record, offsetInBody) => visit(record, bodyOffset + offsetInBody))
  } catch (error) {
    if (!(error instanceof MalformedRecordError)) throw error
    // The frame's checksum matched, so these bytes are what was written: a format this build does not read.
    throw new ReplicaStorageCorruptError(path, bodyOffset + error.offsetInBodyBytes, `malformed record: ${error.message}`, { cause: error })
  }
}

async function readFrame(reader: BufferedFileReader, offset: number): Promise<FrameRead> {
  const headerBytes = await reader.read(offset, FRAME_HEADER_BYTES)
  if (headerBytes === undefined) {
    return { ok: false, reason: `incomplete frame header (${reader.fileBytes - offset} bytes before the end of the file)` }
  }
  const header = parseFrameHeader(headerBytes)
  if (!header.ok) return header
  const body = await reader.read(offset + FRAME_HEADER_BYTES, header.bodyBytes)
  if (body === undefined) return { ok: false, reason: `frame of ${header.bodyBytes} bytes runs past the end of the file` }
  if (crc32(body) !== header.bodyCrc) return { ok: false, reason: 'frame checksum mismatch' }
  return { ok: true, body, endBytes: offset + FRAME_HEADER_BYTES + header.bodyBytes }
}

/**
 * The offset of the first valid frame (header and body checksums match) starting at or after `from`, or
 * undefined. Runs only after a bad frame was found, to tell a torn tail from damage in the middle. Scans a
 * window at a time; most positions are rejected by the length bound before any checksum is computed.
 */
async function findValidFrame(reader: BufferedFileReader, from: number): Promise<number | undefined> {
  const fileBytes = reader.fileBytes
  let position = from
  while (position + FRAME_HEADER_BYTES <= fileBytes) {
    const windowBytes = Math.min(READ_WINDOW_BYTES, fileBytes - position)
    const window = await reader.read(position, windowBytes)
    if (window === undefined) return undefined
    const candidate = findPlausibleHeader(window, position, fileBytes)
    if (candidate === undefined) {
      position += windowBytes - FRAME_HEADER_BYTES + 1
      continue
    }
    const frame = await readFrame(reader, candidate)
    if (frame.ok) return candidate
    position = candidate + 1
  }
  return undefined
}

/** First offset in `window` (at file offset `windowStart`) whose 12 bytes are a checksummed header that fits the file. */
function findPlausibleHeader(window: Buffer, windowStart: number, fileBytes: number): number | undefined {
  for (let at = 0; at + FRAME_HEADER_BYTES <= window.length; at++) {
    const bodyBytes = window.readUInt32LE(at)
    if (bodyBytes < RECORD_HEADER_BYTES || bodyBytes > fileBytes - (windowStart + at) - FRAME_HEADER_BYTES) continue
    if (crc32(window.subarray(at, at + 8)) === window.readUInt32LE(at + 8)) return windowStart + at
  }
  return undefined
}
