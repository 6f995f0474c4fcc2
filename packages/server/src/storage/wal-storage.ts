/**
 * The file-backed ReplicaStorage: a WAL of checksummed frames in append-only segments, plus snapshot files.
 * README-storage.md is the specification of the format, the recovery rules and the durability argument.
 */
import { open, readdir, rm, type FileHandle } from 'node:fs/promises'
import { join } from 'node:path'
import { SnapshotOutOfDateError, type Entry, type HardState, type Snapshot } from '@clustron/raft'
import {
  assert,
  ReplicaStorageClosedError,
  ReplicaStorageCorruptError,
  ReplicaStorageFailedError,
  StorageAssertionError,
} from './errors.js'
import { fsyncDirectory, writeFully, type SyncMode } from './files.js'
import { recover, segmentFileName, SNAPSHOT_DIRECTORY, WAL_DIRECTORY, type Recovery, type SegmentInfo } from './recovery.js'
import { compareSnapshotsNewestFirst, parseSnapshotFileName, writeSnapshotFile, type SnapshotFileName } from './snapshot-file.js'
import { TermRuns } from './term-runs.js'
import type { RecoveredState, ReplicaStorage, ReplicaStorageOptions, ReplicaStorageStats, StorageNote } from './types.js'
import { FrameBuilder } from './wal-format.js'

export const SEGMENT_BYTES_MAX_DEFAULT = 64 * 1024 * 1024
export const FRAME_BYTES_MAX_DEFAULT = 16 * 1024 * 1024
/** Snapshot files kept after a new one is saved: the newest and one older, in case the newest is damaged later. */
export const SNAPSHOTS_RETAINED = 2

/** Opens nothing yet: call `open()` (constructors do no I/O). */
export function openReplicaStorage(directory: string, options: ReplicaStorageOptions = {}): ReplicaStorage {
  return new WalReplicaStorage(directory, options)
}

type Lifecycle = 'new' | 'opening' | 'open' | 'closed'

interface Deferred {
  promise: Promise<void>
  resolve: () => void
  reject: (error: unknown) => void
}

class WalReplicaStorage implements ReplicaStorage {
  private readonly directory: string
  private readonly walDirectory: string
  private readonly snapshotDirectory: string
  private readonly segmentBytesMax: number
  private readonly frameBytesMax: number
  private readonly syncMode: SyncMode
  private readonly note: (note: StorageNote) => void
  private lifecycle: Lifecycle = 'new'
  private failure: ReplicaStorageFailedError | undefined = undefined

  // The logical log as appended (durable or not): the term of every index from compactedIndex (whose term the
  // next snapshot match may need) to the last entry. Entries themselves are not kept: the driver has them.
  private readonly terms = new TermRuns()
  private compactedIndex = 0
  private snapshotIndex = 0
  private snapshotFiles: SnapshotFileName[] = []
  private snapshotInProgress = false

  // Files. The last segment is the current one, open in `currentHandle`; only it is ever written.
  private segments: SegmentInfo[] = []
  private currentHandle: FileHandle | undefined = undefined
  /** Encoded records not yet written, split into frames of about frameBytesMax. */
  private pending: FrameBuilder[] = []
  private writtenHardState: HardState | undefined = undefined
  private writtenLastIndex = 0

  // Group commit: at most one flush runs; sync() calls during it share the one queued after it.
  private flushing: Promise<void> | undefined = undefined
  private queued: Deferred | undefined = undefined
  private fileOperations: Promise<unknown> = Promise.resolve()
  private syncCount = 0
  private lastSyncMs = 0

  constructor(directory: string, options: ReplicaStorageOptions) {
    this.directory = directory
    this.walDirectory = join(directory, WAL_DIRECTORY)
    this.snapshotDirectory = join(directory, SNAPSHOT_DIRECTORY)
    this.segmentBytesMax = options.segmentBytesMax ?? SEGMENT_BYTES_MAX_DEFAULT
    this.frameBytesMax = options.frameBytesMax ?? FRAME_BYTES_MAX_DEFAULT
    this.syncMode = options.syncMode ?? 'fsync'
    this.note = options.onNote ?? (() => undefined)
    assert(Number.isSafeInteger(this.segmentBytesMax) && this.segmentBytesMax > 0, 'segmentBytesMax must be a positive integer')
    assert(Number.isSafeInteger(this.frameBytesMax) && this.frameBytesMax > 0, 'frameBytesMax must be a positive integer')
  }

