import { encodeConfChange } from './conf-change.js'
import { resolveConfig, type RaftConfig, type ResolvedConfig } from './config.js'
import { entriesPayloadBytes } from './entry-size.js'
import { assert, ConfChangeRejectedError, NotLeaderError, ProposalDroppedError, ReadIndexDroppedError, UncommittedBytesExceededError } from './errors.js'
import { RaftLog } from './raft-log.js'
import { SeededRandom } from './random.js'
import { ReadOnlyQueue } from './read-only.js'
import { handleVoteRequest, hup } from './election.js'
import { bcastAppend } from './replication.js'
import { handleReadIndexRequest, handleTransferLeader, releasePendingReadIndexRequests, stepLeader } from './step-leader.js'
import { stepCandidate, stepFollower } from './step-follower.js'
import { ProgressTracker } from './tracker.js'
import type { ConfChange, ConfState, Entry, EntryType, HardState, Message, MessageBody, NodeId, RaftLogger, ReadState, Role, Snapshot, SoftState } from './types.js'

/** Raft's own roles; 'learner' in SoftState is a follower that is a learner, derived for reporting. */
export type RaftRole = Exclude<Role, 'learner'>

/** A read index request received before the leader committed an entry of its term (answered after that). */
export interface QueuedReadIndex {
  context: Uint8Array
  from: NodeId
}

/** What `send` takes: a message body plus its destination; the term defaults to the current term. */
export type Outgoing = MessageBody & { to: NodeId; term?: number }

/**
 * The Raft state machine of one node. It only mutates memory: messages to send, entries to persist and
 * entries to apply are collected and handed out by RawNode.ready().
 *
 * Structure (after etcd/raft): one step function per role (`stepLeader`, `stepCandidate`, `stepFollower`)
 * and one tick function per role; `become*` switches both and asserts the transition is legal.
 */
export class Raft {
  readonly id: NodeId
  readonly config: ResolvedConfig
  readonly log: RaftLog
  readonly tracker: ProgressTracker
  readonly readOnly: ReadOnlyQueue
  readonly logger: RaftLogger
  private readonly random: SeededRandom

  term = 0
  vote: NodeId | undefined = undefined
  lead: NodeId | undefined = undefined
  role: RaftRole = 'follower'

  /** Ticks since the last election timeout reset (followers: since hearing from the leader). */
  electionElapsed = 0
  /** Leader only: ticks since the last heartbeat broadcast. */
  heartbeatElapsed = 0
  randomizedElectionTimeout = 0

  /** Leader only: the member a leadership transfer is under way to. */
  leadTransferee: NodeId | undefined = undefined
  /** Leader only: index of the last membership change appended; a new one waits until it is applied. */
  pendingConfIndex = 0
  /** Leader only: payload bytes appended but not yet applied, bounded by maxUncommittedEntriesBytes. */
  uncommittedBytes = 0
  /** Leader only: read requests waiting for the first commit of this term. */
  queuedReadIndexRequests: QueuedReadIndex[] = []

  messages: Message[] = []
  readStates: ReadState[] = []

  private stepRole: (message: Message) => void = (message) => stepFollower(this, message)
  private tickRole: () => void = () => this.tickElection()

  constructor(config: RaftConfig) {
    this.config = resolveConfig(config)
    this.id = this.config.id
    this.logger = this.config.logger
    this.random = new SeededRandom(this.config.seed)
    this.log = new RaftLog(this.config.storage)
    this.tracker = new ProgressTracker(this.config.maxInflightMessages, this.config.maxInflightBytes)
    this.readOnly = new ReadOnlyQueue(this.config.maxPendingReadIndexRequests)

    const { hardState, confState } = this.config.storage.initialState()
    this.tracker.reset(confState, this.log.lastIndex() + 1)
    if (hardState.term > 0 || hardState.commit > 0) {
      assert(hardState.commit >= this.log.committed && hardState.commit <= this.log.lastIndex(),
        () => `hard state commit ${hardState.commit} is out of range [${this.log.committed}, ${this.log.lastIndex()}]`)
      this.log.commitTo(hardState.commit)
      this.term = hardState.term
      this.vote = hardState.vote
    }
    if (this.config.applied > 0) this.log.appliedTo(this.config.applied)
    this.becomeFollower(this.term, undefined)
    this.logger.info(`${this.id} started: members ${describeConfState(this.tracker.confState())}, term ${this.term}, commit ${this.log.committed}, applied ${this.log.applied}, last ${this.log.lastTerm()}/${this.log.lastIndex()}`)
  }

