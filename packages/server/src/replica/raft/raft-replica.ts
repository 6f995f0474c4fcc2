import { ClustronError, ResourceExhaustedError, StoreMachine, UnavailableError, type Clock, type Consistency, type Limits, type Timer } from '@clustron/core'
import { errorFromData, errorToData, type ApplyOutput, type Command, type CommandResult, type Query, type QueryResult, type RawWatchEvent } from '@clustron/core/internal'
import {
  MemoryStorage,
  NotLeaderError,
  RaftError,
  RawNode,
  UncommittedBytesExceededError,
  decodeConfChange,
  type ConfChange,
  type ConfState,
  type Entry,
  type HardState,
  type Message,
  type Ready,
  type Snapshot,
} from '@clustron/raft'
import type { AppliedOutput, MemberInfo, ReplicaCluster, ReplicaStatus, StoreReplica } from '../store-replica.js'
import { decodeBatch, decodeMemberContext, decodeSnapshotPayload, encodeBatch, encodeMemberContext, encodeSnapshotPayload } from './log-codec.js'
import { PendingProposals, PendingReads, type QueuedProposal } from './pending.js'
import { machineSnapshots } from '../machine-access.js'
import { withDefaultTtl } from '../default-ttl.js'

/** The durable log of one replica (implemented by the WAL in ../../storage and by the simulator's fake disk). */
export interface DurableLog {
  open(): Promise<{ hardState: HardState; snapshot: Snapshot | undefined; entries: Entry[] }>
  append(entries: readonly Entry[], hardState: HardState | undefined): void
  sync(): Promise<void>
  saveSnapshot(snapshot: Snapshot): Promise<void>
  compact(index: number): Promise<void>
  close(): Promise<void>
}

export interface RaftReplicaOptions {
  store: string
  nodeId: string
  limits: Partial<Limits>
  clock: Clock
  log: DurableLog
  /** Hands Raft messages to the peer network (fire and forget; losses are Raft's business). */
  send(messages: Message[]): void
  /** Founding members (node id → peer address) when the log is empty: the first start of a cluster. */
  bootstrap?: Record<string, string>
  /** Distinguishes this process's proposals from a previous incarnation's (random per start). */
  incarnation: string
  seed: number
  tickMs?: number
  electionTicks?: number
  heartbeatTicks?: number
  /** Take a snapshot (and compact the log) after this many applied entries... */
  snapshotEntries?: number
  /** ...or after this many bytes of applied entries, whichever comes first. */
  snapshotLogBytes?: number
  /** Entries kept behind a snapshot for followers that lag a little... */
  retainEntries?: number
  /** ...but at most this many bytes of them (a few huge entries must not pin the whole log in memory). */
  retainLogBytes?: number
  requestTimeoutMs?: number
  /** Proposals batched into one entry: at most this many bytes of commands. */
  batchBytesMax?: number
  onLog?(level: 'debug' | 'info' | 'warn' | 'error', message: string, fields?: Record<string, unknown>): void
  /** Called when membership changes (a member added or removed, or learned from a snapshot). */
  onMembers?(members: Record<string, string>): void
  /** Called with every log entry this replica applies, in order (simulator invariants, debugging). */
  onApplyEntry?(entry: Entry): void
  /** Called when this replica installs a snapshot received from the leader. */
  onInstallSnapshot?(snapshot: Snapshot): void
  /** The store's default TTL: puts without a TTL or lease get it (per-store config of the catalog). */
  defaultTtlMs?: number
  /** Timings and sizes for metrics. */
  observer?: { synced(durationMs: number): void; batched(commands: number): void; snapshotted(durationMs: number, bytes: number): void; roleChanged(role: string): void }
}

const defaults = {
  tickMs: 100,
  electionTicks: 10,
  heartbeatTicks: 1,
  snapshotEntries: 10_000,
  snapshotLogBytes: 64 << 20,
  retainEntries: 5_000,
  retainLogBytes: 32 << 20,
  requestTimeoutMs: 10_000,
  batchBytesMax: 1 << 20,
}

