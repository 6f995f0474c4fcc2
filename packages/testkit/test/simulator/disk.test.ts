import type { Entry, Snapshot } from '@clustron/raft'
import { describe, expect, it } from 'vitest'
import { EventLoop, Random, SimDisk, type DiskObserver } from '../../src/simulator/index.js'

const entry = (index: number, term: number): Entry => ({ index, term, type: 'normal', data: new Uint8Array([index]) })
const snapshot = (index: number, term: number): Snapshot => ({ metadata: { index, term, confState: { voters: ['n1'], learners: [] } }, data: new Uint8Array([index, term]) })

function setup(seed = 1) {
  const loop = new EventLoop()
  const problems: string[] = []
  const observer: DiskObserver = { onProblem: (_node, description) => problems.push(description), onSnapshotSaved: () => {} }
  const disk = new SimDisk('n1', loop, new Random(seed), observer)
  let alive = true
  const handle = disk.handle(() => alive)
  const run = () => loop.runUntil(() => false, Infinity)
  return { loop, disk, handle, problems, run, kill: () => (alive = false) }
}

/** A crash that never keeps part of the unsynced tail (the disk draws that at random). */
function crashDroppingAll(disk: SimDisk): void {
  for (let attempt = 0; attempt < 100; attempt++) {
    const before = disk.durable.lastEntryIndex()
    disk.crash()
    if (disk.durable.lastEntryIndex() === before) return
  }
}

describe('fake disk', () => {
  it('makes appended records durable only when a sync issued after them completes', async () => {
    const { disk, handle, run, problems } = setup()
    handle.append([entry(1, 1), entry(2, 1), entry(3, 1)], { term: 1, vote: 'n1', commit: 1 })
    expect(disk.durable.lastEntryIndex()).toBe(0)
    let synced = false
    void handle.sync().then(() => (synced = true))
    handle.append([entry(4, 1)], undefined)
    expect(synced).toBe(false)
    await run()
    expect(synced).toBe(true)
    // Entry 4 was appended after the sync was issued: the sync does not cover it.
    expect(disk.durable.lastEntryIndex()).toBe(3)
    expect(disk.logical.lastEntryIndex()).toBe(4)
    expect(disk.recover().hardState).toEqual({ term: 1, vote: 'n1', commit: 1 })
    expect(problems).toEqual([])
  })

  it('loses unsynced records in a crash, and recovers what was synced', async () => {
    const { disk, handle, run } = setup()
    handle.append([entry(1, 1), entry(2, 1), entry(3, 1)], { term: 1, vote: undefined, commit: 1 })
    void handle.sync()
    await run()
    handle.append([entry(4, 2)], { term: 2, vote: 'n2', commit: 3 })
    crashDroppingAll(disk)
    const recovered = disk.recover()
    expect(recovered.entries.map((stored) => stored.index)).toEqual([1, 2, 3])
    expect(recovered.hardState).toEqual({ term: 1, vote: undefined, commit: 1 })
    expect(disk.logical.lastEntryIndex()).toBe(3)
  })

  it('sometimes keeps a prefix of the unsynced tail, never a record without the ones before it', () => {
    for (let seed = 1; seed < 200; seed++) {
      const { disk, handle } = setup(seed)
      for (let index = 1; index < 12; index++) handle.append([entry(index, 1)], undefined)
      disk.crash()
      const kept = disk.recover().entries.map((stored) => stored.index)
      expect(kept).toEqual(Array.from({ length: kept.length }, (_, offset) => offset + 1))
    }
  })

  it('a dead incarnation writes nothing and its pending sync never completes', async () => {
    const { disk, handle, run, kill } = setup()
    handle.append([entry(1, 1)], undefined)
    let synced = false
    void handle.sync().then(() => (synced = true))
    kill()
    crashDroppingAll(disk)
    handle.append([entry(1, 1)], undefined)
    await run()
    expect(synced).toBe(false)
    expect(disk.durable.lastEntryIndex()).toBe(0)
    expect(disk.logical.lastEntryIndex()).toBe(0)
  })

  it('saves snapshots atomically; one installed over a conflicting log replaces it (reset), even across a crash', async () => {
    const { disk, handle, run, problems } = setup()
    handle.append([entry(1, 1), entry(2, 1), entry(3, 1), entry(4, 1)], { term: 1, vote: undefined, commit: 2 })
    void handle.sync()
    await run()
    // A leader's snapshot at 5 (term 2) over a log that lacks entry 5: the log is replaced.
    let saved = false
    void handle.saveSnapshot(snapshot(5, 2)).then(() => (saved = true))
    expect(disk.durable.snapshot).toBeUndefined()
    await run()
    expect(saved).toBe(true)
    const recovered = disk.recover()
    expect(recovered.snapshot?.metadata.index).toBe(5)
    expect(recovered.entries).toEqual([])
    // A snapshot raises the recovered hard state to itself.
    expect(recovered.hardState).toEqual({ term: 2, vote: undefined, commit: 5 })
    expect(problems).toEqual([])
  })

  it('discards a deposed leader\'s entries after a snapshot even when the reset record was lost', async () => {
    const { disk, handle, loop } = setup()
    handle.append([entry(1, 1), entry(2, 1), entry(3, 1), entry(4, 1), entry(5, 1), entry(6, 1)], { term: 1, vote: undefined, commit: 2 })
    void handle.sync()
    await loop.runUntil(() => disk.durable.lastEntryIndex() === 6, Infinity)
    void handle.saveSnapshot(snapshot(4, 2))
    // Run until the snapshot is durable, then crash before the reset record's sync completes.
    await loop.runUntil(() => disk.durable.snapshot !== undefined, Infinity)
    crashDroppingAll(disk)
    const recovered = disk.recover()
    expect(recovered.snapshot?.metadata.index).toBe(4)
    expect(recovered.entries).toEqual([])
  })

  it('flags appends after a snapshot whose reset record a crash lost (the WAL recovery gap)', async () => {
    for (const [lastEntry, variant] of [[6, 'refuse to start'], [10, 'discard these entries']] as const) {
      const { disk, handle, loop, problems } = setup()
      handle.append(Array.from({ length: lastEntry }, (_, offset) => entry(offset + 1, 1)), { term: 1, vote: undefined, commit: 2 })
      void handle.sync()
      await loop.runUntil(() => disk.durable.lastEntryIndex() === lastEntry, Infinity)
      // A leader's snapshot at 8 (term 2): durable at once, its reset record not yet when the crash comes.
      void handle.saveSnapshot(snapshot(8, 2))
      await loop.runUntil(() => disk.durable.snapshot !== undefined, Infinity)
      crashDroppingAll(disk)
      expect(disk.recover().entries).toEqual([])
      disk.handle(() => true).append([entry(9, 2)], undefined)
      expect(problems).toEqual([expect.stringContaining(variant)])
    }
  })

  it('reports broken WAL preconditions: gaps, decreasing terms, a changed vote', () => {
    const { handle, problems } = setup()
    handle.append([entry(1, 2)], { term: 2, vote: 'n1', commit: 1 })
    handle.append([entry(3, 2)], undefined)
    handle.append([entry(2, 1)], undefined)
    handle.append([], { term: 2, vote: 'n3', commit: 1 })
    expect(problems).toEqual([
      expect.stringContaining('gap'),
      expect.stringContaining('term 1 after term 2'),
      expect.stringContaining('vote changed within term 2'),
    ])
  })
})
