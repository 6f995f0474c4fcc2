/**
 * The byte format of WAL segments (README-storage.md, "Format", is the specification; keep the two in step).
 *
 * A segment is a sequence of frames. One frame is exactly one write(2) followed by one fdatasync, so a crash can
 * tear at most the last frame of the last segment:
 *
 *   frame  = bodyBytes u32 | bodyCrc32 u32 | headerCrc32 u32 (of the 8 bytes before it) | body
 *   body   = record+
 *   record = kind u8 | payloadBytes u32 | payload
 *
 * Integers are little-endian; 64-bit values (indexes, terms) are little-endian u64 (written as the low u32,
 * then the high u32, since JavaScript numbers are exact only below 2^53).
 */
import type { Entry, EntryType, HardState } from '@clustron/raft'
import { crc32 } from './crc32.js'
import { assert } from './errors.js'

export const FRAME_HEADER_BYTES = 12
export const RECORD_HEADER_BYTES = 5
/** 'CLWL' read as a little-endian u32: the first payload bytes of every segment. */
export const SEGMENT_MAGIC = 0x4c574c43
export const WAL_FORMAT_VERSION = 1

export const RecordKind = { segmentHeader: 1, entry: 2, hardState: 3, logReset: 4 } as const

const SEGMENT_HEADER_PAYLOAD_BYTES = 16
const ENTRY_FIXED_PAYLOAD_BYTES = 17
const HARD_STATE_FIXED_PAYLOAD_BYTES = 18
const LOG_RESET_PAYLOAD_BYTES = 16
const VOTE_BYTES_MAX = 0xffff
const TWO_TO_THE_32 = 0x1_0000_0000

const entryTypeCodes: Record<EntryType, number> = { normal: 1, confChange: 2 }
const entryTypesByCode: ReadonlyMap<number, EntryType> = new Map([[1, 'normal'], [2, 'confChange']])

/** A decoded record. `logReset` is written when a snapshot replaces a log that does not contain it. */
export type WalRecord =
  | { kind: 'segmentHeader'; version: number; firstIndex: number }
  | { kind: 'entry'; entry: Entry }
  | { kind: 'hardState'; hardState: HardState }
  | { kind: 'logReset'; index: number; term: number }

/**
 * Encodes records into one frame. The first FRAME_HEADER_BYTES are reserved and filled by `seal()`.
 * Tracks what the frame changes so the writer can keep per-segment bookkeeping without decoding.
 */
export class FrameBuilder {
  private bytes: Buffer
  private length = FRAME_HEADER_BYTES
  /** Index of the first entry record in the frame, if any (names a segment that starts with this frame). */
  firstEntryIndex: number | undefined = undefined
  /** Highest entry index in the frame (0 when it has none). */
  maxEntryIndex = 0
  /** The last hard state in the frame: what a new segment's preamble must repeat once the frame is written. */
  lastHardState: HardState | undefined = undefined
  /** The log's last index after this frame's records, when they change it (undefined for hard states only). */
  logLastIndex: number | undefined = undefined

  constructor(initialBytes = 4096) {
    this.bytes = Buffer.allocUnsafe(Math.max(initialBytes, FRAME_HEADER_BYTES + 64))
  }

  get frameBytes(): number {
    return this.length
  }

  get bodyBytes(): number {
    return this.length - FRAME_HEADER_BYTES
  }

  isEmpty(): boolean {
    return this.length === FRAME_HEADER_BYTES
  }

  addSegmentHeader(firstIndex: number): void {
    const at = this.beginRecord(RecordKind.segmentHeader, SEGMENT_HEADER_PAYLOAD_BYTES)
    this.bytes.writeUInt32LE(SEGMENT_MAGIC, at)
    this.bytes.writeUInt16LE(WAL_FORMAT_VERSION, at + 4)
    this.bytes.writeUInt16LE(0, at + 6)
    this.writeUint64(firstIndex, at + 8)
  }

  addEntry(entry: Entry): void {
    const at = this.beginRecord(RecordKind.entry, ENTRY_FIXED_PAYLOAD_BYTES + entry.data.byteLength)
    this.writeUint64(entry.index, at)
    this.writeUint64(entry.term, at + 8)
    this.bytes[at + 16] = entryTypeCodes[entry.type]
    this.bytes.set(entry.data, at + ENTRY_FIXED_PAYLOAD_BYTES)
    this.firstEntryIndex ??= entry.index
    if (entry.index > this.maxEntryIndex) this.maxEntryIndex = entry.index
    // Appends are in log order and an overwrite makes its entry the last one, so the latest entry is the last.
    this.logLastIndex = entry.index
  }

