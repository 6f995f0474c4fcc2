import type { RaftConfig } from './config.js'
import { entriesPayloadBytes } from './entry-size.js'
import { assert } from './errors.js'
import { hup } from './election.js'
import { Raft } from './raft.js'
import type { ConfChange, ConfState, HardState, Message, NodeId, ProgressStatus, Ready, SoftState, Status } from './types.js'

/**
 * The driver's handle on one Raft node (the shape of etcd/raft's RawNode). Single-threaded and synchronous:
 * every method only changes memory. The driver loop is:
 *
 *   on a timer: node.tick()                    on a peer message: node.step(message)
 *   on a client write: node.propose(data)      on a linearizable read: node.readIndex(context)
 *   then: if (node.hasReady()) { const ready = node.ready(); ...do its duties (see Ready)...; node.advance() }
 *
 * step/tick/propose may be called between ready() and advance() (e.g. while an fsync is under way); their
 * effects are returned by the next ready(). Only one Ready is outstanding at a time: hasReady() is false
 * until the outstanding one is advanced.
 */
export class RawNode {
  private readonly raft: Raft
  private previousSoftState: SoftState
  private previousHardState: HardState
  private outstanding: Ready | undefined = undefined

  /** Loads hard state and membership from `config.storage`; does no I/O of its own. */
  constructor(config: RaftConfig) {
    this.raft = new Raft(config)
    this.previousSoftState = this.raft.softState()
    this.previousHardState = this.raft.hardState()
  }

  /** Advances logical time by one tick: election timeouts and heartbeats are counted in ticks. */
  tick(): void {
    this.raft.tick()
  }

  /** Processes a message from a peer. Stale, misrouted or unknown-peer messages are ignored, never thrown on. */
  step(message: Message): void {
    this.raft.step(message)
  }

  /**
   * Proposes `data` to be appended to the log. Throws NotLeaderError (with the known leader) on a non-leader,
   * ProposalDroppedError during a leadership transfer, UncommittedBytesExceededError past the bound.
   * Acceptance is no promise of commit: the entry may still be lost if leadership changes.
   */
  propose(data: Uint8Array): void {
    this.raft.propose([data], 'normal')
  }

  /**
   * Proposes one membership change. Throws ConfChangeRejectedError when another change is not yet applied
   * or the change is invalid for the current membership, NotLeaderError on a non-leader.
   */
  proposeConfChange(change: ConfChange): void {
    this.raft.proposeConfChange(change)
  }

  /**
   * Applies a committed membership change (decode the entry with decodeConfChange). Call it for every
   * committed 'confChange' entry, in log order, when applying it. Returns the new membership, which the
   * driver stores with its next snapshot.
   */
  applyConfChange(change: ConfChange): ConfState {
    return this.raft.applyConfChange(change)
  }

  /**
   * Requests a linearizable read. A ReadState with the same context appears in a later Ready once the leader
   * confirmed its leadership; serve the read when the applied index reaches ReadState.index. Followers forward
   * to the leader. Throws ReadIndexDroppedError when no leader is known or too many reads are pending. A
   * request may also be silently lost (message loss, leader change): the driver should time reads out.
   */
  readIndex(context: Uint8Array): void {
    this.raft.readIndex(context)
  }

  /**
   * Asks the leader to hand leadership to `transferee` (forwarded when called on a follower). The leader
   * stops accepting proposals, brings the transferee up to date and sends it timeoutNow. Abandoned after an
   * election timeout. Throws NotLeaderError on a follower that knows no leader.
   */
  transferLeader(transferee: NodeId): void {
    this.raft.transferLeader(transferee)
  }

  /** Starts an election now (with pre-vote when configured). Ignored on a leader, a learner or a removed node. */
  campaign(): void {
    hup(this.raft, false)
  }

  hasReady(): boolean {
    if (this.outstanding !== undefined) return false
    const raft = this.raft
    const log = raft.log
    return !softStateEqual(raft.softState(), this.previousSoftState) ||
      !hardStateEqual(raft.hardState(), this.previousHardState) ||
      log.hasPendingSnapshot() ||
      log.unstable.entries.length > 0 ||
      log.hasNextCommittedEntries() ||
      raft.messages.length > 0 ||
      raft.readStates.length > 0
  }

