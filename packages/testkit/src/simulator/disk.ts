/**
 * The fake disk of one node, implementing the replica's DurableLog with the server WAL's contract
 * (packages/server/src/storage/types.ts). Appended records are volatile until a `sync()` issued
 * after them completes, which takes simulated time; a crash drops every volatile record, except
 * that sometimes a prefix of them had reached the platter (the record at the cut is torn, which
 * recovery truncates: the same as a shorter prefix). A snapshot becomes durable atomically when its
 * `saveSnapshot` completes; installing one over a log that lacks its last entry writes a `reset`
 * record and syncs it, as the WAL does.
 *
 * The disk outlives the replicas that use it: each incarnation gets its own handle, and a crashed
 * incarnation's handle (and its pending completions) goes dead, so a zombie can never write.
 * It also checks the WAL's preconditions (the WAL asserts them; a violation is a replica bug).
 */
import type { DurableLog } from '@clustron/server/internal'
import type { Entry, HardState, Snapshot } from '@clustron/raft'
import type { EventLoop } from './event-loop.js'
import { LogView, type DiskRecord, type RecoveredLog } from './log-view.js'
import type { Random } from './random.js'

export interface DiskObserver {
  /** A precondition of the WAL was broken, or recovery would refuse to start. */
  onProblem(node: string, description: string): void
  onSnapshotSaved(node: string, snapshot: Snapshot): void
}

export interface DiskStats {
  syncs: number
  snapshots: number
  crashes: number
  /** Volatile records dropped by crashes. */
  recordsLost: number
  /** Crashes where part of the unsynced tail survived (the rest torn off). */
  tornCrashes: number
}

interface VolatileRecord {
  sequence: number
  record: DiskRecord
}

/** Probability that some unsynced records survive a crash (written, just not fsynced). */
const partialWriteRate = 0.3

export class SimDisk {
  /** What survives a crash. */
  readonly durable = new LogView()
  /** Everything appended (durable or not): what the replica believes it wrote. */
  logical = new LogView()
  /** Multiplies every latency (a slow-disk fault sets it above 1). */
  slowFactor = 1
  readonly stats: DiskStats = { syncs: 0, snapshots: 0, crashes: 0, recordsLost: 0, tornCrashes: 0 }
  #volatile: VolatileRecord[] = []
  #nextSequence = 1

  constructor(
    readonly node: string,
    private readonly loop: EventLoop,
    private readonly random: Random,
    private readonly observer: DiskObserver,
  ) {}

  /**
   * The DurableLog of one incarnation; it stops doing anything once `alive()` turns false. The
   * device completes writes on its own; the process learns of it through `run` (its gate: deferred
   * while the process is paused).
   */
  handle(alive: () => boolean, run: (callback: () => void) => void = (callback) => callback()): DurableLog {
    const never = () => new Promise<void>(() => {})
    return {
      open: async () => {
        const recovered = this.recover()
        if (recovered.corruption !== undefined) this.observer.onProblem(this.node, `recovery would refuse to start: ${recovered.corruption}`)
        return { hardState: recovered.hardState, snapshot: recovered.snapshot, entries: recovered.entries }
      },
      append: (entries, hardState) => {
        if (alive()) this.append(entries, hardState)
      },
      sync: () => (alive() ? this.sync(alive, run) : never()),
      saveSnapshot: (snapshot) => (alive() ? this.saveSnapshot(snapshot, alive, run) : never()),
      compact: (index) => {
        if (!alive()) return never()
        if (index > this.logical.snapshotIndex) this.#problem(`compact(${index}) is past the snapshot index ${this.logical.snapshotIndex}`)
        return Promise.resolve()
      },
      close: () => (alive() ? this.sync(alive, run) : never()),
    }
  }

  /** What a restart reads back (durable state only). */
  recover(): RecoveredLog {
    return this.durable.recover()
  }

  append(entries: readonly Entry[], hardState: HardState | undefined): void {
    if (entries.length > 0) {
      const valid = this.#checkEntries(entries)
      this.#push({ kind: 'entries', entries: [...entries] }, valid)
    }
    if (hardState !== undefined) {
      this.#checkHardState(hardState)
      this.#push({ kind: 'hardState', hardState: { ...hardState } })
    }
  }

