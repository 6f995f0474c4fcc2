/**
 * Errors. Two kinds, kept apart on purpose:
 * - `AssertionError`: a bug (an invariant of Raft or a misuse of the API by the driver). Never caught by the
 *   library, never disabled: continuing after a broken invariant risks losing committed data.
 * - `RaftError` subclasses: operating conditions the driver is expected to handle (not the leader, proposal
 *   dropped, storage compacted). Each has a stable `code` that can cross the wire.
 */
import type { NodeId } from './types.js'

export class AssertionError extends Error {
  override readonly name = 'AssertionError'
  readonly code = 'RAFT_ASSERTION'
}

/** Throws an AssertionError when `condition` is false. Stays on in production. */
export function assert(condition: boolean, message: string | (() => string)): asserts condition {
  if (!condition) throw new AssertionError(typeof message === 'string' ? message : message())
}

export type RaftErrorCode =
  | 'PROPOSAL_DROPPED'
  | 'NOT_LEADER'
  | 'UNCOMMITTED_BYTES_EXCEEDED'
  | 'CONF_CHANGE_REJECTED'
  | 'READ_INDEX_DROPPED'
  | 'COMPACTED'
  | 'UNAVAILABLE'
  | 'SNAPSHOT_TEMPORARILY_UNAVAILABLE'
  | 'SNAPSHOT_OUT_OF_DATE'
  | 'INVALID_CONFIG'

export abstract class RaftError extends Error {
  abstract readonly code: RaftErrorCode
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options)
  }
}

/** The proposal was not appended (leadership transfer under way, node removed, ...). Retry later or elsewhere. */
export class ProposalDroppedError extends RaftError {
  override readonly name: string = 'ProposalDroppedError'
  readonly code: RaftErrorCode = 'PROPOSAL_DROPPED'
}

/** Only the leader accepts proposals. `leader` is the leader this node knows of, if any: retry there. */
export class NotLeaderError extends ProposalDroppedError {
  override readonly name = 'NotLeaderError'
  override readonly code = 'NOT_LEADER'
  readonly leader: NodeId | undefined
  constructor(leader: NodeId | undefined) {
    super(leader === undefined ? 'not the leader; no leader is known' : `not the leader; the leader is ${leader}`)
    this.leader = leader
  }
}

/** The leader holds more uncommitted entry bytes than `maxUncommittedEntriesBytes`: back off until they commit. */
export class UncommittedBytesExceededError extends ProposalDroppedError {
  override readonly name = 'UncommittedBytesExceededError'
  override readonly code = 'UNCOMMITTED_BYTES_EXCEEDED'
}

/** The membership change is invalid or another one is still pending. */
export class ConfChangeRejectedError extends ProposalDroppedError {
  override readonly name = 'ConfChangeRejectedError'
  override readonly code = 'CONF_CHANGE_REJECTED'
}

/** The read index request cannot be served now (no leader known, or too many reads pending). */
export class ReadIndexDroppedError extends RaftError {
  override readonly name = 'ReadIndexDroppedError'
  readonly code = 'READ_INDEX_DROPPED'
}

/** Storage: the requested index was compacted away into a snapshot. */
export class CompactedError extends RaftError {
  override readonly name = 'CompactedError'
  readonly code = 'COMPACTED'
}

/** Storage: the requested index is past the last stored entry. */
export class UnavailableError extends RaftError {
  override readonly name = 'UnavailableError'
  readonly code = 'UNAVAILABLE'
}

/** Storage: a snapshot is being prepared; Raft will ask again later. */
export class SnapshotTemporarilyUnavailableError extends RaftError {
  override readonly name = 'SnapshotTemporarilyUnavailableError'
  readonly code = 'SNAPSHOT_TEMPORARILY_UNAVAILABLE'
}

/** Storage: the snapshot to apply or create is older than the one already held. */
export class SnapshotOutOfDateError extends RaftError {
  override readonly name = 'SnapshotOutOfDateError'
  readonly code = 'SNAPSHOT_OUT_OF_DATE'
}

/** The RaftConfig is invalid. */
export class InvalidConfigError extends RaftError {
  override readonly name = 'InvalidConfigError'
  readonly code = 'INVALID_CONFIG'
}
