import { rm } from 'node:fs/promises'
import { join } from 'node:path'
import { afterEach, describe, expect, it } from 'vitest'
import { SnapshotOutOfDateError, type Entry, type HardState, type Snapshot } from '@clustron/raft'
import {
  openReplicaStorage,
  ReplicaStorageClosedError,
  ReplicaStorageFailedError,
  StorageAssertionError,
} from '../../src/storage/index.js'
import {
  hardState,
  makeEntries,
  makeEntry,
  makeSnapshot,
  openWithNotes,
  seededRandom,
  segmentFiles,
  TemporaryDirectories,
} from './support.js'

const directories = new TemporaryDirectories()
afterEach(() => directories.cleanup())

describe('round trip', () => {
  it('opens an empty directory as an empty replica and creates wal/ and snap/', async () => {
    const directory = await directories.create()
    const { storage, state } = await openWithNotes(directory)
    expect(state).toEqual({ hardState: { term: 0, vote: undefined, commit: 0 }, snapshot: undefined, entries: [] })
    expect(storage.stats()).toEqual({ segmentBytes: 0, segments: 0, lastSyncMs: 0, syncs: 0 })
    await storage.close()
  })

  it('recovers entries and the last hard state written across syncs and segment rotations', async () => {
    const directory = await directories.create()
    const storage = openReplicaStorage(directory, { segmentBytesMax: 1024 })
    await storage.open()
    const written: Entry[] = []
    for (let batch = 0; batch < 20; batch++) {
      const entries = makeEntries(batch * 5 + 1, 5, 1 + Math.floor(batch / 4), 40)
      written.push(...entries)
      storage.append(entries, hardState(1 + Math.floor(batch / 4), batch * 5 + 3, batch % 2 === 0 ? 'n2' : undefined))
      await storage.sync()
    }
    const stats = storage.stats()
    expect(stats.segments).toBeGreaterThanOrEqual(5)
    expect(stats.syncs).toBe(20)
    expect(stats.segmentBytes).toBe((await segmentFiles(directory)).reduce((sum, file) => sum + file.sizeBytes, 0))
    await storage.close()

    const reopened = await openWithNotes(directory, { segmentBytesMax: 1024 })
    expect(reopened.notes).toEqual([])
    expect(reopened.state).toEqual({ hardState: hardState(5, 98, undefined), snapshot: undefined, entries: written })
    expect(reopened.storage.stats().segments).toBe(stats.segments)
    await reopened.storage.close()
  })

  it('names segments by their first index and keeps each below segmentBytesMax unless one frame is larger', async () => {
    const directory = await directories.create()
    const storage = openReplicaStorage(directory, { segmentBytesMax: 600, syncMode: 'none' })
    await storage.open()
    storage.append(makeEntries(1, 3, 1, 100), undefined)
    await storage.sync()
    storage.append(makeEntries(4, 3, 1, 100), undefined)
    await storage.sync()
    storage.append([makeEntry(7, 1, 2000)], undefined)
    await storage.sync()
    const files = await segmentFiles(directory)
    expect(files.map((file) => file.name)).toEqual(['0000000000000001.wal', '0000000000000004.wal', '0000000000000007.wal'])
    expect(files[0]!.sizeBytes).toBeLessThanOrEqual(600)
    expect(files[2]!.sizeBytes).toBeGreaterThan(2000)
    await storage.close()
  })

  it('keeps appending to the last segment after a reopen', async () => {
    const directory = await directories.create()
    for (let round = 0; round < 3; round++) {
      const { storage, state } = await openWithNotes(directory, { syncMode: 'none' })
      expect(state.entries).toEqual(makeEntries(1, round * 4, 1))
      storage.append(makeEntries(round * 4 + 1, 4, 1), hardState(1, round * 4))
      await storage.close()
    }
    expect((await segmentFiles(directory)).length).toBe(1)
  })

  it('splits a large sync into several frames, each written and synced on its own', async () => {
    const directory = await directories.create()
    const storage = openReplicaStorage(directory, { frameBytesMax: 256 })
    await storage.open()
    const entries = makeEntries(1, 40, 1, 50)
    storage.append(entries, hardState(1, 40))
    await storage.sync()
    expect(storage.stats().syncs).toBe(1)
    await storage.close()
    const reopened = await openWithNotes(directory)
    expect(reopened.state.entries).toEqual(entries)
    await reopened.storage.close()
  })
})

