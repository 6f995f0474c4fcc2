import { readFile, rename, stat, writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { afterEach, describe, expect, it } from 'vitest'
import { crc32 } from '../../src/storage/crc32.js'
import { CORRUPTION_ADVICE, openReplicaStorage, ReplicaStorageCorruptError } from '../../src/storage/index.js'
import { FrameBuilder } from '../../src/storage/wal-format.js'
import { hardState, makeEntries, makeEntry, openWithNotes, segmentFiles, TemporaryDirectories } from './support.js'

const directories = new TemporaryDirectories()
afterEach(() => directories.cleanup())

/** Start offsets of the frames in a segment's bytes (frame = bodyBytes u32, crc u32, crc u32, body). */
function frameOffsets(bytes: Buffer): number[] {
  const offsets: number[] = []
  for (let offset = 0; offset < bytes.length; offset += 12 + bytes.readUInt32LE(offset)) offsets.push(offset)
  return offsets
}

/** Writes three syncs of entries (1-4, 5-8, 9-12) with a hard state each into one segment; returns its path. */
async function threeFrames(directory: string): Promise<string> {
  const storage = openReplicaStorage(directory, { syncMode: 'none' })
  await storage.open()
  for (let batch = 0; batch < 3; batch++) {
    storage.append(makeEntries(batch * 4 + 1, 4, 1), hardState(1, batch * 4 + 2))
    await storage.sync()
  }
  await storage.close()
  const files = await segmentFiles(directory)
  expect(files).toHaveLength(1)
  return files[0]!.path
}

async function expectCorrupt(directory: string, file: string, offsetBytes: number, reason: RegExp): Promise<void> {
  const storage = openReplicaStorage(directory)
  const error = await storage.open().then(() => undefined, (caught: unknown) => caught)
  expect(error).toBeInstanceOf(ReplicaStorageCorruptError)
  const corrupt = error as ReplicaStorageCorruptError
  expect({ file: corrupt.file, offsetBytes: corrupt.offsetBytes }).toEqual({ file, offsetBytes })
  expect(corrupt.reason).toMatch(reason)
  expect(corrupt.code).toBe('STORAGE_CORRUPT')
  expect(corrupt.message).toContain(`${file} at byte ${offsetBytes}`)
  expect(corrupt.message).toContain(CORRUPTION_ADVICE)
  // A storage that failed to open is closed.
  await expect(storage.sync()).rejects.toThrow(/closed/)
}

async function reopenAndClose(directory: string): Promise<Awaited<ReturnType<typeof openWithNotes>>> {
  const opened = await openWithNotes(directory)
  await opened.storage.close()
  return opened
}

describe('torn tail', () => {
  it('truncates the last frame cut at every byte offset, keeping the frames before it', async () => {
    const directory = await directories.create()
    const path = await threeFrames(directory)
    const full = await readFile(path)
    const lastFrame = frameOffsets(full)[2]!
    for (let cut = lastFrame; cut < full.length; cut++) {
      await writeFile(path, full.subarray(0, cut))
      const { state, notes } = await reopenAndClose(directory)
      expect(state.entries).toEqual(makeEntries(1, 8, 1))
      expect(state.hardState).toEqual(hardState(1, 6))
      expect((await stat(path)).size).toBe(lastFrame)
      if (cut === lastFrame) expect(notes).toEqual([])
      else expect(notes).toEqual([expect.objectContaining({ kind: 'tornTailTruncated', file: path, offsetBytes: lastFrame })])
    }
  })

  it('treats zeros after the last frame (size extended, data never written) as a torn tail', async () => {
    const directory = await directories.create()
    const path = await threeFrames(directory)
    const full = await readFile(path)
    await writeFile(path, Buffer.concat([full, Buffer.alloc(5000)]))
    const { state, notes } = await reopenAndClose(directory)
    expect(state.entries).toEqual(makeEntries(1, 12, 1))
    expect(notes.map((note) => note.kind)).toEqual(['tornTailTruncated'])
    expect((await stat(path)).size).toBe(full.length)
  })

  it('treats a last frame with a page lost in its middle as torn: nothing valid follows it', async () => {
    const directory = await directories.create()
    const path = await threeFrames(directory)
    const full = await readFile(path)
    const lastFrame = frameOffsets(full)[2]!
    const damaged = Buffer.from(full)
    damaged.fill(0, lastFrame + 40, lastFrame + 80)
    await writeFile(path, damaged)
    const { state } = await reopenAndClose(directory)
    expect(state.entries).toEqual(makeEntries(1, 8, 1))
  })

  it('removes a new segment whose first frame was torn, at every cut, and recovers from the previous one', async () => {
    const directory = await directories.create()
    const storage = openReplicaStorage(directory, { segmentBytesMax: 300, syncMode: 'none' })
    await storage.open()
    storage.append(makeEntries(1, 4, 1), hardState(1, 3))
    await storage.sync()
    storage.append(makeEntries(5, 4, 1), hardState(1, 7))
    await storage.sync()
    await storage.close()
    const files = await segmentFiles(directory)
    expect(files).toHaveLength(2)
    const full = await readFile(files[1]!.path)
    for (let cut = 0; cut < full.length; cut += 3) {
      await writeFile(files[1]!.path, full.subarray(0, cut))
      const { state, notes } = await reopenAndClose(directory)
      expect(state.entries).toEqual(makeEntries(1, 4, 1))
      expect(state.hardState).toEqual(hardState(1, 3))
      expect(notes.map((note) => note.kind)).toEqual(['emptySegmentRemoved'])
      expect((await segmentFiles(directory)).map((file) => file.name)).toEqual([files[0]!.name])
    }
  })

  it('appends after a truncated tail and recovers both', async () => {
    const directory = await directories.create()
    const path = await threeFrames(directory)
    const full = await readFile(path)
    await writeFile(path, full.subarray(0, full.length - 5))
    const { storage } = await openWithNotes(directory)
    storage.append(makeEntries(9, 2, 2), hardState(2, 9))
    await storage.close()
    const { state } = await reopenAndClose(directory)
    expect(state.entries).toEqual([...makeEntries(1, 8, 1), ...makeEntries(9, 2, 2)])
    expect(state.hardState).toEqual(hardState(2, 9))
  })
})

describe('corruption before the tail', () => {
  it('refuses a flipped byte in a middle frame, naming the file and the frame offset', async () => {
    const directory = await directories.create()
    const path = await threeFrames(directory)
    const full = await readFile(path)
    const middle = frameOffsets(full)[1]!
    for (const flipAt of [middle + 2, middle + 9, middle + 30, frameOffsets(full)[2]! - 1]) {
      const damaged = Buffer.from(full)
      damaged[flipAt] = damaged[flipAt]! ^ 0x40
      await writeFile(path, damaged)
      await expectCorrupt(directory, path, middle, /a valid frame follows/)
    }
  })

  it('refuses damage in a segment that is not the last one, even in its last frame', async () => {
    const directory = await directories.create()
    const storage = openReplicaStorage(directory, { segmentBytesMax: 300, syncMode: 'none' })
    await storage.open()
    for (let batch = 0; batch < 3; batch++) {
      storage.append(makeEntries(batch * 4 + 1, 4, 1), undefined)
      await storage.sync()
    }
    await storage.close()
    const files = await segmentFiles(directory)
    expect(files.length).toBeGreaterThanOrEqual(2)
    const first = await readFile(files[0]!.path)
    const lastFrame = frameOffsets(first).at(-1)!
    const damaged = Buffer.from(first)
    damaged[damaged.length - 1] = damaged[damaged.length - 1]! ^ 1
    await writeFile(files[0]!.path, damaged)
    await expectCorrupt(directory, files[0]!.path, lastFrame, /not the last one/)
    await writeFile(files[0]!.path, first.subarray(0, first.length - 1))
    await expectCorrupt(directory, files[0]!.path, lastFrame, /runs past the end of the file.*not the last one/)
  })

  it('refuses records that are checksummed but not this format: unknown version, wrong name, gaps', async () => {
    const directory = await directories.create()
    await openWithNotes(directory).then(({ storage }) => storage.close())
    const path = join(directory, 'wal', '0000000000000001.wal')

    await writeFile(path, rawFrame(segmentHeaderRecord(2, 1)))
    await expectCorrupt(directory, path, 12, /unsupported WAL format version 2/)

    await writeFile(path, rawFrame(segmentHeaderRecord(1, 5)))
    await expectCorrupt(directory, path, 12, /first index 5, its file name says 1/)

    const gap = new FrameBuilder()
    gap.addSegmentHeader(1)
    gap.addEntry(makeEntry(1, 1))
    gap.addEntry(makeEntry(3, 1))
    await writeFile(path, gap.seal())
    await expectCorrupt(directory, path, 12 + 21 + 46, /entry 3 leaves a gap after entry 1/)

    const noHeader = new FrameBuilder()
    noHeader.addEntry(makeEntry(1, 1))
    await writeFile(path, noHeader.seal())
    await expectCorrupt(directory, path, 12, /starts with a entry record/)

    await writeFile(path, rawFrame(Buffer.concat([segmentHeaderRecord(1, 1), Buffer.from([9, 0, 0, 0, 0])])))
    await expectCorrupt(directory, path, 12 + 21, /unknown record kind 9/)
  })

  it('refuses a hard state whose commit index is beyond the log (entries were lost)', async () => {
    const directory = await directories.create()
    await openWithNotes(directory).then(({ storage }) => storage.close())
    const path = join(directory, 'wal', '0000000000000001.wal')
    const frame = new FrameBuilder()
    frame.addSegmentHeader(1)
    frame.addEntry(makeEntry(1, 1))
    frame.addHardState(hardState(1, 4))
    await writeFile(path, frame.seal())
    await expectCorrupt(directory, path, 12 + 21 + 46, /entries up to 4 are committed, but the log ends at 1/)
  })

  it('refuses a log that starts after entry 1 without a snapshot (a snapshot file was lost)', async () => {
    const directory = await directories.create()
    const storage = openReplicaStorage(directory, { segmentBytesMax: 200, syncMode: 'none' })
    await storage.open()
    storage.append(makeEntries(1, 4, 1), undefined)
    await storage.sync()
    storage.append(makeEntries(5, 4, 1), undefined)
    await storage.close()
    const files = await segmentFiles(directory)
    await rename(files[0]!.path, join(directory, 'moved-away'))
    await expectCorrupt(directory, files[1]!.path, 12 + 21, /log starts after entry 4 but there is no snapshot: entries 1..4 are missing/)
  })
})

function rawFrame(body: Buffer): Buffer {
  const header = Buffer.alloc(12)
  header.writeUInt32LE(body.length, 0)
  header.writeUInt32LE(crc32(body), 4)
  header.writeUInt32LE(crc32(header.subarray(0, 8)), 8)
  return Buffer.concat([header, body])
}

function segmentHeaderRecord(version: number, firstIndex: number): Buffer {
  const record = Buffer.alloc(21)
  record[0] = 1
  record.writeUInt32LE(16, 1)
  record.writeUInt32LE(0x4c574c43, 5)
  record.writeUInt16LE(version, 9)
  record.writeUInt32LE(firstIndex, 13)
  return record
}

