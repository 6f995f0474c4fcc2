/**
 * Opening a replica directory: choose the snapshot, replay the segments, repair a torn tail, and hand the
 * writer what it needs to continue (README-storage.md, "Recovery").
 */
import { readdir, rm, open } from 'node:fs/promises'
import { join } from 'node:path'
import type { HardState, Snapshot } from '@clustron/raft'
import { ReplicaStorageCorruptError } from './errors.js'
import { ensureDirectory, fsyncDirectory, type SyncMode } from './files.js'
import { LogReplay, type RecordLocation } from './log-replay.js'
import { readSegment } from './segment-reader.js'
import {
  compareSnapshotsNewestFirst,
  parseSnapshotFileName,
  readSnapshotFile,
  TEMPORARY_SUFFIX,
  type SnapshotFileName,
} from './snapshot-file.js'
import type { RecoveredState, StorageNote } from './types.js'
import { WAL_FORMAT_VERSION, type WalRecord } from './wal-format.js'

export const WAL_DIRECTORY = 'wal'
export const SNAPSHOT_DIRECTORY = 'snap'
const SEGMENT_NAME_PATTERN = /^(\d{16})\.wal$/
const INDEX_DIGITS = 16

export function segmentFileName(firstIndex: number): string {
  return `${String(firstIndex).padStart(INDEX_DIGITS, '0')}.wal`
}

/** A segment file as the writer tracks it. `maxEntryIndex` decides when compaction may delete it. */
export interface SegmentInfo {
  firstIndex: number
  path: string
  sizeBytes: number
  maxEntryIndex: number
}

export interface Recovery {
  state: RecoveredState
  segments: SegmentInfo[]
  /** Valid snapshot files, newest first (the first is `state.snapshot`). */
  snapshotFiles: SnapshotFileName[]
  /** Index of the last entry of the log (the snapshot's index when no entry follows it). */
  lastIndex: number
  /** The snapshot replaced the log but its logReset record was lost: write it before appending anything. */
  needsReset: boolean
}

interface RecoveryContext {
  walDirectory: string
  snapshotDirectory: string
  syncMode: SyncMode
  note: (note: StorageNote) => void
}

export async function recover(directory: string, syncMode: SyncMode, note: (note: StorageNote) => void): Promise<Recovery> {
  const context: RecoveryContext = {
    walDirectory: join(directory, WAL_DIRECTORY),
    snapshotDirectory: join(directory, SNAPSHOT_DIRECTORY),
    syncMode,
    note,
  }
  await ensureDirectory(context.walDirectory, syncMode)
  await ensureDirectory(context.snapshotDirectory, syncMode)
  const { snapshot, skipped, validFiles } = await loadNewestSnapshot(context)
  const snapshotIndex = snapshot?.metadata.index ?? 0
  const snapshotTerm = snapshot?.metadata.term ?? 0
  const replay = new LogReplay(snapshotIndex)
  const segments = await replaySegments(context, replay)
  const outcome = replay.finish(snapshotIndex, snapshotTerm)
  const firstSkipped = skipped[0]
  if (!outcome.ok) {
    const gap = `entries ${outcome.missingFrom}..${outcome.missingTo} are missing`
    if (firstSkipped !== undefined) throw olderSnapshotInsufficient(firstSkipped, snapshotIndex, gap)
    throw new ReplicaStorageCorruptError(outcome.location.file, outcome.location.offsetBytes,
      `the log starts after entry ${outcome.missingTo} but ${snapshot === undefined ? 'there is no snapshot' : `the snapshot ends at entry ${snapshotIndex}`}: ${gap}`)
  }
  if (outcome.discardedConflicting) {
    note({ kind: 'conflictingLogDiscarded', file: context.walDirectory, offsetBytes: undefined,
      message: `entries after snapshot ${snapshotIndex} (term ${snapshotTerm}) conflict with it and were discarded (the snapshot had been installed over them)` })
  }
  const hardState = reconcileHardState(replay.hardState, snapshot)
  if (hardState.commit > outcome.lastIndex) {
    const reason = `the hard state says entries up to ${hardState.commit} are committed, but the log ends at ${outcome.lastIndex}`
    if (firstSkipped !== undefined) throw olderSnapshotInsufficient(firstSkipped, snapshotIndex, reason)
    const location: RecordLocation = replay.hardStateLocation ?? { file: context.walDirectory, offsetBytes: 0 }
    throw new ReplicaStorageCorruptError(location.file, location.offsetBytes, reason)
  }
  for (const error of skipped) {
    note({ kind: 'corruptSnapshotIgnored', file: error.file, offsetBytes: error.offsetBytes,
      message: `${error.reason}; using the older snapshot at index ${snapshotIndex} and the log after it instead` })
  }
  return { state: { hardState, snapshot, entries: outcome.entries }, segments, snapshotFiles: validFiles, lastIndex: outcome.lastIndex, needsReset: outcome.needsReset && snapshot !== undefined }
}