describe('log truncation (suffix overwrite)', () => {
  it('survives a restart, also when the overwrite crosses segments', async () => {
    const directory = await directories.create()
    const storage = openReplicaStorage(directory, { segmentBytesMax: 400, syncMode: 'none' })
    await storage.open()
    storage.append(makeEntries(1, 20, 1), hardState(1, 5))
    await storage.sync()
    // A new leader in term 2 replaces entries 8.. (uncommitted), then another in term 3 replaces 15..
    storage.append(makeEntries(8, 10, 2), hardState(2, 7))
    await storage.sync()
    storage.append(makeEntries(15, 2, 3), hardState(3, 9))
    await storage.close()

    const { storage: reopened, state } = await openWithNotes(directory, { segmentBytesMax: 400, syncMode: 'none' })
    expect(state.entries).toEqual([...makeEntries(1, 7, 1), ...makeEntries(8, 7, 2), ...makeEntries(15, 2, 3)])
    expect(state.hardState).toEqual(hardState(3, 9))
    // The overwrite is visible to later appends too: entry 17 follows 16.
    reopened.append([makeEntry(17, 3)], undefined)
    await reopened.close()
    const again = await openWithNotes(directory, { syncMode: 'none' })
    expect(again.state.entries.map((entry) => entry.index)).toEqual(Array.from({ length: 17 }, (_, offset) => offset + 1))
    await again.storage.close()
  })

  it('overwrites entries appended in the same batch before they reach the disk', async () => {
    const directory = await directories.create()
    const storage = openReplicaStorage(directory, { syncMode: 'none' })
    await storage.open()
    storage.append(makeEntries(1, 5, 1), undefined)
    storage.append(makeEntries(3, 1, 2), undefined)
    await storage.close()
    const { state, storage: reopened } = await openWithNotes(directory)
    expect(state.entries).toEqual([...makeEntries(1, 2, 1), makeEntry(3, 2)])
    await reopened.close()
  })
})

describe('group commit', () => {
  it('batches concurrent syncs into fewer fsyncs, and every awaited sync is durable', async () => {
    const directory = await directories.create()
    const storage = openReplicaStorage(directory)
    await storage.open()
    const syncs: Promise<void>[] = []
    const resolvedAt: number[] = []
    for (let index = 1; index <= 200; index++) {
      storage.append([makeEntry(index, 1)], hardState(1, index - 1))
      syncs.push(storage.sync().then(() => { resolvedAt.push(index) }))
    }
    await Promise.all(syncs)
    expect(resolvedAt).toHaveLength(200)
    const { syncs: fsyncs } = storage.stats()
    expect(fsyncs).toBeGreaterThanOrEqual(1)
    expect(fsyncs).toBeLessThanOrEqual(2)
    // Appends while a sync runs go into the next flush, and syncs called meanwhile share it.
    storage.append([makeEntry(201, 1)], undefined)
    const first = storage.sync()
    storage.append([makeEntry(202, 1)], undefined)
    const second = storage.sync()
    storage.append([makeEntry(203, 1)], undefined)
    const third = storage.sync()
    expect(third).toBe(second)
    await Promise.all([first, second, third])
    expect(storage.stats().syncs).toBe(fsyncs + 2)
    await expect(storage.sync()).resolves.toBeUndefined()
    expect(storage.stats().syncs).toBe(fsyncs + 2)
    expect(storage.stats().lastSyncMs).toBeGreaterThan(0)
    // Simulate a crash: reopen without close() (close would sync); everything awaited must be there.
    const { state, storage: reopened } = await openWithNotes(directory)
    expect(state.entries.map((entry) => entry.index)).toEqual(Array.from({ length: 203 }, (_, offset) => offset + 1))
    expect(state.hardState).toEqual(hardState(1, 199))
    await reopened.close()
    await storage.close()
  })

  it('a sync with nothing new resolves without writing; a sync during a flush with nothing new waits for it', async () => {
    const directory = await directories.create()
    const storage = openReplicaStorage(directory)
    await storage.open()
    await storage.sync()
    expect(storage.stats().syncs).toBe(0)
    storage.append([makeEntry(1, 1)], undefined)
    const running = storage.sync()
    expect(storage.sync()).toBe(running)
    await running
    expect(storage.stats().syncs).toBe(1)
    await storage.close()
  })
})

