import { Packr } from 'msgpackr'

/**
 * Framing: a frame is one binary WebSocket message holding a msgpack array of messages. Messages
 * are encoded one by one (so each one's size is known and an oversized one can be answered with
 * TOO_LARGE instead of breaking the frame) and joined under an array header without re-encoding.
 */

const packr = new Packr({
  // Plain maps only: records/structures would need state shared by both ends (not negotiated in v1).
  useRecords: false,
  mapsAsObjects: true,
  // Optional fields left undefined are omitted, as the schemas' exactOptional fields expect.
  skipValues: [undefined],
  // Bytes in a decoded message are views of the frame: no copy per value (the frame is not reused).
  copyBuffers: false,
  moreTypes: false,
} as ConstructorParameters<typeof Packr>[0])

/** A frame that is not a msgpack array (the connection is closed with `badFrame`). */
export class FrameError extends Error {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options)
    this.name = 'FrameError'
  }
}

/** Encodes one message (a plain object). */
export function encodeMessage(message: unknown): Uint8Array {
  return packr.pack(message)
}

/** Bytes of the array header of a frame of `count` messages. */
function headerBytes(count: number): number {
  return count < 16 ? 1 : count < 0x10000 ? 3 : 5
}

/** The size of a frame joining messages of these sizes. */
export function frameBytes(messageBytesTotal: number, count: number): number {
  return headerBytes(count) + messageBytesTotal
}

/** Joins encoded messages into one frame: a msgpack array header followed by the messages. */
export function joinFrame(messages: readonly Uint8Array[]): Uint8Array {
  const count = messages.length
  let total = 0
  for (const message of messages) total += message.length
  const header = headerBytes(count)
  const frame = new Uint8Array(header + total)
  if (header === 1) frame[0] = 0x90 | count
  else if (header === 3) {
    frame[0] = 0xdc
    frame[1] = count >>> 8
    frame[2] = count & 0xff
  } else {
    frame[0] = 0xdd
    new DataView(frame.buffer).setUint32(1, count)
  }
  let offset = header
  for (const message of messages) {
    frame.set(message, offset)
    offset += message.length
  }
  return frame
}

/**
 * Groups encoded messages into frames of at most `frameBytesMax` bytes, in order. A message that
 * alone exceeds the limit is a caller's bug (callers check each message's size first).
 */
export function packFrames(messages: readonly Uint8Array[], frameBytesMax: number): Uint8Array[] {
  const frames: Uint8Array[] = []
  let start = 0
  let bytes = 0
  for (let index = 0; index < messages.length; index++) {
    const size = messages[index]!.length
    const count = index - start
    if (count > 0 && frameBytes(bytes + size, count + 1) > frameBytesMax) {
      frames.push(joinFrame(messages.slice(start, index)))
      start = index
      bytes = 0
    }
    bytes += size
  }
  if (start < messages.length) frames.push(joinFrame(start === 0 ? messages : messages.slice(start)))
  return frames
}

/** The largest message that fits in a frame of `frameBytesMax` on its own. */
export function messageBytesMax(frameBytesMax: number): number {
  return frameBytesMax - headerBytes(1)
}

/** Decodes a frame into its messages (still unvalidated); throws FrameError when it is not a msgpack array. */
export function decodeFrame(frame: Uint8Array): unknown[] {
  let decoded: unknown
  try {
    decoded = packr.unpack(frame)
  } catch (error) {
    throw new FrameError(`frame is not valid msgpack: ${(error as Error).message}`, { cause: error })
  }
  if (!Array.isArray(decoded)) throw new FrameError(`frame must be a msgpack array of messages, got ${describe(decoded)}`)
  return decoded
}

function describe(value: unknown): string {
  if (value === null) return 'null'
  if (value instanceof Uint8Array) return 'bytes'
  return typeof value
}