  get electionTimeout(): number {
    return this.config.electionTicks
  }

  hardState(): HardState {
    return { term: this.term, vote: this.vote, commit: this.log.committed }
  }

  softState(): SoftState {
    return { leader: this.lead, role: this.reportedRole() }
  }

  reportedRole(): Role {
    return this.role === 'follower' && this.tracker.learners.has(this.id) ? 'learner' : this.role
  }

  /** Whether this node may campaign: only voters (never learners or removed nodes) can lead. */
  promotable(): boolean {
    return this.tracker.isVoter(this.id) && !this.log.hasPendingSnapshot()
  }

  send(outgoing: Outgoing): void {
    assert(outgoing.to !== this.id, () => `${this.id} sending ${outgoing.type} to itself`)
    const message = { ...outgoing, from: this.id, term: outgoing.term ?? this.term } as Message
    this.messages.push(message)
  }

  // ---------------------------------------------------------------- role transitions

  private reset(term: number): void {
    if (this.term !== term) {
      this.term = term
      this.vote = undefined
    }
    this.lead = undefined
    this.electionElapsed = 0
    this.heartbeatElapsed = 0
    this.randomizedElectionTimeout = this.electionTimeout + this.random.nextInt(this.electionTimeout)
    this.leadTransferee = undefined
    this.tracker.resetVotes()
    const lastIndex = this.log.lastIndex()
    for (const [id, progress] of this.tracker.progress) {
      progress.becomeProbe()
      progress.match = id === this.id ? lastIndex : 0
      progress.next = lastIndex + 1
      progress.recentActive = false
    }
    this.pendingConfIndex = 0
    this.uncommittedBytes = 0
    this.readOnly.clear()
    this.queuedReadIndexRequests = []
  }

  becomeFollower(term: number, lead: NodeId | undefined): void {
    this.reset(term)
    this.lead = lead
    this.role = 'follower'
    this.stepRole = (message) => stepFollower(this, message)
    this.tickRole = () => this.tickElection()
    this.logger.info(`${this.id} became follower at term ${this.term}${lead === undefined ? '' : ` (leader ${lead})`}`)
  }

  becomePreCandidate(): void {
    assert(this.role !== 'leader', `${this.id}: invalid transition leader -> preCandidate`)
    // A pre-candidate keeps its term and vote: it only asks whether it could win, so nothing is persisted.
    this.tracker.resetVotes()
    this.lead = undefined
    this.role = 'preCandidate'
    this.stepRole = (message) => stepCandidate(this, message)
    this.tickRole = () => this.tickElection()
    this.logger.info(`${this.id} became preCandidate at term ${this.term}`)
  }

  becomeCandidate(): void {
    assert(this.role !== 'leader', `${this.id}: invalid transition leader -> candidate`)
    this.reset(this.term + 1)
    this.vote = this.id
    this.role = 'candidate'
    this.stepRole = (message) => stepCandidate(this, message)
    this.tickRole = () => this.tickElection()
    this.logger.info(`${this.id} became candidate at term ${this.term}`)
  }

  becomeLeader(): void {
    assert(this.role === 'candidate', `${this.id}: invalid transition ${this.role} -> leader`)
    this.reset(this.term)
    this.lead = this.id
    this.role = 'leader'
    this.stepRole = (message) => stepLeader(this, message)
    this.tickRole = () => this.tickHeartbeat()
    this.tracker.progress.get(this.id)?.becomeReplicate()
    // Entries before this index may hold a membership change not yet applied; a new change waits for them.
    this.pendingConfIndex = this.log.lastIndex()
    // §5.4.2: entries of earlier terms commit only once an entry of this term does; append one right away.
    this.appendEntries([{ type: 'normal', data: new Uint8Array(0) }])
    this.logger.info(`${this.id} became leader at term ${this.term}`)
  }

  // ---------------------------------------------------------------- ticks

  tick(): void {
    this.tickRole()
  }

  private tickElection(): void {
    this.electionElapsed++
    if (this.promotable() && this.electionElapsed >= this.randomizedElectionTimeout) {
      this.electionElapsed = 0
      hup(this, false)
    }
  }