function olderSnapshotInsufficient(skipped: ReplicaStorageCorruptError, olderIndex: number, why: string): ReplicaStorageCorruptError {
  return new ReplicaStorageCorruptError(skipped.file, skipped.offsetBytes,
    `${skipped.reason}; the older snapshot (index ${olderIndex}) cannot replace it because ${why}`, { cause: skipped })
}

/**
 * The hard state as of the snapshot at least: a snapshot holds only committed entries, so commit >= its index
 * (RawNode asserts it); a crash between saving an installed snapshot and persisting the hard state of the same
 * Ready leaves an older hard state behind. Raising the term clears the vote: no vote was durable in a term the
 * hard state never reached, so none was sent (votes are persisted before they are sent).
 */
function reconcileHardState(replayed: HardState | undefined, snapshot: Snapshot | undefined): HardState {
  const hardState: HardState = replayed === undefined ? { term: 0, vote: undefined, commit: 0 } : { ...replayed }
  if (snapshot === undefined) return hardState
  const { index, term } = snapshot.metadata
  if (hardState.term < term) {
    hardState.term = term
    hardState.vote = undefined
  }
  if (hardState.commit < index) hardState.commit = index
  return hardState
}

interface LoadedSnapshot {
  snapshot: Snapshot | undefined
  /** Corrupt snapshot files newer than `snapshot`, newest first. */
  skipped: ReplicaStorageCorruptError[]
  validFiles: SnapshotFileName[]
}

/**
 * Removes leftover temporary files, then returns the newest snapshot that verifies. Newer corrupt ones are
 * returned too: recovery uses the older snapshot only if the log still bridges the gap, and refuses otherwise.
 */
async function loadNewestSnapshot(context: RecoveryContext): Promise<LoadedSnapshot> {
  const files: SnapshotFileName[] = []
  let removed = false
  for (const name of await readdir(context.snapshotDirectory)) {
    const path = join(context.snapshotDirectory, name)
    const parsed = parseSnapshotFileName(name)
    if (parsed !== undefined) {
      files.push(parsed)
    } else if (name.endsWith(TEMPORARY_SUFFIX)) {
      await rm(path, { force: true })
      removed = true
      context.note({ kind: 'temporaryFileRemoved', file: path, offsetBytes: undefined, message: 'removed a snapshot left half-written by a crash' })
    } else {
      context.note({ kind: 'unknownFileIgnored', file: path, offsetBytes: undefined, message: 'not a snapshot file; left alone' })
    }
  }
  if (removed) await fsyncDirectory(context.snapshotDirectory, context.syncMode)
  files.sort(compareSnapshotsNewestFirst)
  const skipped: ReplicaStorageCorruptError[] = []
  for (const [position, file] of files.entries()) {
    try {
      const snapshot = await readSnapshotFile(join(context.snapshotDirectory, file.name), file)
      return { snapshot, skipped, validFiles: files.slice(position) }
    } catch (error) {
      if (!(error instanceof ReplicaStorageCorruptError)) throw error
      skipped.push(error)
    }
  }
  return { snapshot: undefined, skipped, validFiles: [] }
}

