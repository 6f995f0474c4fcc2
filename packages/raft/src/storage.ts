import { entryBytes, limitEntriesBytes } from './entry-size.js'
import { assert, CompactedError, SnapshotOutOfDateError, UnavailableError } from './errors.js'
import type { ConfState, Entry, HardState, Snapshot } from './types.js'

export interface InitialState {
  hardState: HardState
  confState: ConfState
}

/**
 * The read-only view of stable storage that Raft reads. The driver writes to it (after persisting each Ready)
 * and compacts it; Raft never mutates it. Raft does not keep references to returned arrays beyond the call,
 * and storage must not mutate entries it has returned.
 *
 * Index space: the storage holds entries [firstIndex(), lastIndex()]. The entry at firstIndex() - 1 was
 * compacted into the latest snapshot; its term stays readable through `term()`.
 */
export interface Storage {
  /** Hard state and membership at start-up (membership as of the latest snapshot or bootstrap). */
  initialState(): InitialState
  /**
   * Entries in [lo, hi). When `maxBytes` is given, the result is the longest prefix within it, but never
   * empty when lo < hi. Throws CompactedError when lo < firstIndex(), UnavailableError when hi > lastIndex() + 1.
   */
  entries(lo: number, hi: number, maxBytes?: number): Entry[]
  /**
   * Term of the entry at `index`, for index in [firstIndex() - 1, lastIndex()]. Throws CompactedError below,
   * UnavailableError above.
   */
  term(index: number): number
  /** Index of the first entry still available (the latest snapshot's index + 1). */
  firstIndex(): number
  /** Index of the last stored entry (the snapshot's index when the log after it is empty). */
  lastIndex(): number
  /** The latest snapshot. May throw SnapshotTemporarilyUnavailableError while one is being made. */
  snapshot(): Snapshot
}

const emptyConfState = (): ConfState => ({ voters: [], learners: [] })

export interface MemoryStorageOptions {
  /**
   * Membership to bootstrap a founding member with. It is stored as a snapshot at index 1, term 1 (with empty
   * data), so the log starts at index 2 and members added later, which start with empty storage, receive
   * the membership in a snapshot rather than replaying changes that do not mention the founders.
   * Ignored when `snapshot` is given. Without either (or without voters), the storage is empty: a node
   * waiting to be added.
   */
  confState?: ConfState
  /** A snapshot to start from (e.g. a bootstrap snapshot at index > 0). */
  snapshot?: Snapshot
}

/**
 * Storage kept in memory, for tests, simulations and as the in-memory index of a real WAL. Not durable.
 * `entries[0]` is a sentinel standing for the snapshot's last entry so that term(firstIndex() - 1) works.
 */
export class MemoryStorage implements Storage {
  private hardState: HardState = { term: 0, vote: undefined, commit: 0 }
  private currentSnapshot: Snapshot
  private log: Entry[]

  constructor(options: MemoryStorageOptions = {}) {
    const bootstrapIndex = options.confState === undefined || options.confState.voters.length === 0 ? 0 : 1
    this.currentSnapshot = options.snapshot ?? {
      metadata: { index: bootstrapIndex, term: bootstrapIndex, confState: options.confState ?? emptyConfState() },
      data: new Uint8Array(0),
    }
    const { index, term } = this.currentSnapshot.metadata
    this.log = [sentinel(index, term)]
    if (index > 0) this.hardState = { term, vote: undefined, commit: index }
  }

  initialState(): InitialState {
    return { hardState: { ...this.hardState }, confState: copyConfState(this.currentSnapshot.metadata.confState) }
  }

  setHardState(hardState: HardState): void {
    this.hardState = { ...hardState }
  }