/** A write refused for back-pressure (queue or uncommitted bytes full) is retried by the client after about this long. */
const backPressureRetryMs = 50

/**
 * A store replicated by Raft (StoreReplica for a cluster). Commands proposed in one turn go into
 * one entry; every Ready is persisted (one fsync), then its messages are sent, then committed
 * entries are applied to the StoreMachine with the proposer's time, in log order, on every replica.
 * Only the leader proposes time-driven commands: `leaseExtend` right after winning an election (so
 * no lease expires because of the election), then `expire` whenever a deadline passes.
 */
export class RaftReplica implements StoreReplica, ReplicaCluster {
  readonly store: string
  #machine: StoreMachine
  readonly #raw: RawNode
  readonly #memory: MemoryStorage
  readonly #options: RaftReplicaOptions & typeof defaults
  readonly #listeners = new Set<(applied: AppliedOutput) => void>()
  readonly #proposals: PendingProposals
  readonly #reads: PendingReads
  readonly #proposer: string
  #queue: QueuedProposal[] = []
  /** Estimated bytes of `#queue`, bounded by the limit raftUncommittedBytesMax (then writes are refused: back-pressure). */
  #queuedBytes = 0
  #members: Record<string, string>
  #appliedIndex: number
  #snapshotIndex: number
  /** Bytes of entries applied since the last snapshot. */
  #appliedBytes = 0
  /** Size of the newest snapshot: the next one waits until the log since it is comparable (see #maybeSnapshot). */
  #snapshotBytes = 0
  #confState: ConfState
  #role: ReplicaStatus['role'] = 'follower'
  #leader: string | undefined
  /** The leader applied its own leaseExtend in this term: expiry may now be proposed. */
  #leaseExtended = false
  #expireProposed = false
  #expireTimer: Timer | undefined
  #expireAt: number | undefined
  #tickTimer: Timer | undefined
  #processing = false
  /** The running drain of Readies (awaited by close(), so a Ready being persisted finishes first). */
  #draining: Promise<void> = Promise.resolve()
  #again = false
  #flushScheduled = false
  #closed = false
  readonly #confWaiters = new Map<string, { resolve(): void; reject(error: unknown): void }>()