  async open(): Promise<RecoveredState> {
    assert(this.lifecycle === 'new', 'open() may be called only once per instance')
    this.lifecycle = 'opening'
    try {
      const recovery = await recover(this.directory, this.syncMode, this.note)
      this.initialize(recovery)
      const current = this.segments[this.segments.length - 1]
      if (current !== undefined) this.currentHandle = await open(current.path, 'r+')
      this.lifecycle = 'open'
      const snapshot = recovery.state.snapshot
      if (recovery.needsReset && snapshot !== undefined) {
        this.frameForNextRecord().addLogReset(snapshot.metadata.index, snapshot.metadata.term)
        await this.sync()
      }
      return recovery.state
    } catch (error) {
      this.lifecycle = 'closed'
      if (error instanceof ReplicaStorageCorruptError || error instanceof StorageAssertionError) throw error
      throw new ReplicaStorageFailedError(`cannot open replica storage in ${this.directory}: ${String(error)}`, { cause: error })
    }
  }

  private initialize(recovery: Recovery): void {
    const { snapshot, entries, hardState } = recovery.state
    this.snapshotIndex = snapshot?.metadata.index ?? 0
    this.compactedIndex = this.snapshotIndex
    this.terms.reset(this.snapshotIndex, snapshot?.metadata.term ?? 0)
    for (const entry of entries) this.terms.append(entry.index, entry.term)
    this.segments = recovery.segments
    this.snapshotFiles = recovery.snapshotFiles
    this.writtenHardState = hardState.term > 0 || hardState.commit > 0 ? hardState : undefined
    this.writtenLastIndex = recovery.lastIndex
  }

  append(entries: readonly Entry[], hardState: HardState | undefined): void {
    this.assertWritable('append')
    if (entries.length > 0) this.appendEntries(entries)
    if (hardState !== undefined) {
      assert(hardState.vote !== '', 'hard state vote is the empty string; use undefined for no vote')
      assert(Number.isSafeInteger(hardState.term) && Number.isSafeInteger(hardState.commit), 'hard state term and commit must be integers')
      this.frameForNextRecord().addHardState(hardState)
    }
  }

  private appendEntries(entries: readonly Entry[]): void {
    const first = entries[0]!.index
    // Entries up to the snapshot index are committed (a snapshot holds only applied entries): never rewritten.
    assert(first > this.snapshotIndex, () => `append: entry ${first} is at or below the snapshot index ${this.snapshotIndex}`)
    assert(first <= this.terms.lastIndex() + 1, () => `append: entry ${first} leaves a gap after the last entry ${this.terms.lastIndex()}`)
    let previousTerm = this.terms.termAt(first - 1)!
    for (const [offset, entry] of entries.entries()) {
      assert(entry.index === first + offset, () => `append: entries are not contiguous at ${entry.index}`)
      assert(Number.isSafeInteger(entry.term) && entry.term >= 1 && entry.term >= previousTerm,
        () => `append: entry ${entry.index} has term ${entry.term} after term ${previousTerm}; terms never decrease along the log`)
      assert(entry.type === 'normal' || entry.type === 'confChange', () => `append: entry ${entry.index} has type ${String(entry.type)}`)
      previousTerm = entry.term
    }
    for (const entry of entries) {
      this.terms.append(entry.index, entry.term)
      this.frameForNextRecord().addEntry(entry)
    }
  }

  private frameForNextRecord(): FrameBuilder {
    let frame = this.pending[this.pending.length - 1]
    if (frame === undefined || frame.bodyBytes >= this.frameBytesMax) {
      frame = new FrameBuilder()
      this.pending.push(frame)
    }
    return frame
  }

  sync(): Promise<void> {
    const unusable = this.unusableError('sync')
    if (unusable !== undefined) return Promise.reject(unusable)
    if (this.flushing === undefined) return this.pending.length === 0 ? Promise.resolve() : this.startFlush()
    if (this.queued !== undefined) return this.queued.promise
    // Nothing appended since the running flush took the batch: that flush is what makes it durable.
    if (this.pending.length === 0) return this.flushing
    this.queued = deferred()
    return this.queued.promise
  }

