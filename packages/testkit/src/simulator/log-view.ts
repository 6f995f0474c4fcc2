/**
 * The logical log rebuilt from WAL-style records, with the server WAL's recovery rules
 * (packages/server/src/storage/log-replay.ts and recovery.ts): an entry at an index at or below the
 * last one replaces that suffix, a `reset` record (written when a leader's snapshot is installed
 * over a conflicting log) replaces the whole log, the last hard state wins; on recovery, entries
 * that conflict with the snapshot's (index, term) are discarded and the hard state is raised to
 * the snapshot. The fake disk keeps two views: what is durable, and what was appended (durable or not).
 */
import type { Entry, HardState, Snapshot } from '@clustron/raft'

export type DiskRecord =
  | { kind: 'entries'; entries: readonly Entry[] }
  | { kind: 'hardState'; hardState: HardState }
  | { kind: 'reset'; index: number; term: number }

export interface RecoveredLog {
  hardState: HardState
  snapshot: Snapshot | undefined
  entries: Entry[]
  /** Set when the real WAL would refuse to start (a gap, or a commit index past the log). */
  corruption?: string
}

export class LogView {
  snapshot: Snapshot | undefined
  hardState: HardState | undefined
  /** Index just before `entries[0]`. */
  base = 0
  /** Term of the entry at `base` when a reset put it there. */
  baseTerm: number | undefined
  entries: Entry[] = []

  clone(): LogView {
    const copy = new LogView()
    copy.snapshot = this.snapshot
    copy.hardState = this.hardState
    copy.base = this.base
    copy.baseTerm = this.baseTerm
    copy.entries = [...this.entries]
    return copy
  }

  get snapshotIndex(): number {
    return this.snapshot?.metadata.index ?? 0
  }

  lastEntryIndex(): number {
    return this.base + this.entries.length
  }

  /** The last index this log covers (entries or snapshot). */
  lastIndex(): number {
    return Math.max(this.snapshotIndex, this.lastEntryIndex())
  }

  /** The term recovery would start in (the hard state's, raised to the snapshot's). */
  durableTerm(): number {
    return Math.max(this.hardState?.term ?? 0, this.snapshot?.metadata.term ?? 0)
  }

  /** Term at `index` from the entries (or the reset base), else from the snapshot. */
  term(index: number): number | undefined {
    if (index > this.base && index <= this.lastEntryIndex()) return this.entries[index - this.base - 1]!.term
    if (index === this.base && this.baseTerm !== undefined) return this.baseTerm
    if (this.snapshot !== undefined && index === this.snapshot.metadata.index) return this.snapshot.metadata.term
    return undefined
  }

  /** Applies one record; returns a description of a broken WAL rule, if any. */
  apply(record: DiskRecord): string | undefined {
    switch (record.kind) {
      case 'hardState':
        this.hardState = { ...record.hardState }
        return undefined
      case 'reset':
        this.base = record.index
        this.baseTerm = record.term
        this.entries = []
        return undefined
      case 'entries':
        for (const entry of record.entries) {
          const problem = this.#applyEntry(entry)
          if (problem !== undefined) return problem
        }
        return undefined
    }
  }

  #applyEntry(entry: Entry): string | undefined {
    if (this.entries.length === 0 && this.baseTerm === undefined) {
      // The first entry replayed: the log starts here.
      this.base = entry.index - 1
      this.entries.push(entry)
      return undefined
    }
    if (entry.index <= this.base) return `entry ${entry.index} is at or below index ${this.base}, where the log was reset`
    if (entry.index > this.lastEntryIndex() + 1) return `entry ${entry.index} leaves a gap after entry ${this.lastEntryIndex()}`
    this.entries.length = entry.index - this.base - 1
    this.entries.push(entry)
    return undefined
  }

  /** What a restart reads back: the WAL's `finish` and `reconcileHardState`. */
  recover(): RecoveredLog {
    const snapshot = this.snapshot
    const snapshotIndex = snapshot?.metadata.index ?? 0
    const snapshotTerm = snapshot?.metadata.term ?? 0
    let entries = this.entries.filter((entry) => entry.index > snapshotIndex)
    const termAtSnapshot = snapshotIndex === 0 ? 0 : this.logTerm(snapshotIndex)
    // The log holds the snapshot's index with another term: it was installed over a deposed leader's log.
    if (termAtSnapshot !== undefined && termAtSnapshot !== snapshotTerm) entries = []
    let corruption: string | undefined
    if (entries.length > 0 && entries[0]!.index !== snapshotIndex + 1) corruption = `the log starts at ${entries[0]!.index} but the snapshot ends at ${snapshotIndex}`
    const hardState: HardState = this.hardState === undefined ? { term: 0, vote: undefined, commit: 0 } : { ...this.hardState }
    if (snapshot !== undefined) {
      if (hardState.term < snapshotTerm) {
        hardState.term = snapshotTerm
        hardState.vote = undefined
      }
      if (hardState.commit < snapshotIndex) hardState.commit = snapshotIndex
    }
    const lastIndex = Math.max(snapshotIndex, entries[entries.length - 1]?.index ?? 0)
    if (hardState.commit > lastIndex) corruption ??= `the hard state says ${hardState.commit} is committed but the log ends at ${lastIndex}`
    return corruption === undefined ? { hardState, snapshot, entries } : { hardState, snapshot, entries, corruption }
  }

  /** Term from the log records only (not the snapshot). */
  logTerm(index: number): number | undefined {
    if (index > this.base && index <= this.lastEntryIndex()) return this.entries[index - this.base - 1]!.term
    if (index === this.base && this.baseTerm !== undefined) return this.baseTerm
    return undefined
  }
}
