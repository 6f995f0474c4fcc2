import { assert } from './errors.js'
import { Inflights, Progress } from './progress.js'
import type { ConfState, NodeId } from './types.js'

export type VoteResult = 'won' | 'lost' | 'pending'

/**
 * Membership (voters and learners) and the leader's per-member progress, plus the votes of an election.
 * Quorums are majorities of voters; learners replicate but never count towards a quorum.
 */
export class ProgressTracker {
  readonly voters = new Set<NodeId>()
  readonly learners = new Set<NodeId>()
  readonly progress = new Map<NodeId, Progress>()
  readonly votes = new Map<NodeId, boolean>()

  constructor(
    private readonly maxInflightMessages: number,
    private readonly maxInflightBytes: number,
  ) {}

  /** Replaces the membership, creating progress for members without one (next = `nextIndex`). */
  reset(confState: ConfState, nextIndex: number): void {
    this.voters.clear()
    this.learners.clear()
    this.progress.clear()
    for (const id of confState.voters) this.addVoter(id, nextIndex)
    for (const id of confState.learners) this.addLearner(id, nextIndex)
  }

  confState(): ConfState {
    return { voters: [...this.voters].sort(), learners: [...this.learners].sort() }
  }

  isVoter(id: NodeId): boolean {
    return this.voters.has(id)
  }

  isMember(id: NodeId): boolean {
    return this.voters.has(id) || this.learners.has(id)
  }

  addVoter(id: NodeId, nextIndex: number): void {
    assert(id !== '', 'a node id must not be empty')
    this.learners.delete(id)
    this.voters.add(id)
    const existing = this.progress.get(id)
    if (existing === undefined) this.progress.set(id, this.newProgress(nextIndex, false))
    else existing.isLearner = false
  }

  addLearner(id: NodeId, nextIndex: number): void {
    assert(id !== '', 'a node id must not be empty')
    this.voters.delete(id)
    this.learners.add(id)
    const existing = this.progress.get(id)
    if (existing === undefined) this.progress.set(id, this.newProgress(nextIndex, true))
    else existing.isLearner = true
  }

  remove(id: NodeId): void {
    this.voters.delete(id)
    this.learners.delete(id)
    this.progress.delete(id)
    this.votes.delete(id)
  }

  private newProgress(nextIndex: number, isLearner: boolean): Progress {
    const progress = new Progress(nextIndex, new Inflights(this.maxInflightMessages, this.maxInflightBytes), isLearner)
    // A member just added counts as active so that check-quorum gives it one election timeout to answer.
    progress.recentActive = true
    return progress
  }

  quorumSize(): number {
    return Math.floor(this.voters.size / 2) + 1
  }

  /**
   * The highest index replicated on a quorum of voters: the quorum-th largest match. 0 without voters
   * (nothing can commit without a voter).
   */
  committedIndex(): number {
    if (this.voters.size === 0) return 0
    const matches: number[] = []
    for (const id of this.voters) matches.push(this.progress.get(id)?.match ?? 0)
    matches.sort((left, right) => right - left)
    return matches[this.quorumSize() - 1]!
  }

  /** Whether a quorum of voters was recently active; `self` always counts as active. */
  quorumActive(self: NodeId): boolean {
    let active = 0
    for (const id of this.voters) {
      if (id === self || this.progress.get(id)?.recentActive === true) active++
    }
    return active >= this.quorumSize()
  }

  resetVotes(): void {
    this.votes.clear()
  }

  /** Records the first answer of each voter; later answers of the same voter are ignored. */
  recordVote(id: NodeId, granted: boolean): void {
    if (!this.votes.has(id)) this.votes.set(id, granted)
  }

  tallyVotes(): { granted: number; rejected: number; result: VoteResult } {
    let granted = 0
    let rejected = 0
    for (const id of this.voters) {
      const vote = this.votes.get(id)
      if (vote === true) granted++
      else if (vote === false) rejected++
    }
    const quorum = this.quorumSize()
    if (this.voters.size > 0 && granted >= quorum) return { granted, rejected, result: 'won' }
    if (this.voters.size - rejected < quorum) return { granted, rejected, result: 'lost' }
    return { granted, rejected, result: 'pending' }
  }

  /** Members in sorted order, so that message order (and so test traces) is deterministic. */
  memberIds(): NodeId[] {
    return [...this.progress.keys()].sort()
  }
}