  private startFlush(): Promise<void> {
    const frames = this.pending
    this.pending = []
    const flush = this.serialized(() => this.writeFrames(frames))
    this.flushing = flush
    void flush.then(() => this.afterFlush(), () => this.afterFlush())
    return flush
  }

  private afterFlush(): void {
    this.flushing = undefined
    const queued = this.queued
    this.queued = undefined
    if (queued === undefined) return
    if (this.failure !== undefined) queued.reject(this.failure)
    else if (this.pending.length === 0) queued.resolve()
    else this.startFlush().then(queued.resolve, queued.reject)
  }

  /** One flush: each frame is one write then one fdatasync (normally a sync is one frame). */
  private async writeFrames(frames: readonly FrameBuilder[]): Promise<void> {
    const startedMs = performance.now()
    try {
      for (const frame of frames) await this.writeFrame(frame)
    } catch (error) {
      throw this.fail(error, 'writing the WAL')
    }
    this.lastSyncMs = performance.now() - startedMs
    this.syncCount++
  }

  private async writeFrame(frame: FrameBuilder): Promise<void> {
    let segment = this.segments[this.segments.length - 1]
    let bytes: Buffer
    const rotate = segment === undefined || this.currentHandle === undefined || segment.sizeBytes + frame.frameBytes > this.segmentBytesMax
    if (rotate) {
      segment = await this.startSegment(frame)
      // The preamble repeats the hard state so that deleting older segments never loses the latest one.
      const withPreamble = new FrameBuilder(frame.frameBytes + 256)
      withPreamble.addSegmentHeader(segment.firstIndex)
      if (this.writtenHardState !== undefined) withPreamble.addHardState(this.writtenHardState)
      withPreamble.appendRecordsOf(frame)
      bytes = withPreamble.seal()
    } else {
      bytes = frame.seal()
    }
    const current = segment!
    await writeFully(this.currentHandle!, bytes, current.sizeBytes)
    current.sizeBytes += bytes.length
    current.maxEntryIndex = Math.max(current.maxEntryIndex, frame.maxEntryIndex)
    if (this.syncMode === 'fsync') {
      await this.currentHandle!.datasync()
      if (rotate) await fsyncDirectory(this.walDirectory, this.syncMode)
    }
    if (frame.lastHardState !== undefined) this.writtenHardState = frame.lastHardState
    if (frame.logLastIndex !== undefined) this.writtenLastIndex = frame.logLastIndex
  }

  /** Creates the next segment, named by its first entry's index (forced above the previous name: names order segments). */
  private async startSegment(frame: FrameBuilder): Promise<SegmentInfo> {
    const previous = this.segments[this.segments.length - 1]
    const firstIndex = Math.max(frame.firstEntryIndex ?? this.writtenLastIndex + 1, (previous?.firstIndex ?? 0) + 1)
    const path = join(this.walDirectory, segmentFileName(firstIndex))
    const handle = await open(path, 'wx')
    const previousHandle = this.currentHandle
    this.currentHandle = handle
    const segment: SegmentInfo = { firstIndex, path, sizeBytes: 0, maxEntryIndex: 0 }
    this.segments.push(segment)
    await previousHandle?.close()
    return segment
  }

  async saveSnapshot(snapshot: Snapshot): Promise<void> {
    this.assertWritable('saveSnapshot')
    const { index, term } = snapshot.metadata
    assert(Number.isSafeInteger(index) && index >= 1 && Number.isSafeInteger(term) && term >= 1, () => `saveSnapshot: invalid index ${index} / term ${term}`)
    if (index <= this.snapshotIndex) throw new SnapshotOutOfDateError(`snapshot at ${index} is not newer than the stored one at ${this.snapshotIndex}`)
    this.snapshotInProgress = true
    try {
      const name = await this.failOnError(() => writeSnapshotFile(this.snapshotDirectory, snapshot, this.syncMode), 'writing a snapshot')
      this.snapshotIndex = index
      this.snapshotFiles.unshift(parseSnapshotFileName(name)!)
      if (this.terms.termAt(index) !== term) {
        // The log lacks the snapshot's last entry: Raft installed a leader's snapshot over a log it replaces.
        // Record that in the WAL (after the snapshot file is durable) so recovery drops the replaced entries.
        this.terms.reset(index, term)
        this.compactedIndex = index
        this.frameForNextRecord().addLogReset(index, term)
        await this.sync()
      }
      await this.serialized(() => this.failOnError(() => this.removeOldSnapshots(), 'removing old snapshots'))
    } finally {
      this.snapshotInProgress = false
    }
  }