  entries(lo: number, hi: number, maxBytes?: number): Entry[] {
    const offset = this.log[0]!.index
    if (lo <= offset) throw new CompactedError(`entries [${lo}, ${hi}): compacted up to ${offset}`)
    if (hi > this.lastIndex() + 1) throw new UnavailableError(`entries [${lo}, ${hi}): last index is ${this.lastIndex()}`)
    assert(lo <= hi, () => `entries: invalid range [${lo}, ${hi})`)
    return limitEntriesBytes(this.log.slice(lo - offset, hi - offset), maxBytes)
  }

  term(index: number): number {
    const offset = this.log[0]!.index
    if (index < offset) throw new CompactedError(`term(${index}): compacted up to ${offset}`)
    if (index > this.lastIndex()) throw new UnavailableError(`term(${index}): last index is ${this.lastIndex()}`)
    return this.log[index - offset]!.term
  }

  firstIndex(): number {
    return this.log[0]!.index + 1
  }

  lastIndex(): number {
    return this.log[0]!.index + this.log.length - 1
  }

  snapshot(): Snapshot {
    return this.currentSnapshot
  }

  /** Replaces everything with the snapshot's state. Throws SnapshotOutOfDateError if it is not newer. */
  applySnapshot(snapshot: Snapshot): void {
    if (snapshot.metadata.index <= this.currentSnapshot.metadata.index) {
      throw new SnapshotOutOfDateError(`snapshot at ${snapshot.metadata.index} is not newer than ${this.currentSnapshot.metadata.index}`)
    }
    this.currentSnapshot = snapshot
    this.log = [sentinel(snapshot.metadata.index, snapshot.metadata.term)]
  }

  /**
   * Records a snapshot of the state machine as of `index` (which must be applied, hence stored). Does not
   * discard entries: call `compact` for that, typically keeping some entries for slow followers.
   */
  createSnapshot(index: number, confState: ConfState, data: Uint8Array): Snapshot {
    if (index <= this.currentSnapshot.metadata.index) {
      throw new SnapshotOutOfDateError(`snapshot at ${index} is not newer than ${this.currentSnapshot.metadata.index}`)
    }
    assert(index <= this.lastIndex(), () => `createSnapshot(${index}) is past the last index ${this.lastIndex()}`)
    const term = this.term(index)
    this.currentSnapshot = { metadata: { index, term, confState: copyConfState(confState) }, data }
    return this.currentSnapshot
  }

  /** Discards entries before `compactIndex`; the entry at `compactIndex` becomes the sentinel. */
  compact(compactIndex: number): void {
    const offset = this.log[0]!.index
    if (compactIndex <= offset) throw new CompactedError(`compact(${compactIndex}): already compacted up to ${offset}`)
    assert(compactIndex <= this.lastIndex(), () => `compact(${compactIndex}) is past the last index ${this.lastIndex()}`)
    const kept = this.log.slice(compactIndex - offset)
    kept[0] = sentinel(compactIndex, kept[0]!.term)
    this.log = kept
  }

  /**
   * Appends entries, replacing any stored entries at the same or higher indexes (a new leader may overwrite
   * an uncommitted suffix). Entries at or below the compaction point are ignored.
   */
  append(entries: readonly Entry[]): void {
    if (entries.length === 0) return
    const first = this.firstIndex()
    const lastNew = entries[entries.length - 1]!.index
    if (lastNew < first) return
    const kept = entries[0]!.index < first ? entries.slice(first - entries[0]!.index) : entries
    const start = kept[0]!.index
    assert(start <= this.lastIndex() + 1, () => `append: gap between last index ${this.lastIndex()} and ${start}`)
    const offset = this.log[0]!.index
    this.log = this.log.slice(0, start - offset).concat(kept)
  }

  /** Total wire bytes of the stored entries (for tests and metrics). */
  storedBytes(): number {
    let total = 0
    for (let position = 1; position < this.log.length; position++) total += entryBytes(this.log[position]!)
    return total
  }
}

function sentinel(index: number, term: number): Entry {
  return { index, term, type: 'normal', data: new Uint8Array(0) }
}

export function copyConfState(confState: ConfState): ConfState {
  return { voters: [...confState.voters], learners: [...confState.learners] }
}
