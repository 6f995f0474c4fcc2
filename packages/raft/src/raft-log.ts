import { limitEntriesBytes } from './entry-size.js'
import { assert, CompactedError, UnavailableError } from './errors.js'
import type { Storage } from './storage.js'
import type { Entry, Snapshot } from './types.js'

/**
 * Entries and snapshot not yet persisted by the driver. `offset` is the index of `entries[0]`, always the
 * index right after the last entry the driver has persisted (or the pending snapshot's index + 1).
 */
class Unstable {
  snapshot: Snapshot | undefined = undefined
  entries: Entry[] = []
  offset: number

  constructor(offset: number) {
    this.offset = offset
  }

  maybeFirstIndex(): number | undefined {
    return this.snapshot === undefined ? undefined : this.snapshot.metadata.index + 1
  }

  maybeLastIndex(): number | undefined {
    if (this.entries.length > 0) return this.offset + this.entries.length - 1
    return this.snapshot?.metadata.index
  }

  maybeTerm(index: number): number | undefined {
    if (index < this.offset) {
      return this.snapshot !== undefined && this.snapshot.metadata.index === index ? this.snapshot.metadata.term : undefined
    }
    return this.entries[index - this.offset]?.term
  }

  /** The driver persisted entries up to (index, term); a later overwrite of that index makes this a no-op. */
  stableTo(index: number, term: number): void {
    if (index < this.offset || this.maybeTerm(index) !== term) return
    this.entries = this.entries.slice(index + 1 - this.offset)
    this.offset = index + 1
  }

  stableSnapshotTo(index: number): void {
    if (this.snapshot !== undefined && this.snapshot.metadata.index === index) this.snapshot = undefined
  }

  restore(snapshot: Snapshot): void {
    this.offset = snapshot.metadata.index + 1
    this.entries = []
    this.snapshot = snapshot
  }

  truncateAndAppend(entries: readonly Entry[]): void {
    const first = entries[0]!.index
    if (first === this.offset + this.entries.length) {
      this.entries = this.entries.concat(entries)
    } else if (first <= this.offset) {
      // Replaces persisted entries too: the driver overwrites the stored suffix when it persists these.
      this.offset = first
      this.entries = [...entries]
    } else {
      this.entries = this.entries.slice(0, first - this.offset).concat(entries)
    }
  }

  slice(lo: number, hi: number): Entry[] {
    assert(lo >= this.offset && hi <= this.offset + this.entries.length && lo <= hi,
      () => `unstable slice [${lo}, ${hi}) out of [${this.offset}, ${this.offset + this.entries.length})`)
    return this.entries.slice(lo - this.offset, hi - this.offset)
  }
}

/**
 * The Raft log as one node sees it: stable entries in Storage, followed by unstable entries, with the commit
 * and applied indexes. Invariant: applied <= committed <= lastIndex().
 */
export class RaftLog {
  readonly storage: Storage
  readonly unstable: Unstable
  committed: number
  applied: number

  constructor(storage: Storage) {
    this.storage = storage
    this.unstable = new Unstable(storage.lastIndex() + 1)
    this.committed = storage.firstIndex() - 1
    this.applied = storage.firstIndex() - 1
  }

  firstIndex(): number {
    return this.unstable.maybeFirstIndex() ?? this.storage.firstIndex()
  }

  lastIndex(): number {
    return this.unstable.maybeLastIndex() ?? this.storage.lastIndex()
  }

  /** Term of the entry at `index`; undefined when compacted away or past the end. */
  term(index: number): number | undefined {
    if (index < this.firstIndex() - 1 || index > this.lastIndex()) return undefined
    const unstableTerm = this.unstable.maybeTerm(index)
    if (unstableTerm !== undefined) return unstableTerm
    try {
      return this.storage.term(index)
    } catch (error) {
      if (error instanceof CompactedError || error instanceof UnavailableError) return undefined
      throw error
    }
  }

  lastTerm(): number {
    const term = this.term(this.lastIndex())
    assert(term !== undefined, () => `term of the last index ${this.lastIndex()} is unknown`)
    return term
  }

  matchTerm(index: number, term: number): boolean {
    return this.term(index) === term
  }

  /** Raft §5.4.1: a log is at least as up to date when its last term is higher, or equal with an index as long. */
  isUpToDate(lastIndex: number, lastTerm: number): boolean {
    const ownLastTerm = this.lastTerm()
    return lastTerm > ownLastTerm || (lastTerm === ownLastTerm && lastIndex >= this.lastIndex())
  }

