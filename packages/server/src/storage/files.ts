import { mkdir, open, type FileHandle } from 'node:fs/promises'
import { dirname } from 'node:path'

export type SyncMode = 'fsync' | 'none'

/**
 * Makes the directory's entries (files created, renamed or removed in it) durable. Without this, a crash can
 * forget a new segment or a renamed snapshot even though the file's own data was fsynced.
 */
export async function fsyncDirectory(path: string, syncMode: SyncMode): Promise<void> {
  if (syncMode === 'none') return
  const handle = await open(path, 'r')
  try {
    await handle.sync()
  } finally {
    await handle.close()
  }
}

/** Creates `path` (and missing parents); when it was created, makes its entry in the parent durable. */
export async function ensureDirectory(path: string, syncMode: SyncMode): Promise<void> {
  const firstCreated = await mkdir(path, { recursive: true })
  if (firstCreated === undefined) return
  // Every directory from the first one created down to `path` is new: fsync each parent so the chain survives.
  let directory = path
  while (directory !== dirname(firstCreated)) {
    await fsyncDirectory(dirname(directory), syncMode)
    directory = dirname(directory)
  }
}

/** Writes all of `bytes` at `position`, looping over short writes (possible when the disk fills up). */
export async function writeFully(handle: FileHandle, bytes: Uint8Array, position: number): Promise<void> {
  let written = 0
  while (written < bytes.length) {
    const { bytesWritten } = await handle.write(bytes, written, bytes.length - written, position + written)
    if (bytesWritten === 0) throw new Error(`write returned 0 bytes at position ${position + written}`)
    written += bytesWritten
  }
}

/** Default size of the read-ahead window: recovery reads segments in pieces of this size, never whole. */
export const READ_WINDOW_BYTES = 1024 * 1024

/**
 * Sequential reads of one file through a window of READ_WINDOW_BYTES (grown only for a frame larger than it),
 * so recovery holds at most one window of a segment in memory however large the segment is.
 */
export class BufferedFileReader {
  private buffer: Buffer
  private windowStart = 0
  private windowBytes = 0

  constructor(
    private readonly handle: FileHandle,
    readonly fileBytes: number,
    windowBytes = READ_WINDOW_BYTES,
  ) {
    this.buffer = Buffer.allocUnsafe(windowBytes)
  }

  /**
   * Bytes [position, position + length) of the file, or undefined when they run past its end. The result is a
   * view into the window: valid only until the next call.
   */
  async read(position: number, length: number): Promise<Buffer | undefined> {
    if (position + length > this.fileBytes) return undefined
    if (position >= this.windowStart && position + length <= this.windowStart + this.windowBytes) {
      return this.buffer.subarray(position - this.windowStart, position - this.windowStart + length)
    }
    if (length > this.buffer.length) this.buffer = Buffer.allocUnsafe(length)
    const wanted = Math.min(this.buffer.length, this.fileBytes - position)
    let filled = 0
    while (filled < wanted) {
      const { bytesRead } = await this.handle.read(this.buffer, filled, wanted - filled, position + filled)
      if (bytesRead === 0) break
      filled += bytesRead
    }
    this.windowStart = position
    this.windowBytes = filled
    if (filled < length) throw new Error(`file shrank while being read: ${filled} of ${length} bytes at ${position}`)
    return this.buffer.subarray(0, length)
  }
}