  /** Resolves once every record appended before the call is durable (group commit). */
  sync(alive: () => boolean, run: (callback: () => void) => void = (callback) => callback()): Promise<void> {
    const upTo = this.#nextSequence - 1
    return new Promise<void>((resolve) => {
      this.loop.schedule(this.#latency(0.1, 1), `disk ${this.node} sync`, () => {
        if (!alive()) return
        this.#makeDurable(upTo)
        this.stats.syncs++
        run(resolve)
      })
    })
  }

  saveSnapshot(snapshot: Snapshot, alive: () => boolean, run: (callback: () => void) => void = (callback) => callback()): Promise<void> {
    const { index, term } = snapshot.metadata
    if (index <= this.logical.snapshotIndex) this.#problem(`saveSnapshot(${index}) is not newer than the stored snapshot ${this.logical.snapshotIndex}`)
    return new Promise<void>((resolve) => {
      this.loop.schedule(this.#latency(1, 4), `disk ${this.node} snapshot ${index}`, () => {
        if (!alive()) return
        // Atomic: the snapshot file is renamed into place.
        this.durable.snapshot = snapshot
        this.logical.snapshot = snapshot
        this.stats.snapshots++
        this.observer.onSnapshotSaved(this.node, snapshot)
        run(() => {
          if (this.logical.logTerm(index) === term) {
            resolve()
            return
          }
          // The log lacks the snapshot's last entry: a leader's snapshot replaces it (the WAL's logReset).
          this.#push({ kind: 'reset', index, term })
          void this.sync(alive, run).then(resolve)
        })
      })
    })
  }

  /** Drops what was not synced (sometimes keeping a prefix that made it to the platter). */
  crash(): void {
    this.stats.crashes++
    if (this.#volatile.length > 0 && this.random.chance(partialWriteRate)) {
      // Records before the cut reached the disk; the one at the cut is torn and truncated by recovery.
      const kept = this.random.int(0, this.#volatile.length - 1)
      for (const { record } of this.#volatile.slice(0, kept)) this.#applyDurable(record)
      this.stats.tornCrashes++
      this.stats.recordsLost += this.#volatile.length - kept
    } else {
      this.stats.recordsLost += this.#volatile.length
    }
    this.#volatile = []
    this.logical = this.durable.clone()
  }

  get volatileRecords(): number {
    return this.#volatile.length
  }

  /** Appends a volatile record (`report`: say so if replaying it breaks a rule not reported yet). */
  #push(record: DiskRecord, report = true): void {
    this.#volatile.push({ sequence: this.#nextSequence++, record })
    const problem = this.logical.apply(record)
    if (problem !== undefined && report) this.#problem(`append: ${problem}`)
  }

  #makeDurable(upTo: number): void {
    while (this.#volatile.length > 0 && this.#volatile[0]!.sequence <= upTo) this.#applyDurable(this.#volatile.shift()!.record)
  }

  #applyDurable(record: DiskRecord): void {
    const problem = this.durable.apply(record)
    if (problem !== undefined) this.#problem(`durable replay: ${problem}`)
  }

  /** The WAL's append preconditions; false (reported) when one is broken. */
  #checkEntries(entries: readonly Entry[]): boolean {
    const log = this.logical
    const first = entries[0]!.index
    const problems: string[] = []
    const lostReset = this.#lostReset(first)
    if (lostReset !== undefined) problems.push(lostReset)
    if (first <= log.snapshotIndex) problems.push(`entry ${first} is at or below the snapshot index ${log.snapshotIndex}`)
    if (first > log.lastIndex() + 1) problems.push(`entry ${first} leaves a gap after ${log.lastIndex()}`)
    let previousTerm = log.term(first - 1) ?? 0
    for (const [offset, entry] of entries.entries()) {
      if (entry.index !== first + offset) problems.push(`entries are not contiguous at ${entry.index}`)
      if (entry.term < previousTerm) problems.push(`entry ${entry.index} has term ${entry.term} after term ${previousTerm}`)
      previousTerm = entry.term
    }
    for (const problem of problems) this.#problem(`append: ${problem}`)
    return problems.length === 0
  }

  /**
   * Entries appended right after the snapshot must survive recovery, so the log records must agree
   * with the snapshot there (or hold nothing at all). They do not when the snapshot was installed over
   * another log and the crash came after the snapshot file was durable but before its reset record
   * was: recovery then ignores the old log in memory but writes no reset, and the next recovery reads
   * the old records again (packages/server/src/storage: a gap makes it refuse to start; a conflicting
   * term at the snapshot index makes it discard everything after it, acknowledged entries included).
   */
  #lostReset(first: number): string | undefined {
    const log = this.logical
    const snapshot = log.snapshot
    if (snapshot === undefined || first !== snapshot.metadata.index + 1) return undefined
    const { index, term } = snapshot.metadata
    const hasLog = log.entries.length > 0 || log.baseTerm !== undefined
    const logTerm = log.logTerm(index)
    if (hasLog && log.lastEntryIndex() < index) {
      return `entries appended after snapshot ${term}/${index} follow a log that ends at ${log.lastEntryIndex()}: the snapshot's reset record was lost in a crash and recovery did not write it again, so the next recovery will find a gap and refuse to start`
    }
    if (logTerm !== undefined && logTerm !== term) {
      return `entries appended after snapshot ${term}/${index} follow a log that holds term ${logTerm} at ${index}: the snapshot's reset record was lost in a crash and recovery did not write it again, so the next recovery will discard these entries`
    }
    return undefined
  }

  /** Term never goes back; a vote, once written for a term, never changes; commit never goes back. */
  #checkHardState(hardState: HardState): void {
    const previous = this.logical.hardState
    if (previous === undefined) return
    if (hardState.term < previous.term) this.#problem(`hard state term went back from ${previous.term} to ${hardState.term}`)
    if (hardState.term === previous.term && previous.vote !== undefined && hardState.vote !== previous.vote) {
      this.#problem(`vote changed within term ${hardState.term}: ${previous.vote} → ${String(hardState.vote)}`)
    }
    if (hardState.commit < previous.commit) this.#problem(`hard state commit went back from ${previous.commit} to ${hardState.commit}`)
  }

  #problem(description: string): void {
    this.observer.onProblem(this.node, description)
  }

  #latency(minimumMs: number, jitterMs: number): number {
    let latency = minimumMs + this.random.next() * jitterMs
    // Now and then an fsync stalls (a busy device).
    if (this.random.chance(0.01)) latency += this.random.between(10, 60)
    return latency * this.slowFactor
  }
}