  addHardState(hardState: HardState): void {
    const vote = hardState.vote === undefined ? undefined : Buffer.from(hardState.vote, 'utf8')
    const voteBytes = vote?.byteLength ?? 0
    assert(voteBytes <= VOTE_BYTES_MAX, () => `hard state vote is ${voteBytes} bytes; at most ${VOTE_BYTES_MAX}`)
    const at = this.beginRecord(RecordKind.hardState, HARD_STATE_FIXED_PAYLOAD_BYTES + voteBytes)
    this.writeUint64(hardState.term, at)
    this.writeUint64(hardState.commit, at + 8)
    this.bytes.writeUInt16LE(voteBytes, at + 16)
    if (vote !== undefined) this.bytes.set(vote, at + HARD_STATE_FIXED_PAYLOAD_BYTES)
    this.lastHardState = { ...hardState }
  }

  addLogReset(index: number, term: number): void {
    const at = this.beginRecord(RecordKind.logReset, LOG_RESET_PAYLOAD_BYTES)
    this.writeUint64(index, at)
    this.writeUint64(term, at + 8)
    this.logLastIndex = index
  }

  /** Appends the records of `other` (a segment preamble is built first, then the batch is copied after it). */
  appendRecordsOf(other: FrameBuilder): void {
    const body = other.bytes.subarray(FRAME_HEADER_BYTES, other.length)
    this.ensureCapacity(body.length)
    this.bytes.set(body, this.length)
    this.length += body.length
    this.firstEntryIndex ??= other.firstEntryIndex
    this.maxEntryIndex = Math.max(this.maxEntryIndex, other.maxEntryIndex)
    if (other.lastHardState !== undefined) this.lastHardState = other.lastHardState
    if (other.logLastIndex !== undefined) this.logLastIndex = other.logLastIndex
  }

  /** Fills in the frame header and returns the frame's bytes (a view: do not add records afterwards). */
  seal(): Buffer {
    assert(!this.isEmpty(), 'an empty frame is never written')
    const body = this.bytes.subarray(FRAME_HEADER_BYTES, this.length)
    this.bytes.writeUInt32LE(body.length, 0)
    this.bytes.writeUInt32LE(crc32(body), 4)
    this.bytes.writeUInt32LE(crc32(this.bytes.subarray(0, 8)), 8)
    return this.bytes.subarray(0, this.length)
  }

  private beginRecord(kind: number, payloadBytes: number): number {
    this.ensureCapacity(RECORD_HEADER_BYTES + payloadBytes)
    const at = this.length
    this.bytes[at] = kind
    this.bytes.writeUInt32LE(payloadBytes, at + 1)
    this.length += RECORD_HEADER_BYTES + payloadBytes
    return at + RECORD_HEADER_BYTES
  }

  private writeUint64(value: number, at: number): void {
    assert(Number.isSafeInteger(value) && value >= 0, () => `${value} is not a non-negative safe integer`)
    this.bytes.writeUInt32LE(value % TWO_TO_THE_32, at)
    this.bytes.writeUInt32LE(Math.floor(value / TWO_TO_THE_32), at + 4)
  }

  private ensureCapacity(extraBytes: number): void {
    const needed = this.length + extraBytes
    if (needed <= this.bytes.length) return
    const grown = Buffer.allocUnsafe(Math.max(needed, this.bytes.length * 2))
    this.bytes.copy(grown, 0, 0, this.length)
    this.bytes = grown
  }
}

/** The header fields of a frame, or why the 12 bytes are not a valid header. */
export type FrameHeader = { ok: true; bodyBytes: number; bodyCrc: number } | { ok: false; reason: string }

export function parseFrameHeader(header: Uint8Array): FrameHeader {
  const view = Buffer.from(header.buffer, header.byteOffset, FRAME_HEADER_BYTES)
  if (crc32(view.subarray(0, 8)) !== view.readUInt32LE(8)) return { ok: false, reason: 'frame header checksum mismatch' }
  const bodyBytes = view.readUInt32LE(0)
  if (bodyBytes < RECORD_HEADER_BYTES) return { ok: false, reason: `frame body of ${bodyBytes} bytes cannot hold a record` }
  return { ok: true, bodyBytes, bodyCrc: view.readUInt32LE(4) }
}