  private constructor(options: RaftReplicaOptions & typeof defaults, memory: MemoryStorage, machine: StoreMachine, members: Record<string, string>, applied: number) {
    this.store = options.store
    this.#options = options
    this.#memory = memory
    this.#machine = machine
    this.#members = members
    this.#appliedIndex = applied
    this.#snapshotIndex = applied
    machineSnapshots.set(this, () => this.#machine.snapshot())
    this.#confState = memory.initialState().confState
    this.#proposer = `${options.nodeId}:${options.incarnation}`
    this.#proposals = new PendingProposals(options.clock, options.requestTimeoutMs)
    // Read contexts name this process (node and incarnation): see PendingReads' contextPrefix.
    // A ReadIndex round lost with a leader change is not answered: give up well before the request timeout so clients retry.
    const readRoundMs = Math.min(options.requestTimeoutMs, 3 * options.electionTicks * options.tickMs)
    this.#reads = new PendingReads(options.clock, readRoundMs, `${this.#proposer}/`)
    this.#raw = new RawNode({
      id: options.nodeId,
      storage: memory,
      electionTicks: options.electionTicks,
      heartbeatTicks: options.heartbeatTicks,
      preVote: true,
      checkQuorum: true,
      seed: options.seed,
      applied,
      // The architecture's limits bound what a leader holds for slow followers and for a slow quorum.
      maxInflightBytes: machine.limits.raftInflightBytesMax,
      maxUncommittedEntriesBytes: machine.limits.raftUncommittedBytesMax,
    })
  }

  /** Recovers the replica from its durable log (or bootstraps it) and starts ticking. */
  static async open(input: RaftReplicaOptions): Promise<RaftReplica> {
    const options = { ...defaults, ...stripUndefined(input) } as RaftReplicaOptions & typeof defaults
    const recovered = await options.log.open()
    let snapshot = recovered.snapshot
    const fresh = snapshot === undefined && recovered.entries.length === 0 && recovered.hardState.term === 0
    if (fresh && options.bootstrap !== undefined && Object.keys(options.bootstrap).length > 0) {
      // A founding member: the membership is a snapshot at index 1, term 1, durable before anything else.
      const machine = new StoreMachine({ limits: options.limits })
      snapshot = {
        metadata: { index: 1, term: 1, confState: { voters: Object.keys(options.bootstrap).sort(), learners: [] } },
        data: encodeSnapshotPayload({ machine: machine.snapshot(), members: options.bootstrap }),
      }
      await options.log.saveSnapshot(snapshot)
    }
    const memory = new MemoryStorage(snapshot === undefined ? {} : { snapshot })
    if (recovered.entries.length > 0) memory.append(recovered.entries)
    if (recovered.hardState.term > 0 || recovered.hardState.commit > 0) memory.setHardState(recovered.hardState)
    let machine = new StoreMachine({ limits: options.limits })
    let members: Record<string, string> = {}
    if (snapshot !== undefined) {
      const payload = decodeSnapshotPayload(snapshot.data)
      machine = StoreMachine.restore(payload.machine, { limits: options.limits })
      members = payload.members
    }
    const replica = new RaftReplica(options, memory, machine, members, snapshot?.metadata.index ?? 0)
    replica.#snapshotBytes = snapshot?.data.length ?? 0
    options.onMembers?.({ ...members })
    // A group of one needs no election timeout to find out it is alone.
    const voters = memory.initialState().confState.voters
    if (voters.length === 1 && voters[0] === options.nodeId) replica.#raw.campaign()
    replica.#scheduleTick()
    replica.#process()
    return replica
  }

  get limits(): Readonly<Limits> {
    return this.#machine.limits
  }

  get revision(): number {
    return this.#machine.revision
  }

  get members(): Record<string, string> {
    return { ...this.#members }
  }

  get cluster(): ReplicaCluster {
    return this
  }

  membership(): MemberInfo[] {
    return this.status().members
  }

  leaderAddress(): string | undefined {
    return this.#leader === undefined ? undefined : this.#members[this.#leader]
  }

  get nodeId(): string {
    return this.#options.nodeId
  }

  // ----------------------------------------------------------------------------------------------
  // StoreReplica

  propose<C extends Command>(proposed: C): Promise<CommandResult<C>> {
    const refusal = this.#refusal()
    if (refusal !== undefined) return Promise.reject(refusal)
    const ttlMs = this.#options.defaultTtlMs
    const command = ttlMs === undefined ? proposed : withDefaultTtl(proposed, ttlMs)
    const bytes = estimateBytes(command)
    // One command is at most one request frame (the connection checks frameBytesMax): the queue is
    // bounded in bytes like the uncommitted log behind it; beyond, writes are refused (back-pressure).
    if (this.#queuedBytes > 0 && this.#queuedBytes + bytes > this.#machine.limits.raftUncommittedBytesMax) return Promise.reject(this.#backPressureError(`${this.#queuedBytes} bytes of writes are queued`))
    const { id, promise } = this.#proposals.add<CommandResult<C>>()
    this.#queue.push({ id, command, bytes })
    this.#queuedBytes += bytes
    this.#scheduleFlush()
    return promise
  }

  read<Q extends Query>(query: Q, consistency: Consistency): Promise<QueryResult<Q>> {
    if (this.#closed) return Promise.reject(this.#closedError())
    if (consistency === 'serializable') {
      try {
        return Promise.resolve(this.readLocal(query))
      } catch (error) {
        return Promise.reject(error)
      }
    }
    const promise = this.#reads.enqueue(query) as Promise<QueryResult<Q>>
    this.#scheduleFlush()
    return promise
  }

  readLocal<Q extends Query>(query: Q): QueryResult<Q> {
    if (this.#closed) throw this.#closedError()
    return this.#machine.query(query, this.#options.clock.now())
  }

  eventsSince(fromRevision: number): RawWatchEvent[] {
    return this.#machine.eventsSince(fromRevision)
  }

  onApplied(listener: (applied: AppliedOutput) => void): () => void {
    this.#listeners.add(listener)
    return () => this.#listeners.delete(listener)
  }

  status(): ReplicaStatus & { members: MemberInfo[] } {
    const status = this.#raw.status()
    const members = [...this.#confState.voters.map((id) => ({ id, voter: true })), ...this.#confState.learners.map((id) => ({ id, voter: false }))].map(
      ({ id, voter }) => {
        const progress = status.progress?.[id]
        const member: MemberInfo = { id, address: this.#members[id] ?? '', role: id === status.lead ? 'leader' : voter ? 'follower' : 'learner' }
        return progress === undefined ? member : { ...member, matchIndex: progress.match }
      },
    )
    return { role: this.#role, leader: status.lead, term: status.term, commitIndex: status.commit, appliedIndex: this.#appliedIndex, revision: this.#machine.revision, members }
  }

  async close(): Promise<void> {
    if (this.#closed) return
    this.#closed = true
    this.#tickTimer?.cancel()
    this.#expireTimer?.cancel()
    const error = this.#closedError()
    for (const queued of this.#takeQueue()) this.#proposals.reject(queued.id, error)
    this.#proposals.rejectAll(new UnavailableError(`store '${this.store}' closed on node ${this.#options.nodeId} while a write was in flight; it may or may not have been applied`))
    this.#reads.rejectAll(error)
    for (const waiter of this.#confWaiters.values()) waiter.reject(error)
    this.#confWaiters.clear()
    // Let an in-flight Ready finish persisting before the log closes.
    await this.#draining
    await this.#options.log.close()
  }

  // ----------------------------------------------------------------------------------------------
  // Cluster operations

  /** A Raft message from a peer. */
  step(message: Message): void {
    if (this.#closed) return
    try {
      this.#raw.step(message)
    } catch (error) {
      if (error instanceof RaftError) {
        this.#log('debug', 'dropped a raft message', { type: message.type, from: message.from, error: String(error) })
      } else {
        // An assertion: this replica's log contradicts what the group committed (typically its disk
        // was wiped and it came back under its old id). Continuing could break safety: stop it.
        this.#log('error', `replica stopped: ${(error as Error).message}. If this node's data was lost, remove it from the cluster and add it back as a new member (clustron members remove/add)`, {})
        void this.close()
        return
      }
    }
    this.#process()
  }

  /** Adds a node as a learner (it catches up), or as a voter. Resolves when the change is applied. */
  addMember(nodeId: string, address: string, asVoter: boolean): Promise<void> {
    return this.#changeMembers({ type: asVoter ? 'addVoter' : 'addLearner', nodeId, context: encodeMemberContext(address) })
  }

  removeMember(nodeId: string): Promise<void> {
    return this.#changeMembers({ type: 'removeNode', nodeId })
  }

  /** Hands leadership to `target`, or else the most caught-up voter (graceful shutdown); resolves when it moved or gave up. */
  async transferLeadership(timeoutMs: number, target?: string): Promise<boolean> {
    const status = this.#raw.status()
    if (status.role !== 'leader' || status.progress === undefined) return false
    const candidates = this.#confState.voters.filter((id) => id !== this.#options.nodeId)
    const best = target !== undefined && candidates.includes(target) ? target : candidates.sort((a, b) => (status.progress?.[b]?.match ?? 0) - (status.progress?.[a]?.match ?? 0))[0]
    if (best === undefined) return false
    this.#raw.transferLeader(best)
    this.#process()
    const deadline = this.#options.clock.now() + timeoutMs
    while (this.#role === 'leader' && this.#options.clock.now() < deadline && !this.#closed) {
      await new Promise<void>((resolve) => this.#options.clock.setTimer(this.#options.tickMs, resolve))
    }
    return this.#role !== 'leader'
  }

  // ----------------------------------------------------------------------------------------------
  // The loop

  #scheduleTick(): void {
    if (this.#closed) return
    this.#tickTimer = this.#options.clock.setTimer(this.#options.tickMs, () => {
      if (this.#closed) return
      this.#raw.tick()
      this.#process()
      this.#scheduleTick()
    })
  }

  /** Batches this turn's proposals and reads on the next microtask. */
  #scheduleFlush(): void {
    if (this.#flushScheduled) return
    this.#flushScheduled = true
    queueMicrotask(() => {
      this.#flushScheduled = false
      this.#flush()
    })
  }

  #flush(): void {
    if (this.#closed) return
    // Without a known leader a ReadIndex request has nowhere to go: refuse now (retryable) rather than at the timeout.
    if (this.#leader === undefined && this.#reads.queuedCount > 0) this.#reads.rejectQueued(this.#notLeaderError())
    const context = this.#reads.startRound()
    if (context !== undefined) {
      try {
        this.#raw.readIndex(new TextEncoder().encode(context))
      } catch (error) {
        this.#log('debug', 'read index refused', { error: String(error) })
      }
    }
    while (this.#queue.length > 0) {
      let bytes = 0
      let count = 0
      while (count < this.#queue.length && (count === 0 || bytes + this.#queue[count]!.bytes <= this.#options.batchBytesMax)) bytes += this.#queue[count++]!.bytes
      const batch = this.#queue.splice(0, count)
      this.#queuedBytes -= bytes
      this.#proposeBatch(batch)
    }
    this.#process()
  }

  #proposeBatch(batch: QueuedProposal[]): void {
    const data = encodeBatch({ proposer: this.#proposer, now: this.#options.clock.now(), commands: batch.map((item) => [item.id, item.command]) })
    this.#options.observer?.batched(batch.length)
    try {
      this.#raw.propose(data)
    } catch (error) {
      // Not handed to Raft: definitely not applied, so a plain retryable refusal.
      const refusal =
        error instanceof NotLeaderError
          ? this.#notLeaderError()
          : error instanceof UncommittedBytesExceededError
            ? this.#backPressureError('the uncommitted log is full')
            : new UnavailableError(`the write was refused by store '${this.store}': ${(error as Error).message}; retry shortly`)
      for (const item of batch) this.#proposals.reject(item.id, refusal)
    }
  }

  /** Drains every Ready: persist, then send, then apply — serialized, one fsync per Ready. */
  #process(): void {
    if (this.#processing) {
      this.#again = true
      return
    }
    this.#processing = true
    this.#draining = this.#drain()
      .catch((error: unknown) => {
        // A failed fsync or a corrupt entry: this replica can no longer be trusted to continue.
        this.#log('error', 'replica stopped: persisting or applying failed', { error: String(error) })
        void this.close()
      })
      .finally(() => {
        this.#processing = false
      })
  }

  async #drain(): Promise<void> {
    do {
      this.#again = false
      while (!this.#closed && this.#raw.hasReady()) {
        const ready = this.#raw.ready()
        await this.#persist(ready)
        this.#send(ready.messages)
        this.#apply(ready.committedEntries)
        for (const state of ready.readStates) this.#reads.confirmed(new TextDecoder().decode(state.context), state.index)
        this.#serveReads()
        if (ready.softState !== undefined) this.#roleChanged(ready.softState.role, ready.softState.leader)
        this.#raw.advance(ready)
        await this.#maybeSnapshot()
      }
    } while (this.#again && !this.#closed)
  }

  async #persist(ready: Ready): Promise<void> {
    if (ready.snapshot !== undefined) await this.#installSnapshot(ready.snapshot)
    if (ready.entries.length > 0) this.#memory.append(ready.entries)
    if (ready.hardState !== undefined) this.#memory.setHardState(ready.hardState)
    if (ready.entries.length > 0 || ready.hardState !== undefined) {
      this.#options.log.append(ready.entries, ready.hardState)
      if (ready.mustSync) {
        const startedAt = performance.now()
        await this.#options.log.sync()
        this.#options.observer?.synced(performance.now() - startedAt)
      }
    }
  }

  #send(messages: Message[]): void {
    if (messages.length === 0) return
    this.#options.send(messages)
    for (const message of messages) if (message.type === 'installSnapshot') this.#raw.reportSnapshot(message.to, 'finish')
  }

  #apply(entries: Entry[]): void {
    for (const entry of entries) {
      if (entry.index <= this.#appliedIndex) continue
      if (entry.type === 'confChange') this.#applyConfChange(entry)
      else if (entry.data.length > 0) this.#applyBatch(entry)
      this.#options.onApplyEntry?.(entry)
      this.#appliedIndex = entry.index
      this.#appliedBytes += entry.data.length
    }
    if (entries.length > 0) this.#scheduleExpiry()
  }

  #applyBatch(entry: Entry): void {
    const batch = decodeBatch(entry.data)
    const mine = batch.proposer === this.#proposer
    for (const [id, command] of batch.commands) {
      let output: ApplyOutput
      try {
        output = this.#machine.apply(command, { now: batch.now })
      } catch (error) {
        // Deterministic on every replica (validation); only the proposer reports it.
        if (!(error instanceof ClustronError)) throw error
        if (mine) this.#proposals.reject(id, errorFromData(errorToData(error)))
        continue
      }
      if (command.type === 'leaseExtend' && mine && this.#role === 'leader') this.#leaseExtended = true
      if (command.type === 'expire' && mine) this.#expireProposed = false
      if (output.events.length > 0 || output.notices.length > 0) for (const listener of this.#listeners) listener(output)
      if (mine) this.#proposals.resolve(id, output.result)
    }
  }

  #applyConfChange(entry: Entry): void {
    const change = decodeConfChange(entry.data)
    this.#confState = this.#raw.applyConfChange(change)
    if (change.type === 'removeNode') delete this.#members[change.nodeId]
    else {
      const address = decodeMemberContext(change.context)
      if (address !== undefined) this.#members[change.nodeId] = address
    }
    this.#options.onMembers?.({ ...this.#members })
    const waiter = this.#confWaiters.get(confKey(change))
    this.#confWaiters.delete(confKey(change))
    waiter?.resolve()
  }

  #serveReads(): void {
    this.#reads.serve(this.#appliedIndex, (query) => this.#machine.query(query, this.#options.clock.now()))
  }

  async #installSnapshot(snapshot: Snapshot): Promise<void> {
    await this.#options.log.saveSnapshot(snapshot)
    this.#memory.applySnapshot(snapshot)
    const payload = decodeSnapshotPayload(snapshot.data)
    const before = this.#machine.revision
    this.#machine = StoreMachine.restore(payload.machine, { limits: this.#options.limits })
    this.#members = payload.members
    this.#confState = snapshot.metadata.confState
    this.#appliedIndex = snapshot.metadata.index
    this.#snapshotIndex = snapshot.metadata.index
    this.#appliedBytes = 0
    this.#snapshotBytes = snapshot.data.length
    this.#options.onMembers?.({ ...this.#members })
    this.#options.onInstallSnapshot?.(snapshot)
    this.#replayAfterSnapshot(before)
  }

  /** Watchers of this replica saw revisions up to `before`: hand them what the snapshot skipped. */
  #replayAfterSnapshot(before: number): void {
    let events: RawWatchEvent[]
    try {
      events = this.#machine.eventsSince(before + 1)
    } catch {
      this.#log('warn', 'a snapshot skipped revisions no longer retained; watchers on this replica must resume from a newer revision', { before })
      return
    }
    let start = 0
    while (start < events.length) {
      const revision = events[start]!.revision
      let end = start
      while (end < events.length && events[end]!.revision === revision) end++
      const output: AppliedOutput = { revision, events: events.slice(start, end), notices: [] }
      for (const listener of this.#listeners) listener(output)
      start = end
    }
  }

  async #maybeSnapshot(): Promise<void> {
    const due = this.#appliedIndex - this.#snapshotIndex >= this.#options.snapshotEntries || this.#appliedBytes >= this.#options.snapshotLogBytes
    // A snapshot encodes the whole state (synchronously) and writes it: with a large state, taking one
    // every snapshotLogBytes made loading N bytes cost O(N²) and stalled the loop for seconds at a
    // time (a 100k × 4 KiB load: leader unresponsive, 5.8 GB RSS). Wait until the log since the last
    // snapshot is at least half its size: snapshot work stays proportional to the bytes written, and
    // the log kept in memory stays below ~half the state (plus retainLogBytes).
    const amortized = this.#snapshotBytes <= this.#options.snapshotLogBytes / 8 || 2 * this.#appliedBytes >= this.#snapshotBytes
    if (!due || !amortized || this.#closed) return
    const index = this.#appliedIndex
    const startedAt = performance.now()
    const data = encodeSnapshotPayload({ machine: this.#machine.snapshot(), members: this.#members })
    const snapshot = this.#memory.createSnapshot(index, this.#confState, data)
    await this.#options.log.saveSnapshot(snapshot)
    this.#snapshotIndex = index
    this.#appliedBytes = 0
    this.#snapshotBytes = data.length
    const compactTo = this.#compactionPoint(index)
    if (compactTo > this.#memory.firstIndex()) {
      this.#memory.compact(compactTo)
      await this.#options.log.compact(compactTo)
    }
    this.#options.observer?.snapshotted(performance.now() - startedAt, data.length)
    this.#log('info', 'snapshot taken', { index, revision: this.#machine.revision, bytes: data.length })
  }

  /** The index to compact the log to after a snapshot at `index`: keep retainEntries entries, but at most retainLogBytes. */
  #compactionPoint(index: number): number {
    const entriesPoint = index - this.#options.retainEntries
    const first = this.#memory.firstIndex()
    const retained = this.#memory.entries(Math.max(first, entriesPoint + 1), index + 1)
    let bytes = 0
    for (let position = retained.length - 1; position >= 0; position--) {
      bytes += retained[position]!.data.length
      if (bytes > this.#options.retainLogBytes) return Math.max(entriesPoint, retained[position]!.index)
    }
    return entriesPoint
  }

  #takeQueue(): QueuedProposal[] {
    this.#queuedBytes = 0
    return this.#queue.splice(0)
  }

  /** Refused before it reached the log (definitely not applied): the client retries after retryAfterMs. */
  #backPressureError(why: string): ResourceExhaustedError {
    return new ResourceExhaustedError(`store '${this.store}' is writing as fast as its quorum persists (${why}); retry after ${backPressureRetryMs} ms`, {
      details: { retryAfterMs: backPressureRetryMs },
    })
  }

  #roleChanged(role: string, leader: string | undefined): void {
    const wasLeader = this.#role === 'leader'
    this.#role = role === 'preCandidate' ? 'candidate' : (role as ReplicaStatus['role'])
    if ((this.#role === 'leader') !== wasLeader) this.#options.observer?.roleChanged(this.#role)
    this.#leader = leader
    if (this.#role === 'leader' && !wasLeader) {
      this.#leaseExtended = false
      this.#expireProposed = false
      // Leases must not expire because the cluster had no leader for a while: extend them first.
      const extendMs = 2 * this.#options.electionTicks * this.#options.tickMs
      this.propose({ type: 'leaseExtend', extendMs }).catch(() => undefined)
    }
    if (this.#role !== 'leader' && wasLeader) {
      this.#expireTimer?.cancel()
      this.#expireTimer = undefined
      this.#expireAt = undefined
      // Queued, not yet proposed: definitely not applied.
      for (const queued of this.#takeQueue()) this.#proposals.reject(queued.id, this.#notLeaderError())
    }
    this.#log('info', 'role changed', { role: this.#role, leader, term: this.#raw.status().term })
  }

  /** Leader only: propose `expire` when the machine's next deadline passes. */
  #scheduleExpiry(): void {
    if (this.#role !== 'leader' || !this.#leaseExtended || this.#expireProposed || this.#closed) return
    const next = this.#machine.nextDeadline()
    if (next === this.#expireAt) return
    this.#expireTimer?.cancel()
    this.#expireTimer = undefined
    this.#expireAt = next
    if (next === undefined) return
    this.#expireTimer = this.#options.clock.setTimer(next - this.#options.clock.now(), () => {
      this.#expireTimer = undefined
      this.#expireAt = undefined
      if (this.#role !== 'leader' || this.#closed) return
      this.#expireProposed = true
      this.propose({ type: 'expire' }).catch(() => {
        this.#expireProposed = false
      })
    })
  }

  #changeMembers(change: ConfChange): Promise<void> {
    const refusal = this.#refusal()
    if (refusal !== undefined) return Promise.reject(refusal)
    return new Promise<void>((resolve, reject) => {
      try {
        this.#raw.proposeConfChange(change)
      } catch (error) {
        reject(error instanceof NotLeaderError ? this.#notLeaderError() : new UnavailableError(`membership change refused: ${(error as Error).message}`))
        return
      }
      this.#confWaiters.set(confKey(change), { resolve, reject })
      this.#process()
    })
  }

  #refusal(): ClustronError | undefined {
    if (this.#closed) return this.#closedError()
    if (this.#role !== 'leader') return this.#notLeaderError()
    return undefined
  }

  #notLeaderError(): UnavailableError {
    const leader = this.#leader
    const address = leader === undefined ? undefined : this.#members[leader]
    return new UnavailableError(
      leader === undefined
        ? `store '${this.store}' has no leader right now (an election is under way); retry shortly`
        : `node ${this.#options.nodeId} does not lead store '${this.store}'; its leader is ${leader}${address === undefined ? '' : ` at ${address}`}`,
      // Only an address is useful to a client (it connects there); a bare node id is not.
      address === undefined ? {} : { details: { leader: address } },
    )
  }

  #closedError(): UnavailableError {
    return new UnavailableError(`store '${this.store}' is closed on node ${this.#options.nodeId} (the node is shutting down); retry on another node`)
  }

  #log(level: 'debug' | 'info' | 'warn' | 'error', message: string, fields: Record<string, unknown> = {}): void {
    this.#options.onLog?.(level, message, { store: this.store, node: this.#options.nodeId, ...fields })
  }
}

function confKey(change: ConfChange): string {
  return `${change.type}:${change.nodeId}`
}

/** An upper estimate of a command's encoded size (values dominate; keys are at most 3 bytes a unit). */
function estimateBytes(command: Command): number {
  let bytes = 64
  if ('key' in command && typeof command.key === 'string') bytes += command.key.length * 3
  if ('value' in command && command.value instanceof Uint8Array) bytes += command.value.length
  if (command.type === 'putMany') for (const [key, value] of command.entries) bytes += key.length * 3 + value.length + 8
  if (command.type === 'txn') {
    for (const op of [...command.then, ...command.else]) bytes += 32 + ('key' in op ? op.key.length * 3 : 0) + (op.op === 'put' ? op.value.length : 0)
    for (const compare of command.if) bytes += 32 + compare.key.length * 3 + (compare.value instanceof Uint8Array ? compare.value.length : 8)
  }
  return bytes
}

function stripUndefined<T extends object>(value: T): T {
  return Object.fromEntries(Object.entries(value).filter(([, field]) => field !== undefined)) as T
}

