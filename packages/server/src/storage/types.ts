import type { Entry, HardState, Snapshot } from '@clustron/raft'

/**
 * Durable state of one Raft replica (one store on one node). All methods are called from one event loop, never
 * concurrently for the same instance unless stated.
 */
export interface ReplicaStorage {
  /**
   * Opens the directory: verifies checksums, truncates a torn tail (last record partially written), refuses
   * (ReplicaStorageCorruptError naming file and byte offset) on corruption before the tail. Returns what was durable.
   */
  open(): Promise<RecoveredState>
  /**
   * Buffers entries (which may overwrite a suffix: entries with index <= last index replace them) and/or a hard
   * state. Cheap; nothing is durable until sync().
   */
  append(entries: readonly Entry[], hardState: HardState | undefined): void
  /**
   * Makes everything appended so far durable with ONE fsync (group commit): write the buffered records to the
   * current segment, fdatasync it. Resolves when durable. Calls made while a sync is in progress are batched into
   * the next one. (May be called concurrently with itself.)
   */
  sync(): Promise<void>
  /**
   * Stores a snapshot durably (temp file, fsync, rename, fsync the directory), then allows removal of segments
   * wholly covered by it (index <= snapshot.metadata.index). Entries after the snapshot index stay.
   */
  saveSnapshot(snapshot: Snapshot): Promise<void>
  /**
   * Drops log entries up to and including `index` from the logical log (after a snapshot covers them); segment
   * files are deleted once none of their entries are needed.
   */
  compact(index: number): Promise<void>
  close(): Promise<void>
  /** Sizes for metrics: bytes of segments on disk, number of segments, last fsync duration in ms. */
  stats(): ReplicaStorageStats
}

export interface ReplicaStorageStats {
  segmentBytes: number
  segments: number
  lastSyncMs: number
  syncs: number
}

export interface RecoveredState {
  hardState: HardState
  snapshot: Snapshot | undefined
  /** Contiguous, after the snapshot index. */
  entries: Entry[]
}

/** Something recovery or the storage did that an operator may want to see in the log (never an error). */
export interface StorageNote {
  kind:
    | 'tornTailTruncated'
    | 'emptySegmentRemoved'
    | 'temporaryFileRemoved'
    | 'corruptSnapshotIgnored'
    | 'conflictingLogDiscarded'
    | 'unknownFileIgnored'
  file: string
  offsetBytes: number | undefined
  message: string
}

export interface ReplicaStorageOptions {
  /** A segment is closed and a new one started before a write would make it larger than this. Default 64 MiB. */
  segmentBytesMax?: number
  /** 'none' skips every fsync (tests and benchmarks only: a machine crash then loses acknowledged writes). */
  syncMode?: 'fsync' | 'none'
  /**
   * A sync splits its batch into frames of about this size, each written and fdatasynced on its own (one frame
   * is what a crash may tear, and what recovery holds in memory at once). Default 16 MiB; tests set it lower.
   */
  frameBytesMax?: number
  /** Receives notes (torn tail truncated, temporary file removed, ...), e.g. to log them. Default: dropped. */
  onNote?: (note: StorageNote) => void
}