  /** Keeps the SNAPSHOTS_RETAINED newest valid snapshots; removes every other snapshot file older than the newest. */
  private async removeOldSnapshots(): Promise<void> {
    const retained = this.snapshotFiles.slice(0, SNAPSHOTS_RETAINED)
    const newest = retained[0]!
    this.snapshotFiles = retained
    let removed = false
    for (const name of await readdir(this.snapshotDirectory)) {
      const file = parseSnapshotFileName(name)
      if (file === undefined || retained.some((kept) => kept.name === name)) continue
      if (compareSnapshotsNewestFirst(newest, file) >= 0) continue
      await rm(join(this.snapshotDirectory, name), { force: true })
      removed = true
    }
    if (removed) await fsyncDirectory(this.snapshotDirectory, this.syncMode)
  }

  async compact(index: number): Promise<void> {
    this.assertWritable('compact')
    assert(index <= this.snapshotIndex, () => `compact(${index}) is past the snapshot index ${this.snapshotIndex}: only entries a snapshot covers may be dropped`)
    if (index <= this.compactedIndex) return
    this.terms.compactTo(index)
    this.compactedIndex = index
    await this.serialized(() => this.failOnError(() => this.deleteCoveredSegments(index), 'deleting compacted segments'))
  }

  /**
   * Deletes the oldest segments whose entries are all <= `index`, never the current one. Recovery can start
   * from any later segment: its preamble holds the hard state, and entries <= index are in the snapshot.
   */
  private async deleteCoveredSegments(index: number): Promise<void> {
    let count = 0
    while (count < this.segments.length - 1 && this.segments[count]!.maxEntryIndex <= index) count++
    if (count === 0) return
    for (const segment of this.segments.splice(0, count)) await rm(segment.path, { force: true })
    await fsyncDirectory(this.walDirectory, this.syncMode)
  }

  async close(): Promise<void> {
    if (this.lifecycle === 'closed') return
    assert(this.lifecycle !== 'opening' && !this.snapshotInProgress, 'close() while open() or saveSnapshot() is in progress')
    try {
      if (this.lifecycle === 'open' && this.failure === undefined) await this.sync()
    } finally {
      this.lifecycle = 'closed'
      await this.serialized(async () => {
        await this.currentHandle?.close()
        this.currentHandle = undefined
      })
    }
  }

  stats(): ReplicaStorageStats {
    let segmentBytes = 0
    for (const segment of this.segments) segmentBytes += segment.sizeBytes
    return { segmentBytes, segments: this.segments.length, lastSyncMs: this.lastSyncMs, syncs: this.syncCount }
  }

  private unusableError(method: string): Error | undefined {
    if (this.lifecycle === 'closed') return new ReplicaStorageClosedError(`${method}: the replica storage is closed`)
    assert(this.lifecycle === 'open', () => `${method}: call open() first`)
    return this.failure
  }

  private assertWritable(method: string): void {
    const unusable = this.unusableError(method)
    if (unusable !== undefined) throw unusable
    assert(!this.snapshotInProgress, () => `${method} was called while saveSnapshot() is in progress`)
  }

  /** Runs file operations one at a time (flushes, segment deletion, snapshot cleanup touch the same files). */
  private serialized<T>(operation: () => Promise<T>): Promise<T> {
    const result = this.fileOperations.then(operation)
    this.fileOperations = result.then(() => undefined, () => undefined)
    return result
  }

  private async failOnError<T>(operation: () => Promise<T>, doing: string): Promise<T> {
    try {
      return await operation()
    } catch (error) {
      throw this.fail(error, doing)
    }
  }

  private fail(error: unknown, doing: string): ReplicaStorageFailedError {
    if (error instanceof ReplicaStorageFailedError) return error
    this.failure ??= new ReplicaStorageFailedError(`replica storage failed while ${doing} (${String(error)}); restart the node to recover from disk`, { cause: error })
    return this.failure
  }
}

function deferred(): Deferred {
  let resolve: () => void = () => undefined
  let reject: (error: unknown) => void = () => undefined
  const promise = new Promise<void>((resolvePromise, rejectPromise) => {
    resolve = resolvePromise
    reject = rejectPromise
  })
  return { promise, resolve, reject }
}