async function listSegments(context: RecoveryContext): Promise<SegmentInfo[]> {
  const segments: SegmentInfo[] = []
  for (const name of await readdir(context.walDirectory)) {
    const match = SEGMENT_NAME_PATTERN.exec(name)
    const path = join(context.walDirectory, name)
    if (match === null) {
      context.note({ kind: 'unknownFileIgnored', file: path, offsetBytes: undefined, message: 'not a segment file; left alone' })
      continue
    }
    segments.push({ firstIndex: Number(match[1]), path, sizeBytes: 0, maxEntryIndex: 0 })
  }
  return segments.sort((left, right) => left.firstIndex - right.firstIndex)
}

/** Replays every segment in order; truncates the torn tail of the last one, or removes it if nothing in it is valid. */
async function replaySegments(context: RecoveryContext, replay: LogReplay): Promise<SegmentInfo[]> {
  const segments = await listSegments(context)
  const kept: SegmentInfo[] = []
  for (const [position, segment] of segments.entries()) {
    const isLast = position === segments.length - 1
    let recordCount = 0
    const scan = await readSegment(segment.path, isLast, (record, offsetBytes) => {
      applyRecord(segment, record, { file: segment.path, offsetBytes }, recordCount === 0, replay)
      recordCount++
    })
    segment.sizeBytes = scan.validBytes
    if (scan.validBytes === 0) {
      if (!isLast) throw new ReplicaStorageCorruptError(segment.path, 0, 'empty segment that is not the last one')
      // Created by a rotation whose first frame never reached the disk: nothing in it was acknowledged.
      await rm(segment.path)
      await fsyncDirectory(context.walDirectory, context.syncMode)
      context.note({ kind: 'emptySegmentRemoved', file: segment.path, offsetBytes: 0, message: `removed a segment with no complete frame (${scan.fileBytes} bytes)` })
      continue
    }
    if (scan.torn !== undefined) {
      await truncateFile(segment.path, scan.validBytes, context.syncMode)
      context.note({ kind: 'tornTailTruncated', file: segment.path, offsetBytes: scan.torn.offsetBytes,
        message: `${scan.torn.reason}: a write torn by a crash; truncated ${scan.fileBytes - scan.validBytes} bytes (never acknowledged)` })
    }
    kept.push(segment)
  }
  return kept
}

function applyRecord(segment: SegmentInfo, record: WalRecord, location: RecordLocation, isFirst: boolean, replay: LogReplay): void {
  if (isFirst !== (record.kind === 'segmentHeader')) {
    throw corruptAt(location, isFirst ? `segment starts with a ${record.kind} record instead of its header` : 'segment header in the middle of a segment')
  }
  switch (record.kind) {
    case 'segmentHeader':
      if (record.version !== WAL_FORMAT_VERSION) throw corruptAt(location, `unsupported WAL format version ${record.version} (this build reads ${WAL_FORMAT_VERSION})`)
      if (record.firstIndex !== segment.firstIndex) throw corruptAt(location, `segment header says first index ${record.firstIndex}, its file name says ${segment.firstIndex}`)
      return
    case 'entry':
      replay.onEntry(record.entry, location)
      segment.maxEntryIndex = Math.max(segment.maxEntryIndex, record.entry.index)
      return
    case 'hardState':
      replay.onHardState(record.hardState, location)
      return
    case 'logReset':
      replay.onLogReset(record.index, record.term, location)
      return
  }
}

function corruptAt(location: RecordLocation, reason: string): ReplicaStorageCorruptError {
  return new ReplicaStorageCorruptError(location.file, location.offsetBytes, reason)
}

async function truncateFile(path: string, sizeBytes: number, syncMode: SyncMode): Promise<void> {
  const handle = await open(path, 'r+')
  try {
    await handle.truncate(sizeBytes)
    // Durable before new frames are appended at this offset, so the torn bytes cannot reappear after them.
    if (syncMode === 'fsync') await handle.datasync()
  } finally {
    await handle.close()
  }
}
