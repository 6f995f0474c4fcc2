import { mkdtemp, readdir, rm, stat } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import type { Entry, HardState, Snapshot } from '@clustron/raft'
import { openReplicaStorage, type ReplicaStorage, type ReplicaStorageOptions, type StorageNote } from '../../src/storage/index.js'

/** Temporary replica directories, removed by `cleanup()` (call it from afterEach). */
export class TemporaryDirectories {
  private readonly created: string[] = []

  async create(): Promise<string> {
    const directory = await mkdtemp(join(tmpdir(), 'clustron-storage-'))
    this.created.push(directory)
    return directory
  }

  async cleanup(): Promise<void> {
    await Promise.all(this.created.splice(0).map((directory) => rm(directory, { recursive: true, force: true })))
  }
}

/** Entry data derived from index and term, so a wrong or stale entry is visible in a comparison. */
export function entryData(index: number, term: number, bytes = 24): Uint8Array {
  const data = new Uint8Array(bytes)
  for (let position = 0; position < bytes; position++) data[position] = (index * 31 + term * 7 + position) & 0xff
  return data
}

export function makeEntry(index: number, term: number, bytes = 24): Entry {
  return { index, term, type: index % 7 === 0 ? 'confChange' : 'normal', data: entryData(index, term, bytes) }
}

export function makeEntries(first: number, count: number, term: number, bytes = 24): Entry[] {
  return Array.from({ length: count }, (_, offset) => makeEntry(first + offset, term, bytes))
}

/** A hard state; the vote is 'n1' unless given (undefined included). */
export function hardState(term: number, commit: number, ...vote: [] | [string | undefined]): HardState {
  return { term, vote: vote.length === 0 ? 'n1' : vote[0], commit }
}

export function makeSnapshot(index: number, term: number, bytes = 64): Snapshot {
  return { metadata: { index, term, confState: { voters: ['n1', 'n2', 'n3'], learners: ['n4'] } }, data: entryData(index, term, bytes) }
}

/** Opens a storage that records its notes. */
export async function openWithNotes(
  directory: string,
  options: ReplicaStorageOptions = {},
): Promise<{ storage: ReplicaStorage; notes: StorageNote[]; state: Awaited<ReturnType<ReplicaStorage['open']>> }> {
  const notes: StorageNote[] = []
  const storage = openReplicaStorage(directory, { ...options, onNote: (note) => notes.push(note) })
  const state = await storage.open()
  return { storage, notes, state }
}

/** Segment files of a replica directory, oldest first, with their sizes. */
export async function segmentFiles(directory: string): Promise<{ name: string; path: string; sizeBytes: number }[]> {
  const names = (await readdir(join(directory, 'wal'))).sort()
  return Promise.all(names.map(async (name) => {
    const path = join(directory, 'wal', name)
    return { name, path, sizeBytes: (await stat(path)).size }
  }))
}

export async function snapshotFileNames(directory: string): Promise<string[]> {
  return (await readdir(join(directory, 'snap'))).sort()
}

/** A small deterministic PRNG (mulberry32) so randomized tests replay from their seed. */
export function seededRandom(seed: number): (limit: number) => number {
  let state = seed >>> 0
  return (limit) => {
    state = (state + 0x6d2b79f5) >>> 0
    let value = state
    value = Math.imul(value ^ (value >>> 15), value | 1)
    value ^= value + Math.imul(value ^ (value >>> 7), value | 61)
    return Math.floor((((value ^ (value >>> 14)) >>> 0) / 4294967296) * limit)
  }
}