  private tickHeartbeat(): void {
    this.heartbeatElapsed++
    this.electionElapsed++
    if (this.electionElapsed >= this.electionTimeout) {
      this.electionElapsed = 0
      if (this.config.checkQuorum) this.checkQuorum()
      // A transfer that did not finish within an election timeout is abandoned so proposals resume.
      if (this.role === 'leader' && this.leadTransferee !== undefined) this.abortLeaderTransfer()
    }
    if (this.role !== 'leader') return
    if (this.heartbeatElapsed >= this.config.heartbeatTicks) {
      this.heartbeatElapsed = 0
      this.broadcastHeartbeat()
    }
  }

  private checkQuorum(): void {
    if (!this.tracker.quorumActive(this.id)) {
      this.logger.warn(`${this.id} stepped down at term ${this.term}: no quorum heard from within an election timeout`)
      this.becomeFollower(this.term, undefined)
      return
    }
    for (const [id, progress] of this.tracker.progress) {
      if (id !== this.id) progress.recentActive = false
    }
  }

  broadcastHeartbeat(): void {
    const context = this.readOnly.lastContext()
    for (const id of this.tracker.memberIds()) {
      if (id !== this.id) this.sendHeartbeat(id, context)
    }
  }

  sendHeartbeat(to: NodeId, context: Uint8Array | undefined): void {
    const progress = this.tracker.progress.get(to)
    if (progress === undefined) return
    // The follower may not have the leader's committed entries yet; it must not commit past what it matches.
    const commit = Math.min(progress.match, this.log.committed)
    this.send({ type: 'heartbeat', to, commit, context })
  }

  // ---------------------------------------------------------------- elections

  // ---------------------------------------------------------------- step

  /** Processes one message from a peer. Never throws on unexpected peer input, only on broken invariants. */
  step(message: Message): void {
    if (message.to !== this.id) {
      this.logger.warn(`${this.id} ignored a ${message.type} addressed to ${message.to}`)
      return
    }
    if (message.from === this.id) {
      this.logger.warn(`${this.id} ignored a ${message.type} from itself`)
      return
    }
    if (message.term > this.term) {
      if (!this.stepHigherTerm(message)) return
    } else if (message.term < this.term) {
      this.stepLowerTerm(message)
      return
    }
    if (message.type === 'requestVote' || message.type === 'requestPreVote') {
      handleVoteRequest(this, message)
      return
    }
    this.stepRole(message)
  }

  /** Returns false when the message must be ignored. */
  private stepHigherTerm(message: Message): boolean {
    if (message.type === 'requestVote' || message.type === 'requestPreVote') {
      const force = message.type === 'requestVote' && message.transfer
      const inLease = this.config.checkQuorum && this.lead !== undefined && this.electionElapsed < this.electionTimeout
      if (!force && inLease) {
        // Leader lease: we heard from a leader within the minimum election timeout, so a vote request means
        // the candidate is partitioned or disruptive, not that the leader is gone.
        this.logger.info(`${this.id} [term ${this.term}] ignored ${message.type} from ${message.from} [term ${message.term}]: lease not expired`)
        return false
      }
    }
    if (message.type === 'requestPreVote') return true // a pre-vote never changes our term
    if (message.type === 'preVoteResponse' && !message.reject) return true // our term rises only when we win
    this.logger.info(`${this.id} [term ${this.term}] received a ${message.type} with higher term from ${message.from} [term ${message.term}]`)
    const fromLeader = message.type === 'appendEntries' || message.type === 'heartbeat' || message.type === 'installSnapshot'
    this.becomeFollower(message.term, fromLeader ? message.from : undefined)
    return true
  }

  private stepLowerTerm(message: Message): void {
    if ((this.config.checkQuorum || this.config.preVote) && (message.type === 'heartbeat' || message.type === 'appendEntries')) {
      // A stale leader (partitioned, then healed) would otherwise never learn of the new term: with pre-vote
      // or check-quorum its followers ignore its term bump. This answer makes it step down.
      this.send({ type: 'appendResponse', to: message.from, index: 0, reject: false, rejectHint: 0, logTerm: 0 })
    } else if (message.type === 'requestPreVote') {
      // Tell the pre-candidate our term so it stops campaigning at a stale term.
      this.send({ type: 'preVoteResponse', to: message.from, reject: true })
    } else {
      this.logger.debug(`${this.id} [term ${this.term}] ignored a ${message.type} from ${message.from} [term ${message.term}]`)
    }
  }