describe('lifecycle and misuse', () => {
  it('rejects use after close with ReplicaStorageClosedError; close is idempotent and syncs', async () => {
    const directory = await directories.create()
    const storage = openReplicaStorage(directory)
    await storage.open()
    storage.append([makeEntry(1, 1)], undefined)
    await storage.close()
    await storage.close()
    expect(() => storage.append([makeEntry(2, 1)], undefined)).toThrow(ReplicaStorageClosedError)
    await expect(storage.sync()).rejects.toThrow(ReplicaStorageClosedError)
    await expect(storage.compact(1)).rejects.toThrow(ReplicaStorageClosedError)
    const { state, storage: reopened } = await openWithNotes(directory)
    expect(state.entries).toEqual([makeEntry(1, 1)])
    await reopened.close()
  })

  it('refuses all work after an I/O failure (ReplicaStorageFailedError, with the cause)', async () => {
    const directory = await directories.create()
    const storage = openReplicaStorage(directory, { segmentBytesMax: 100, syncMode: 'none' })
    await storage.open()
    storage.append([makeEntry(1, 1, 200)], undefined)
    await storage.sync()
    // The next frame needs a new segment, in a directory that is gone.
    await rm(join(directory, 'wal'), { recursive: true })
    storage.append([makeEntry(2, 1)], undefined)
    const failed = storage.sync()
    storage.append([makeEntry(3, 1)], undefined)
    const queued = storage.sync()
    await expect(failed).rejects.toThrow(ReplicaStorageFailedError)
    await expect(queued).rejects.toThrow(ReplicaStorageFailedError)
    const error = await storage.sync().catch((caught: unknown) => caught)
    expect(error).toBeInstanceOf(ReplicaStorageFailedError)
    expect((error as ReplicaStorageFailedError).cause).toMatchObject({ code: 'ENOENT' })
    expect(() => storage.append([makeEntry(4, 1)], undefined)).toThrow(ReplicaStorageFailedError)
    await expect(storage.saveSnapshot(makeSnapshot(1, 1))).rejects.toThrow(ReplicaStorageFailedError)
    await storage.close()
  })

  it('asserts on driver bugs: gaps, decreasing terms, writes below the snapshot, calls before open', async () => {
    const directory = await directories.create()
    const storage = openReplicaStorage(directory, { syncMode: 'none' })
    expect(() => storage.append([makeEntry(1, 1)], undefined)).toThrow(StorageAssertionError)
    await storage.open()
    await expect(storage.open()).rejects.toThrow(StorageAssertionError)
    expect(() => storage.append([makeEntry(2, 1)], undefined)).toThrow(/gap/)
    storage.append(makeEntries(1, 3, 2), undefined)
    expect(() => storage.append([makeEntry(4, 1)], undefined)).toThrow(/terms never decrease/)
    expect(() => storage.append([makeEntry(4, 2), makeEntry(6, 2)], undefined)).toThrow(/not contiguous/)
    expect(() => storage.append([], { term: 2, vote: '', commit: 0 })).toThrow(StorageAssertionError)
    await storage.saveSnapshot(makeSnapshot(2, 2))
    expect(() => storage.append([makeEntry(2, 3)], undefined)).toThrow(/snapshot index/)
    await expect(storage.saveSnapshot(makeSnapshot(2, 2))).rejects.toThrow(SnapshotOutOfDateError)
    await expect(storage.compact(3)).rejects.toThrow(/past the snapshot index/)
    await storage.close()
  })
})

/**
 * Random operations against a plain model: appends with overwrites, hard states, syncs, snapshots, compaction,
 * reopen. After every reopen the recovered state must equal the model's. Tiny segments force rotation and deletion.
 */
describe('against a model', () => {
  for (const seed of [1, 2, 3, 4, 5, 6]) {
    it(`seed ${seed}`, async () => {
      const random = seededRandom(seed)
      const directory = await directories.create()
      const options = { segmentBytesMax: 300 + random(1500), syncMode: 'none' as const }
      let storage = openReplicaStorage(directory, options)
      await storage.open()
      let log: Entry[] = []
      let snapshot: Snapshot | undefined
      let state: HardState = { term: 1, vote: undefined, commit: 0 }
      const lastIndex = (): number => log[log.length - 1]?.index ?? snapshot?.metadata.index ?? 0
      for (let step = 0; step < 300; step++) {
        const choice = random(100)
        if (choice < 45) {
          const floor = Math.max(state.commit, snapshot?.metadata.index ?? 0) + 1
          const first = Math.max(floor, lastIndex() + 1 - random(4))
          const term = first <= lastIndex() ? state.term + 1 : state.term
          const entries = makeEntries(first, 1 + random(6), term, random(80))
          log = [...log.filter((entry) => entry.index < first), ...entries]
          const newState = random(2) === 0 ? undefined : { term, vote: random(2) === 0 ? undefined : `n${random(5)}`, commit: state.commit + random(lastIndex() - state.commit + 1) }
          if (newState !== undefined) state = newState
          state = { ...state, term: Math.max(state.term, term) }
          storage.append(entries, newState === undefined ? undefined : state)
        } else if (choice < 65) {
          await storage.sync()
        } else if (choice < 75 && state.commit > (snapshot?.metadata.index ?? 0)) {
          const index = (snapshot?.metadata.index ?? 0) + 1 + random(state.commit - (snapshot?.metadata.index ?? 0))
          const term = log.find((entry) => entry.index === index)!.term
          snapshot = makeSnapshot(index, term, random(100))
          await storage.saveSnapshot(snapshot)
          await storage.compact(Math.max(1, index - random(3)))
        } else if (choice < 82) {
          // A leader's snapshot in a new term replaces this follower's log (it never matches: the term is new).
          const index = state.commit + 1 + random(Math.max(1, lastIndex() - state.commit + 5))
          state = { term: state.term + 1, vote: undefined, commit: index }
          snapshot = makeSnapshot(index, state.term, random(100))
          log = []
          await storage.saveSnapshot(snapshot)
          storage.append([], state)
          if (random(2) === 0) await storage.compact(index)
        } else if (choice < 95) {
          storage.append([], state)
          await storage.close()
          storage = openReplicaStorage(directory, options)
          const recovered = await storage.open()
          const snapshotIndex = snapshot?.metadata.index ?? 0
          expect(recovered.snapshot).toEqual(snapshot)
          expect(recovered.hardState).toEqual(state)
          expect(recovered.entries).toEqual(log.filter((entry) => entry.index > snapshotIndex))
          log = recovered.entries
        }
      }
      await storage.close()
    })
  }
})
