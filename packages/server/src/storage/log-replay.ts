import type { Entry, HardState } from '@clustron/raft'
import { ReplicaStorageCorruptError } from './errors.js'
import { TermRuns } from './term-runs.js'

/** Where a record was read: for error messages that tell the operator which bytes are wrong. */
export interface RecordLocation {
  file: string
  offsetBytes: number
}

/** The log as replay ended, measured against the snapshot recovery chose. */
export type ReplayOutcome =
  | { ok: true; entries: Entry[]; lastIndex: number; discardedConflicting: boolean; needsReset: boolean }
  /** Entries [missingFrom, missingTo] are neither in the snapshot nor in the log. */
  | { ok: false; missingFrom: number; missingTo: number; location: RecordLocation }

/**
 * Rebuilds the logical log from WAL records in the order they were written (README-storage.md, "Recovery"):
 * an entry at an index <= the last one replaces that suffix, a logReset record replaces the whole log with a
 * snapshot's (index, term), and the last hard state wins. Only entries after `snapshotIndex` are kept in memory;
 * the terms of the others are kept as runs so that the snapshot can be matched against the log at the end.
 */
export class LogReplay {
  hardState: HardState | undefined = undefined
  hardStateLocation: RecordLocation | undefined = undefined
  private readonly terms = new TermRuns()
  /** Index just before the first replayed entry; undefined until the first entry or reset. */
  private base: number | undefined = undefined
  /** Whether `base` came from a logReset record (entries at or below it are then a corruption). */
  private baseFromReset = false
  private baseLocation: RecordLocation | undefined = undefined
  private entries: Entry[] = []

  constructor(private readonly snapshotIndex: number) {}

  onEntry(entry: Entry, location: RecordLocation): void {
    const restart = this.base === undefined || (entry.index <= this.base && !this.baseFromReset)
    if (restart) {
      // The first entry replayed, or one overwriting entries whose segments compaction already deleted
      // (they were all covered by a snapshot): the log restarts here.
      this.base = entry.index - 1
      this.baseFromReset = false
      this.baseLocation = location
    } else if (entry.index <= this.base!) {
      throw new ReplicaStorageCorruptError(location.file, location.offsetBytes, `entry ${entry.index} is at or below index ${this.base} that the log was reset to by a snapshot`)
    } else if (entry.index > this.terms.lastIndex() + 1) {
      throw new ReplicaStorageCorruptError(location.file, location.offsetBytes, `entry ${entry.index} leaves a gap after entry ${this.terms.lastIndex()}`)
    }
    this.terms.append(entry.index, entry.term)
    this.dropKeptFrom(entry.index)
    if (entry.index > this.snapshotIndex) this.entries.push(entry)
  }

  onLogReset(index: number, term: number, location: RecordLocation): void {
    this.terms.reset(index, term)
    this.base = index
    this.baseFromReset = true
    this.baseLocation = location
    this.entries = []
  }

  onHardState(hardState: HardState, location: RecordLocation): void {
    this.hardState = hardState
    this.hardStateLocation = location
  }

  /**
   * Measures the replayed log against the chosen snapshot (index 0, term 0 for none). Entries after the
   * snapshot are kept when the log holds the snapshot's index with the snapshot's term (log matching: the
   * logs agree up to there) or does not reach it. When the log holds a different term there, a snapshot was
   * installed over a conflicting log and the crash came before its logReset record was durable: the log after
   * the snapshot is from a deposed leader and is discarded, as the logReset would have done.
   */
  finish(snapshotIndex: number, snapshotTerm: number): ReplayOutcome {
    if (this.base === undefined) return { ok: true, entries: [], lastIndex: snapshotIndex, discardedConflicting: false, needsReset: false }
    if (this.base > snapshotIndex) {
      return { ok: false, missingFrom: snapshotIndex + 1, missingTo: this.base, location: this.baseLocation! }
    }
    const termAtSnapshot = snapshotIndex === 0 ? 0 : this.terms.termAt(snapshotIndex)
    // The log does not hold the snapshot's last entry (it ends before it, or has another term there): the
    // snapshot replaced it, and the logReset record that says so did not become durable. The caller writes
    // that record now; otherwise entries appended after the snapshot would be read against the old log next
    // time (a gap, or a conflict that discards them). Found by the simulator (seeds 17863, 32925 with 5 nodes).
    const endsBefore = this.terms.lastIndex() < snapshotIndex
    const conflicts = termAtSnapshot !== undefined && termAtSnapshot !== snapshotTerm
    if (endsBefore || conflicts) {
      return { ok: true, entries: [], lastIndex: snapshotIndex, discardedConflicting: conflicts && this.entries.length > 0, needsReset: true }
    }
    return { ok: true, entries: this.entries, lastIndex: Math.max(snapshotIndex, this.terms.lastIndex()), discardedConflicting: false, needsReset: false }
  }

  /** Drops kept entries at `index` and above (they are being overwritten). */
  private dropKeptFrom(index: number): void {
    const first = this.entries[0]
    if (first === undefined) return
    if (index <= first.index) this.entries = []
    else if (index - first.index < this.entries.length) this.entries.length = index - first.index
  }
}
