import { readFile, writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { afterEach, describe, expect, it } from 'vitest'
import { openReplicaStorage, ReplicaStorageCorruptError, type ReplicaStorage } from '../../src/storage/index.js'
import { writeSnapshotFile } from '../../src/storage/snapshot-file.js'
import {
  hardState,
  makeEntries,
  makeSnapshot,
  openWithNotes,
  segmentFiles,
  snapshotFileNames,
  TemporaryDirectories,
} from './support.js'

const directories = new TemporaryDirectories()
afterEach(() => directories.cleanup())

/** Entries 1..count in batches of 4 (one sync each), term 1, into segments of about `segmentBytesMax`. */
async function writeLog(directory: string, count: number, segmentBytesMax = 400): Promise<ReplicaStorage> {
  const storage = openReplicaStorage(directory, { segmentBytesMax, syncMode: 'none' })
  await storage.open()
  for (let first = 1; first <= count; first += 4) {
    storage.append(makeEntries(first, Math.min(4, count - first + 1), 1), hardState(1, Math.min(first + 3, count)))
    await storage.sync()
  }
  return storage
}

async function reopen(directory: string): Promise<Awaited<ReturnType<typeof openWithNotes>>> {
  const opened = await openWithNotes(directory, { segmentBytesMax: 400, syncMode: 'none' })
  await opened.storage.close()
  return opened
}

describe('snapshots', () => {
  it('saves a snapshot and recovers it with the entries after it', async () => {
    const directory = await directories.create()
    const storage = await writeLog(directory, 10)
    const snapshot = makeSnapshot(6, 1, 5000)
    await storage.saveSnapshot(snapshot)
    await storage.close()
    expect(await snapshotFileNames(directory)).toEqual(['0000000000000006-0000000000000001.snap'])
    const { state, notes } = await reopen(directory)
    expect(notes).toEqual([])
    expect(state.snapshot).toEqual(snapshot)
    expect(state.entries).toEqual(makeEntries(7, 4, 1))
    expect(state.hardState).toEqual(hardState(1, 10))
  })

  it('a founding member saves the bootstrap snapshot at index 1 and its log starts at 2', async () => {
    const directory = await directories.create()
    const storage = openReplicaStorage(directory, { syncMode: 'none' })
    await storage.open()
    const bootstrap = { metadata: { index: 1, term: 1, confState: { voters: ['n1', 'n2', 'n3'], learners: [] } }, data: new Uint8Array(0) }
    await storage.saveSnapshot(bootstrap)
    storage.append(makeEntries(2, 3, 2), hardState(2, 3, 'n1'))
    await storage.close()
    const { state } = await reopen(directory)
    expect(state).toEqual({ snapshot: bootstrap, entries: makeEntries(2, 3, 2), hardState: hardState(2, 3, 'n1') })
  })

  it('keeps the newest two snapshot files', async () => {
    const directory = await directories.create()
    const storage = await writeLog(directory, 20)
    for (const index of [4, 8, 12, 16]) await storage.saveSnapshot(makeSnapshot(index, 1))
    await storage.close()
    expect(await snapshotFileNames(directory)).toEqual(['0000000000000012-0000000000000001.snap', '0000000000000016-0000000000000001.snap'])
  })

  it('removes temporary files left by a crash during a snapshot write', async () => {
    const directory = await directories.create()
    const storage = await writeLog(directory, 8)
    await storage.saveSnapshot(makeSnapshot(4, 1))
    await storage.close()
    const leftover = join(directory, 'snap', '0000000000000008-0000000000000001.snap.tmp')
    await writeFile(leftover, 'half a snapshot')
    const { state, notes } = await reopen(directory)
    expect(notes).toEqual([expect.objectContaining({ kind: 'temporaryFileRemoved', file: leftover })])
    expect(state.snapshot?.metadata.index).toBe(4)
    expect(await snapshotFileNames(directory)).toEqual(['0000000000000004-0000000000000001.snap'])
  })
})

describe('compaction', () => {
  it('deletes segments wholly covered by the snapshot and keeps later entries', async () => {
    const directory = await directories.create()
    const storage = await writeLog(directory, 40)
    const before = await segmentFiles(directory)
    expect(before.length).toBeGreaterThanOrEqual(6)
    await storage.saveSnapshot(makeSnapshot(25, 1))
    await storage.compact(25)
    const after = await segmentFiles(directory)
    expect(after.length).toBeLessThan(before.length)
    expect(storage.stats().segments).toBe(after.length)
    expect(storage.stats().segmentBytes).toBe(after.reduce((sum, file) => sum + file.sizeBytes, 0))
    // Every deleted segment held only entries <= 25; the first kept one holds entry 26 or an earlier one.
    expect(Number(after[0]!.name.slice(0, 16))).toBeLessThanOrEqual(26)
    expect(Number(after[1]!.name.slice(0, 16))).toBeGreaterThan(26)
    storage.append(makeEntries(41, 2, 1), undefined)
    await storage.close()
    const { state } = await reopen(directory)
    expect(state.snapshot?.metadata.index).toBe(25)
    expect(state.entries).toEqual(makeEntries(26, 17, 1))
    expect(state.hardState).toEqual(hardState(1, 40))
  })

  it('compacting below the snapshot keeps more entries on disk; recovery still starts after the snapshot', async () => {
    const directory = await directories.create()
    const storage = await writeLog(directory, 40)
    await storage.saveSnapshot(makeSnapshot(30, 1))
    await storage.compact(10)
    const kept = await segmentFiles(directory)
    await storage.compact(10)
    expect(await segmentFiles(directory)).toEqual(kept)
    await storage.close()
    const { state } = await reopen(directory)
    expect(state.entries).toEqual(makeEntries(31, 10, 1))
  })

  it('keeps the hard state when the only segments that recorded it are deleted (segment preamble)', async () => {
    const directory = await directories.create()
    const storage = openReplicaStorage(directory, { segmentBytesMax: 300, syncMode: 'none' })
    await storage.open()
    storage.append(makeEntries(1, 4, 3), hardState(3, 4, 'n3'))
    await storage.sync()
    for (let first = 5; first <= 20; first += 4) {
      storage.append(makeEntries(first, 4, 3), undefined)
      await storage.sync()
    }
    await storage.saveSnapshot(makeSnapshot(16, 3))
    await storage.compact(16)
    await storage.close()
    const { state } = await reopen(directory)
    expect(state.hardState).toEqual(hardState(3, 16, 'n3'))
    expect(state.entries).toEqual(makeEntries(17, 4, 3))
  })
})

describe('a snapshot installed over a conflicting log', () => {
  it('replaces the log on disk: stale entries never come back', async () => {
    const directory = await directories.create()
    const storage = await writeLog(directory, 12)
    // The leader's snapshot ends at entry 8 of term 2; this follower has entry 8 of term 1 (a deposed leader's).
    const snapshot = makeSnapshot(8, 2)
    await storage.saveSnapshot(snapshot)
    storage.append(makeEntries(9, 2, 2), hardState(2, 8))
    await storage.close()
    const { state, storage: reopened } = await openWithNotes(directory, { syncMode: 'none' })
    expect(state).toEqual({ snapshot, entries: makeEntries(9, 2, 2), hardState: hardState(2, 8) })
    // A snapshot beyond the end of the log also replaces it.
    const far = makeSnapshot(30, 3)
    await reopened.saveSnapshot(far)
    reopened.append(makeEntries(31, 1, 3), undefined)
    await reopened.compact(30)
    await reopened.close()
    expect((await reopen(directory)).state).toEqual({ snapshot: far, entries: makeEntries(31, 1, 3), hardState: { term: 3, vote: undefined, commit: 30 } })
  })

  it('discards the conflicting log when the crash came after the snapshot file but before the reset record', async () => {
    const directory = await directories.create()
    const storage = openReplicaStorage(directory, { syncMode: 'none' })
    await storage.open()
    storage.append(makeEntries(1, 12, 1), hardState(1, 4))
    await storage.close()
    await writeSnapshotFile(join(directory, 'snap'), makeSnapshot(8, 2), 'none')
    const { state, notes } = await reopen(directory)
    expect(state.entries).toEqual([])
    expect(state.snapshot).toEqual(makeSnapshot(8, 2))
    // The hard state predates the snapshot: raised to its index and term, with no vote (none was cast in term 2).
    expect(state.hardState).toEqual({ term: 2, vote: undefined, commit: 8 })
    expect(notes.map((note) => note.kind)).toEqual(['conflictingLogDiscarded'])
  })

  it('keeps the log after a snapshot file that matches it, even without a WAL record', async () => {
    const directory = await directories.create()
    const storage = await writeLog(directory, 12)
    await storage.close()
    await writeSnapshotFile(join(directory, 'snap'), makeSnapshot(8, 1), 'none')
    const { state, notes } = await reopen(directory)
    expect(notes).toEqual([])
    expect(state.entries).toEqual(makeEntries(9, 4, 1))
  })
})

describe('corrupt snapshots', () => {
  async function corruptNewest(directory: string): Promise<string> {
    const names = await snapshotFileNames(directory)
    const path = join(directory, 'snap', names[names.length - 1]!)
    const bytes = await readFile(path)
    bytes[bytes.length - 3] = bytes[bytes.length - 3]! ^ 0x10
    await writeFile(path, bytes)
    return path
  }

  it('falls back to the older snapshot when the log still holds every entry after it', async () => {
    const directory = await directories.create()
    const storage = await writeLog(directory, 20)
    await storage.saveSnapshot(makeSnapshot(8, 1))
    await storage.saveSnapshot(makeSnapshot(16, 1, 300))
    await storage.compact(4)
    await storage.close()
    const corruptPath = await corruptNewest(directory)
    const { state, notes } = await reopen(directory)
    expect(state.snapshot).toEqual(makeSnapshot(8, 1))
    expect(state.entries).toEqual(makeEntries(9, 12, 1))
    expect(notes).toEqual([expect.objectContaining({ kind: 'corruptSnapshotIgnored', file: corruptPath })])
    expect(notes[0]!.message).toMatch(/snapshot data checksum mismatch; using the older snapshot at index 8/)
  })

  it('refuses to open when the log was compacted past the older snapshot', async () => {
    const directory = await directories.create()
    const storage = await writeLog(directory, 40)
    await storage.saveSnapshot(makeSnapshot(8, 1))
    await storage.saveSnapshot(makeSnapshot(30, 1, 300))
    await storage.compact(30)
    await storage.close()
    const corruptPath = await corruptNewest(directory)
    const error = await openReplicaStorage(directory).open().then(() => undefined, (caught: unknown) => caught)
    expect(error).toBeInstanceOf(ReplicaStorageCorruptError)
    expect((error as ReplicaStorageCorruptError).file).toBe(corruptPath)
    expect((error as ReplicaStorageCorruptError).reason).toMatch(/data checksum mismatch; the older snapshot \(index 8\) cannot replace it because entries 9\.\.\d+ are missing/)
  })

  it('ignores a newer snapshot whose metadata does not match its name, or a truncated one, when an older one suffices', async () => {
    const directory = await directories.create()
    const storage = await writeLog(directory, 40)
    await storage.saveSnapshot(makeSnapshot(30, 1))
    await storage.compact(30)
    await storage.close()
    const original = await readFile(join(directory, 'snap', '0000000000000030-0000000000000001.snap'))
    const misnamed = join(directory, 'snap', '0000000000000031-0000000000000001.snap')
    await writeFile(misnamed, original)
    let opened = await reopen(directory)
    expect(opened.state.snapshot?.metadata.index).toBe(30)
    expect(opened.notes).toEqual([expect.objectContaining({ kind: 'corruptSnapshotIgnored', file: misnamed })])
    expect(opened.notes[0]!.message).toMatch(/metadata says index 30 term 1, its name says index 31 term 1/)
    await writeFile(misnamed, original.subarray(0, 40))
    opened = await reopen(directory)
    expect(opened.notes[0]!.message).toMatch(/metadata of \d+ bytes runs past the end of the file/)
  })
})

describe('a crash between an installed snapshot and its log reset', () => {
  /**
   * The snapshot file became durable, the logReset record after it did not (cut off here by truncating
   * the WAL back to its size before saveSnapshot). Recovery must write the reset itself: otherwise
   * entries appended after the snapshot are read against the old log on the next recovery — a gap
   * (log ended before the snapshot) or a conflict that discards them. Simulator seeds 17863 and 32925.
   */
  for (const [name, snapshotIndex, snapshotTerm] of [
    ['the old log ended before the snapshot', 16, 2],
    ['the old log had another term at the snapshot index', 8, 2],
  ] as const) {
    it(`keeps entries appended after recovery when ${name}`, async () => {
      const directory = await directories.create()
      const storage = openReplicaStorage(directory, { syncMode: 'none' })
      await storage.open()
      storage.append(makeEntries(1, 12, 1), hardState(1, 4))
      await storage.sync()
      const [segment] = await segmentFiles(directory)
      await storage.saveSnapshot(makeSnapshot(snapshotIndex, snapshotTerm))
      await storage.close()
      // The crash: the reset frame never reached the disk.
      const bytes = await readFile(segment!.path)
      await writeFile(segment!.path, bytes.subarray(0, segment!.sizeBytes))
      const first = openReplicaStorage(directory, { syncMode: 'none' })
      const recovered = await first.open()
      expect(recovered.entries).toEqual([])
      first.append(makeEntries(snapshotIndex + 1, 3, snapshotTerm), hardState(snapshotTerm, snapshotIndex + 3))
      await first.sync()
      await first.close()
      const { state } = await openWithNotes(directory, { syncMode: 'none' })
      expect(state.entries).toEqual(makeEntries(snapshotIndex + 1, 3, snapshotTerm))
      expect(state.hardState.commit).toBe(snapshotIndex + 3)
    })
  }
})