/** A record inside a checksummed frame is not what this version writes: a bug or a format change, never a torn write. */
export class MalformedRecordError extends Error {
  override readonly name = 'MalformedRecordError'
  constructor(readonly offsetInBodyBytes: number, reason: string) {
    super(reason)
  }
}

/**
 * Decodes every record of a frame body whose checksum was verified. The body is copied once, and entry data are
 * views into that copy: `body` may be a view into a reused read buffer, and one allocation per frame instead of
 * one per entry keeps recovery fast. `visit` gets each record with its offset inside the body.
 */
export function decodeFrameBody(body: Uint8Array, visit: (record: WalRecord, offsetInBodyBytes: number) => void): void {
  const owned = Buffer.allocUnsafeSlow(body.byteLength)
  owned.set(body)
  let offset = 0
  while (offset < owned.length) {
    if (owned.length - offset < RECORD_HEADER_BYTES) throw new MalformedRecordError(offset, 'truncated record header')
    const kind = owned[offset]!
    const payloadBytes = owned.readUInt32LE(offset + 1)
    const payloadStart = offset + RECORD_HEADER_BYTES
    if (payloadBytes > owned.length - payloadStart) {
      throw new MalformedRecordError(offset, `record payload of ${payloadBytes} bytes runs past the end of its frame`)
    }
    visit(decodeRecord(kind, owned, payloadStart, payloadBytes, offset), offset)
    offset = payloadStart + payloadBytes
  }
}

/** Decodes the record whose payload is bytes[start, start + length); `offset` locates it for errors. */
function decodeRecord(kind: number, bytes: Buffer, start: number, length: number, offset: number): WalRecord {
  switch (kind) {
    case RecordKind.entry: {
      checkPayloadBytes(kind, length, ENTRY_FIXED_PAYLOAD_BYTES, false, offset)
      const type = entryTypesByCode.get(bytes[start + 16]!)
      if (type === undefined) throw new MalformedRecordError(offset, `unknown entry type ${bytes[start + 16]}`)
      const dataStart = start + ENTRY_FIXED_PAYLOAD_BYTES
      const data = new Uint8Array(bytes.buffer, bytes.byteOffset + dataStart, length - ENTRY_FIXED_PAYLOAD_BYTES)
      return { kind: 'entry', entry: { index: readUint64(bytes, start, offset), term: readUint64(bytes, start + 8, offset), type, data } }
    }
    case RecordKind.hardState: {
      checkPayloadBytes(kind, length, HARD_STATE_FIXED_PAYLOAD_BYTES, false, offset)
      const voteBytes = bytes.readUInt16LE(start + 16)
      if (length !== HARD_STATE_FIXED_PAYLOAD_BYTES + voteBytes) {
        throw new MalformedRecordError(offset, 'hard state vote length does not match its record')
      }
      const voteStart = start + HARD_STATE_FIXED_PAYLOAD_BYTES
      const vote = voteBytes === 0 ? undefined : bytes.toString('utf8', voteStart, voteStart + voteBytes)
      return { kind: 'hardState', hardState: { term: readUint64(bytes, start, offset), vote, commit: readUint64(bytes, start + 8, offset) } }
    }
    case RecordKind.segmentHeader: {
      checkPayloadBytes(kind, length, SEGMENT_HEADER_PAYLOAD_BYTES, true, offset)
      if (bytes.readUInt32LE(start) !== SEGMENT_MAGIC) throw new MalformedRecordError(offset, 'bad segment magic')
      return { kind: 'segmentHeader', version: bytes.readUInt16LE(start + 4), firstIndex: readUint64(bytes, start + 8, offset) }
    }
    case RecordKind.logReset: {
      checkPayloadBytes(kind, length, LOG_RESET_PAYLOAD_BYTES, true, offset)
      return { kind: 'logReset', index: readUint64(bytes, start, offset), term: readUint64(bytes, start + 8, offset) }
    }
    default:
      throw new MalformedRecordError(offset, `unknown record kind ${kind}`)
  }
}

function checkPayloadBytes(kind: number, length: number, minimum: number, exact: boolean, offset: number): void {
  if (exact ? length !== minimum : length < minimum) {
    throw new MalformedRecordError(offset, `record of kind ${kind} has a payload of ${length} bytes`)
  }
}

function readUint64(bytes: Buffer, at: number, recordOffset: number): number {
  const value = bytes.readUInt32LE(at) + bytes.readUInt32LE(at + 4) * TWO_TO_THE_32
  if (!Number.isSafeInteger(value)) throw new MalformedRecordError(recordOffset, `integer ${value} is beyond 2^53`)
  return value
}