  /**
   * Appends `entries` following (index, logTerm) if the log matches there (the consistency check of §5.3).
   * Returns the index of the last new entry, or undefined when the check fails.
   */
  maybeAppend(index: number, logTerm: number, leaderCommit: number, entries: readonly Entry[]): number | undefined {
    if (!this.matchTerm(index, logTerm)) return undefined
    const lastNewIndex = index + entries.length
    const conflictIndex = this.findConflict(entries)
    if (conflictIndex !== 0) {
      assert(conflictIndex > this.committed,
        () => `entry ${conflictIndex} conflicts with a committed entry (committed ${this.committed})`)
      this.append(entries.slice(conflictIndex - (index + 1)))
    }
    this.commitTo(Math.min(leaderCommit, lastNewIndex))
    return lastNewIndex
  }

  append(entries: readonly Entry[]): number {
    if (entries.length === 0) return this.lastIndex()
    const after = entries[0]!.index - 1
    assert(after >= this.committed, () => `cannot overwrite committed entries: append after ${after}, committed ${this.committed}`)
    this.unstable.truncateAndAppend(entries)
    return this.lastIndex()
  }

  /** Index of the first entry whose term differs from ours (or that we lack), 0 when all match. */
  findConflict(entries: readonly Entry[]): number {
    for (const entry of entries) {
      if (!this.matchTerm(entry.index, entry.term)) return entry.index
    }
    return 0
  }

  /**
   * The largest index <= `index` whose term is <= `term`, with that term. A rejected follower sends this as its
   * hint so the leader skips a whole term of mismatched entries per round trip instead of one entry.
   * An unknown term (compacted) is reported as 0: a possible match.
   */
  findConflictByTerm(index: number, term: number): { index: number; term: number } {
    for (let candidate = index; candidate > 0; candidate--) {
      const ourTerm = this.term(candidate)
      if (ourTerm === undefined) return { index: candidate, term: 0 }
      if (ourTerm <= term) return { index: candidate, term: ourTerm }
    }
    return { index: 0, term: 0 }
  }

  /** Entries in [lo, hi) from storage and the unstable tail, limited to `maxBytes` (at least one entry). */
  slice(lo: number, hi: number, maxBytes?: number): Entry[] {
    assert(lo <= hi, () => `invalid slice [${lo}, ${hi})`)
    if (lo < this.firstIndex()) throw new CompactedError(`slice [${lo}, ${hi}): compacted up to ${this.firstIndex() - 1}`)
    assert(hi <= this.lastIndex() + 1, () => `slice [${lo}, ${hi}) out of bound ${this.lastIndex()}`)
    if (lo === hi) return []
    let result: Entry[] = []
    const offset = this.unstable.offset
    if (lo < offset) {
      const stableHi = Math.min(hi, offset)
      result = this.storage.entries(lo, stableHi, maxBytes)
      // Storage stopped early because of maxBytes: the unstable part must not follow the gap.
      if (result.length < stableHi - lo) return result
    }
    if (hi > offset) {
      result = result.concat(this.unstable.slice(Math.max(lo, offset), hi))
    }
    return limitEntriesBytes(result, maxBytes)
  }

  entriesFrom(index: number, maxBytes?: number): Entry[] {
    if (index > this.lastIndex()) return []
    return this.slice(index, this.lastIndex() + 1, maxBytes)
  }

  /** Every entry from firstIndex(); for tests and debugging only. */
  allEntries(): Entry[] {
    return this.entriesFrom(this.firstIndex())
  }

  hasPendingSnapshot(): boolean {
    return this.unstable.snapshot !== undefined
  }

  /** Committed entries not yet applied, none while a snapshot waits to be installed. */
  nextCommittedEntries(maxBytes: number): Entry[] {
    if (this.hasPendingSnapshot() || this.committed <= this.applied) return []
    return this.slice(this.applied + 1, this.committed + 1, maxBytes)
  }

  hasNextCommittedEntries(): boolean {
    return !this.hasPendingSnapshot() && this.committed > this.applied
  }

  snapshot(): Snapshot {
    return this.unstable.snapshot ?? this.storage.snapshot()
  }

  commitTo(index: number): void {
    if (index <= this.committed) return
    assert(index <= this.lastIndex(), () => `commit index ${index} is past the last index ${this.lastIndex()}; log corrupted, truncated or lost?`)
    this.committed = index
  }

  appliedTo(index: number): void {
    if (index === 0) return
    assert(index <= this.committed && index >= this.applied,
      () => `applied index ${index} is out of range [applied ${this.applied}, committed ${this.committed}]`)
    this.applied = index
  }

  /** Commits up to `index` if the entry there is of `term`: the leader's rule of §5.4.2. */
  maybeCommit(index: number, term: number): boolean {
    if (index > this.committed && this.term(index) === term) {
      this.commitTo(index)
      return true
    }
    return false
  }

  restore(snapshot: Snapshot): void {
    this.committed = snapshot.metadata.index
    this.unstable.restore(snapshot)
  }
}
