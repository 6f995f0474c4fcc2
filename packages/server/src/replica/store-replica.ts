import type { Consistency, Limits } from '@clustron/core'
import type { Command, CommandResult, Notice, Query, QueryResult, RawWatchEvent } from '@clustron/core/internal'

/**
 * The seam between a node's client-facing code and the copy of a store it hosts. The server never
 * touches a StoreMachine: it proposes commands to a replica, reads through it, and listens to what
 * the replica applies. Today one class implements it (SingleReplica: one machine, no log); the
 * Raft issue adds a replicated implementation behind the same interface.
 *
 * Duties of an implementation:
 * - Apply commands in one order (the log order) and publish every applied command's output to
 *   `onApplied` listeners synchronously, in that order, before anything else can observe the new
 *   state (so a watch registered between two applies sees no gap and no duplicate).
 * - Stamp time on commands itself (the leader's clock) and propose the time-driven commands
 *   (`expire` when `nextDeadline` passes, `leaseExtend` after an election); clients never send those.
 * - Values in results, `readLocal` answers and events may be views into the machine's memory:
 *   callers copy or encode them before returning to the event loop.
 */
export interface StoreReplica {
  /** The store's name (as clients name it in the handshake). */
  readonly store: string
  /** The store's limits (the machine's, as resolved at start-up). */
  readonly limits: Readonly<Limits>
  /** The revision of the last applied command on this replica. */
  readonly revision: number

  /**
   * Proposes a write. Resolves with the command's result once it is committed and applied here;
   * rejects with a ClustronError (the machine's own errors unchanged; UNAVAILABLE with
   * `details.leader` when this replica cannot accept writes, e.g. it is not the leader).
   * Commands proposed in one order by one caller are applied in that order.
   */
  propose<C extends Command>(command: C): Promise<CommandResult<C>>

  /**
   * Reads. 'linearizable' reflects every write acknowledged before the call (a leader ReadIndex
   * round in a replicated store); 'serializable' reads this replica's state as it is.
   */
  read<Q extends Query>(query: Q, consistency: Consistency): Promise<QueryResult<Q>>

  /** Reads this replica's state synchronously (for registering watches atomically with applies). */
  readLocal<Q extends Query>(query: Q): QueryResult<Q>

  /** Retained events with revision >= fromRevision; throws CompactedError when they are gone. */
  eventsSince(fromRevision: number): RawWatchEvent[]

  /** Calls `listener` synchronously after each applied command that changed something. */
  onApplied(listener: (applied: AppliedOutput) => void): () => void

  /** Where this replica stands (for /health and `status`). */
  status(): ReplicaStatus

  /** Stops timers and releases resources; later proposals reject with UNAVAILABLE. */
  close(): Promise<void>

  /** Membership and leadership, for replicas that belong to a replicated group. */
  readonly cluster?: ReplicaCluster
}

/** A member of a store's group as `status` and `clustron members list` show it. */
export interface MemberInfo {
  id: string
  /** host:port where the member serves clients and peers. */
  address: string
  role: string
  /** Replication progress (known on the leader). */
  matchIndex?: number
}

export interface ReplicaCluster {
  membership(): MemberInfo[]
  /** The leader's address when known. */
  leaderAddress(): string | undefined
  /** Adds a member (a learner catches up first; `voter` adds or promotes it to a voter). Leader only. */
  addMember(nodeId: string, address: string, voter: boolean): Promise<void>
  removeMember(nodeId: string): Promise<void>
  /** Hands leadership to `target` (or else another voter: graceful shutdown); false when there was none to give it to. */
  transferLeadership(timeoutMs: number, target?: string): Promise<boolean>
}

/** What one applied command produced. */
export interface AppliedOutput {
  /** The store revision after the command. */
  readonly revision: number
  /** Key events of the command, all at `revision` (empty when no key changed). */
  readonly events: readonly RawWatchEvent[]
  readonly notices: readonly Notice[]
}

export type ReplicaRole = 'leader' | 'follower' | 'candidate' | 'learner'

export interface ReplicaStatus {
  role: ReplicaRole
  /** The node id of the store's leader, when known. */
  leader: string | undefined
  term: number
  /** Log index: highest committed entry. */
  commitIndex: number
  /** Log index: highest entry applied to this replica's machine. */
  appliedIndex: number
  revision: number
}