  // ---------------------------------------------------------------- leader-side log

  /** Appends entries of the current term at the leader, counting the leader's own copy. */
  appendEntries(entries: ReadonlyArray<{ type: EntryType; data: Uint8Array }>): void {
    let index = this.log.lastIndex()
    const stamped: Entry[] = entries.map((entry) => ({ term: this.term, index: ++index, type: entry.type, data: entry.data }))
    const lastIndex = this.log.append(stamped)
    // The leader's own copy counts as replicated: the driver persists it before sending the appends.
    this.tracker.progress.get(this.id)?.maybeUpdate(lastIndex)
    this.maybeCommit()
  }

  /** Advances the commit index to what a quorum holds (current-term entries only, §5.4.2). */
  maybeCommit(): boolean {
    const committed = this.log.maybeCommit(this.tracker.committedIndex(), this.term)
    if (committed && this.role === 'leader') releasePendingReadIndexRequests(this)
    return committed
  }

  committedEntryInCurrentTerm(): boolean {
    return this.log.term(this.log.committed) === this.term
  }

  abortLeaderTransfer(): void {
    if (this.leadTransferee !== undefined) this.logger.info(`${this.id} aborted the leadership transfer to ${this.leadTransferee}`)
    this.leadTransferee = undefined
  }

  // ---------------------------------------------------------------- local requests

  propose(data: Uint8Array[], type: EntryType): void {
    if (this.role !== 'leader') throw new NotLeaderError(this.lead)
    if (!this.tracker.progress.has(this.id)) throw new ProposalDroppedError(`${this.id} is not a member of the group`)
    if (this.leadTransferee !== undefined) {
      throw new ProposalDroppedError(`${this.id} is transferring leadership to ${this.leadTransferee}`)
    }
    const bytes = entriesPayloadBytes(data.map((payload) => ({ term: 0, index: 0, type, data: payload })))
    if (this.uncommittedBytes > 0 && bytes > 0 && this.uncommittedBytes + bytes > this.config.maxUncommittedEntriesBytes) {
      throw new UncommittedBytesExceededError(
        `${this.uncommittedBytes} uncommitted bytes + ${bytes} would exceed maxUncommittedEntriesBytes ${this.config.maxUncommittedEntriesBytes}`)
    }
    this.uncommittedBytes += bytes
    this.appendEntries(data.map((payload) => ({ type, data: payload })))
    if (type === 'confChange') this.pendingConfIndex = this.log.lastIndex()
    bcastAppend(this)
  }

  proposeConfChange(change: ConfChange): void {
    if (this.role !== 'leader') throw new NotLeaderError(this.lead)
    this.validateConfChange(change)
    this.propose([encodeConfChange(change)], 'confChange')
  }

  private validateConfChange(change: ConfChange): void {
    if (this.pendingConfIndex > this.log.applied) {
      throw new ConfChangeRejectedError(`a membership change at index ${this.pendingConfIndex} is not applied yet (applied ${this.log.applied})`)
    }
    const { nodeId } = change
    if (typeof nodeId !== 'string' || nodeId === '') throw new ConfChangeRejectedError('the node id must be a non-empty string')
    const isVoter = this.tracker.isVoter(nodeId)
    if (change.type === 'addVoter' && isVoter) throw new ConfChangeRejectedError(`${nodeId} is already a voter`)
    if (change.type === 'addLearner' && this.tracker.learners.has(nodeId)) throw new ConfChangeRejectedError(`${nodeId} is already a learner`)
    if (change.type === 'removeNode' && !this.tracker.isMember(nodeId)) throw new ConfChangeRejectedError(`${nodeId} is not a member`)
    if (change.type !== 'addVoter' && isVoter && this.tracker.voters.size === 1) {
      throw new ConfChangeRejectedError(`removing ${nodeId} would leave the group without voters`)
    }
  }

  readIndex(context: Uint8Array): void {
    if (this.role === 'leader') {
      if (this.readOnly.isFull() || this.queuedReadIndexRequests.length >= this.config.maxPendingReadIndexRequests) {
        throw new ReadIndexDroppedError(`${this.config.maxPendingReadIndexRequests} read index requests are pending`)
      }
      handleReadIndexRequest(this, context, this.id)
      return
    }
    if (this.lead === undefined) throw new ReadIndexDroppedError(`${this.id} knows no leader at term ${this.term}`)
    this.send({ type: 'readIndex', to: this.lead, context })
  }

