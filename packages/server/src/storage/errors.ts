/**
 * Errors of the replica storage. Two kinds, kept apart as in @clustron/raft:
 * - `StorageAssertionError`: a bug (the driver misused the API, or an invariant broke). Never caught here and
 *   never disabled: writing on after a broken invariant could make the log disagree with what Raft believes.
 * - `ReplicaStorageError` subclasses: operating conditions (corrupt files, a failed disk, use after close),
 *   each with a stable `code`.
 */

export class StorageAssertionError extends Error {
  override readonly name = 'StorageAssertionError'
  readonly code = 'STORAGE_ASSERTION'
}

/** Throws a StorageAssertionError when `condition` is false. Stays on in production. */
export function assert(condition: boolean, message: string | (() => string)): asserts condition {
  if (!condition) throw new StorageAssertionError(typeof message === 'string' ? message : message())
}

export type ReplicaStorageErrorCode = 'STORAGE_CORRUPT' | 'STORAGE_CLOSED' | 'STORAGE_FAILED'

export abstract class ReplicaStorageError extends Error {
  abstract readonly code: ReplicaStorageErrorCode
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options)
  }
}

/** What the operator should do when a replica's files cannot be trusted. Part of every corruption message. */
export const CORRUPTION_ADVICE =
  'The replica refuses to start because its data cannot be trusted. Move its data directory aside (keep it ' +
  'for diagnosis), then re-add this node as a new member: remove it from the cluster (`clustron members ' +
  'remove`), start it with an empty data directory and add it again (`clustron members add`), so that it ' +
  'receives a snapshot from the leader.'

/**
 * A file of the replica is damaged somewhere other than a torn tail (see README-storage.md, "Recovery"), or
 * was written by an unknown format version. `file` and `offsetBytes` locate the first bad byte range found.
 */
export class ReplicaStorageCorruptError extends ReplicaStorageError {
  override readonly name = 'ReplicaStorageCorruptError'
  readonly code = 'STORAGE_CORRUPT'
  readonly file: string
  readonly offsetBytes: number
  /** The problem alone, without location or advice (the message has all three). */
  readonly reason: string

  constructor(file: string, offsetBytes: number, reason: string, options?: { cause?: unknown }) {
    super(`corrupt replica storage: ${file} at byte ${offsetBytes}: ${reason}. ${CORRUPTION_ADVICE}`, options)
    this.file = file
    this.offsetBytes = offsetBytes
    this.reason = reason
  }
}

/** The storage was closed (or failed to open); open a new instance. */
export class ReplicaStorageClosedError extends ReplicaStorageError {
  override readonly name = 'ReplicaStorageClosedError'
  readonly code = 'STORAGE_CLOSED'
}

/**
 * A write, fsync or file operation failed. The storage refuses all further work: after a failed fsync the
 * kernel may have dropped the dirty pages, so what is on disk is unknown and retrying could report success for
 * data that is gone. Restart the process; recovery reads what actually reached the disk. `cause` is the I/O error.
 */
export class ReplicaStorageFailedError extends ReplicaStorageError {
  override readonly name = 'ReplicaStorageFailedError'
  readonly code = 'STORAGE_FAILED'
}