  /**
   * Returns the pending work (see the Ready type for the ordering duties). Must be followed by advance()
   * before the next ready(); calling it twice is a bug and throws an AssertionError.
   */
  ready(): Ready {
    assert(this.outstanding === undefined, 'ready() called again before advance() of the previous Ready')
    const raft = this.raft
    const log = raft.log
    const ready: Ready = {
      entries: [...log.unstable.entries],
      committedEntries: log.nextCommittedEntries(raft.config.maxCommittedEntriesBytesPerReady),
      messages: raft.messages,
      readStates: raft.readStates,
      mustSync: false,
    }
    raft.messages = []
    raft.readStates = []
    const softState = raft.softState()
    if (!softStateEqual(softState, this.previousSoftState)) {
      ready.softState = softState
      this.previousSoftState = softState
    }
    const hardState = raft.hardState()
    if (!hardStateEqual(hardState, this.previousHardState)) {
      ready.hardState = hardState
    }
    const snapshot = log.unstable.snapshot
    if (snapshot !== undefined) ready.snapshot = snapshot
    // Term and vote must be durable before any vote or message of that term leaves; a commit index can be
    // recomputed after a crash, so it alone does not need an fsync.
    ready.mustSync = ready.entries.length > 0 || snapshot !== undefined ||
      hardState.term !== this.previousHardState.term || hardState.vote !== this.previousHardState.vote
    this.previousHardState = hardState
    this.outstanding = ready
    return ready
  }

  /**
   * Tells the node the outstanding Ready's duties are done: entries and snapshot persisted, committed
   * entries applied. Passing the Ready is optional; when given it must be the one ready() returned.
   */
  advance(ready?: Ready): void {
    const outstanding = this.outstanding
    assert(outstanding !== undefined, 'advance() called without an outstanding Ready')
    assert(ready === undefined || ready === outstanding, 'advance() called with a Ready other than the outstanding one')
    this.outstanding = undefined
    const log = this.raft.log
    const lastEntry = outstanding.entries[outstanding.entries.length - 1]
    if (lastEntry !== undefined) log.unstable.stableTo(lastEntry.index, lastEntry.term)
    if (outstanding.snapshot !== undefined) {
      log.unstable.stableSnapshotTo(outstanding.snapshot.metadata.index)
      log.appliedTo(outstanding.snapshot.metadata.index)
    }
    const lastCommitted = outstanding.committedEntries[outstanding.committedEntries.length - 1]
    if (lastCommitted !== undefined) {
      log.appliedTo(lastCommitted.index)
      if (this.raft.role === 'leader') this.raft.reduceUncommittedBytes(entriesPayloadBytes(outstanding.committedEntries))
    }
  }

  status(): Status {
    const raft = this.raft
    const status: Status = {
      id: raft.id,
      term: raft.term,
      vote: raft.vote,
      commit: raft.log.committed,
      applied: raft.log.applied,
      lead: raft.lead,
      role: raft.reportedRole(),
      confState: raft.tracker.confState(),
    }
    if (raft.role === 'leader') {
      const progress: Record<NodeId, ProgressStatus> = {}
      for (const id of raft.tracker.memberIds()) {
        const member = raft.tracker.progress.get(id)!
        progress[id] = { match: member.match, next: member.next, state: member.state, recentActive: member.recentActive, isLearner: member.isLearner }
      }
      status.progress = progress
      if (raft.leadTransferee !== undefined) status.leadTransferee = raft.leadTransferee
    }
    return status
  }

  /** The transport could not reach `id`: the leader stops streaming to it and probes instead. */
  reportUnreachable(id: NodeId): void {
    this.raft.reportUnreachable(id)
  }

  /** The transport finished (or failed) sending a snapshot to `id`. */
  reportSnapshot(id: NodeId, status: 'finish' | 'failure'): void {
    this.raft.reportSnapshot(id, status)
  }
}

function softStateEqual(left: SoftState, right: SoftState): boolean {
  return left.leader === right.leader && left.role === right.role
}

function hardStateEqual(left: HardState, right: HardState): boolean {
  return left.term === right.term && left.vote === right.vote && left.commit === right.commit
}

/** Internal access for this package's tests (not re-exported from index.ts). */
export function raftOf(node: RawNode): Raft {
  return (node as unknown as { raft: Raft }).raft
}