  transferLeader(transferee: NodeId): void {
    if (this.role === 'leader') {
      handleTransferLeader(this, transferee)
      return
    }
    if (this.lead === undefined) throw new NotLeaderError(undefined)
    this.send({ type: 'transferLeader', to: this.lead, transferee })
  }

  reportUnreachable(id: NodeId): void {
    const progress = this.tracker.progress.get(id)
    if (this.role !== 'leader' || progress === undefined) return
    // The transport lost the connection: appends in flight are likely lost too, so go back to probing.
    if (progress.state === 'replicate') progress.becomeProbe()
    this.logger.debug(`${this.id} failed to send to ${id}: ${progress.describe()}`)
  }

  reportSnapshot(id: NodeId, status: 'finish' | 'failure'): void {
    const progress = this.tracker.progress.get(id)
    if (this.role !== 'leader' || progress === undefined || progress.state !== 'snapshot') return
    if (status === 'failure') progress.pendingSnapshot = 0
    progress.becomeProbe()
    // Wait for the follower's answer to the snapshot (or a heartbeat answer) before probing.
    progress.probeSent = true
    this.logger.debug(`${this.id} snapshot to ${id} reported ${status}: ${progress.describe()}`)
  }

  // ---------------------------------------------------------------- membership and snapshots

  applyConfChange(change: ConfChange): ConfState {
    // A node that never received the membership (empty storage, then entries instead of a snapshot) would
    // build a wrong configuration from the changes alone, e.g. think a promoted newcomer is the only voter.
    assert(this.tracker.voters.size > 0,
      () => `${this.id} has no membership but applies ${change.type} ${change.nodeId}: bootstrap the founders with a snapshot at index >= 1 (MemoryStorage({ confState })) so that new members receive the membership in a snapshot`)
    const nextIndex = this.log.lastIndex() + 1
    switch (change.type) {
      case 'addVoter': this.tracker.addVoter(change.nodeId, nextIndex); break
      case 'addLearner': this.tracker.addLearner(change.nodeId, nextIndex); break
      case 'removeNode': this.tracker.remove(change.nodeId); break
    }
    assert(this.tracker.voters.size > 0, () => `applying ${change.type} ${change.nodeId} left no voters`)
    const confState = this.tracker.confState()
    this.logger.info(`${this.id} switched to configuration ${describeConfState(confState)}`)
    if (this.role !== 'leader') return confState
    if (!this.tracker.isVoter(this.id)) {
      // A removed or demoted leader cannot count itself towards quorums; let the remaining voters elect.
      this.logger.info(`${this.id} steps down: no longer a voter`)
      this.becomeFollower(this.term, undefined)
      return confState
    }
    if (this.leadTransferee !== undefined && !this.tracker.isVoter(this.leadTransferee)) this.abortLeaderTransfer()
    // A smaller quorum may commit more, and new members need a first append to start probing.
    this.maybeCommit()
    bcastAppend(this)
    return confState
  }

  /** Installs a snapshot from the leader. Returns false when it is stale or our log already covers it. */
  restore(snapshot: Snapshot): boolean {
    const { index, term, confState } = snapshot.metadata
    if (index <= this.log.committed) return false
    assert(this.role === 'follower', () => `${this.id} restoring a snapshot as ${this.role}`)
    if (this.log.matchTerm(index, term)) {
      // Our log already holds the snapshot's last entry: fast-forward the commit index instead.
      this.log.commitTo(index)
      return false
    }
    this.log.restore(snapshot)
    this.tracker.reset(confState, this.log.lastIndex() + 1)
    this.logger.info(`${this.id} restored snapshot ${term}/${index} with members ${describeConfState(confState)}`)
    return true
  }

  // ---------------------------------------------------------------- leader helpers used by RawNode

  reduceUncommittedBytes(bytes: number): void {
    this.uncommittedBytes = Math.max(0, this.uncommittedBytes - bytes)
  }
}

export function describeConfState(confState: ConfState): string {
  const learners = confState.learners.length > 0 ? ` learners=(${confState.learners.join(' ')})` : ''
  return `voters=(${confState.voters.join(' ')})${learners}`
}
