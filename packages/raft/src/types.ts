/**
 * Plain data types of the Raft surface. Everything here is plain data (no classes, no methods) so that
 * messages, entries and snapshots can be serialized by msgpack or structured clone without adapters.
 */

/** A node's id inside one Raft group, e.g. 'n1'. The empty string is never a valid id. */
export type NodeId = string

export type EntryType = 'normal' | 'confChange'

/** One log entry. `index` starts at 1; `term` is the leader's term when the entry was appended. */
export interface Entry {
  term: number
  index: number
  type: EntryType
  /** Application payload for 'normal' entries; `encodeConfChange(change)` for 'confChange' entries. */
  data: Uint8Array
}

/** The state that must be on stable storage before any message of the same Ready is sent. */
export interface HardState {
  term: number
  /** The candidate this node voted for in `term`, undefined when it has not voted in `term`. */
  vote: NodeId | undefined
  /** Highest log index known to be committed (may lag behind the truth; never goes backwards). */
  commit: number
}

/** Membership of the group. A node is in at most one of the two lists. */
export interface ConfState {
  voters: NodeId[]
  learners: NodeId[]
}

export interface SnapshotMetadata {
  /** Index of the last entry the snapshot covers. */
  index: number
  /** Term of the entry at `index`. */
  term: number
  /** Membership as of `index`. */
  confState: ConfState
}

export interface Snapshot {
  metadata: SnapshotMetadata
  /** The application state machine's bytes as of `metadata.index`. */
  data: Uint8Array
}

/** A single membership change. Only one may be pending (proposed but not applied) at a time. */
export interface ConfChange {
  /** 'addVoter' on a learner promotes it; 'addLearner' on a voter demotes it. */
  type: 'addVoter' | 'addLearner' | 'removeNode'
  nodeId: NodeId
  /** Opaque to Raft: the driver may put the new node's address here. */
  context?: Uint8Array
}

/** A linearizable read that may be served once the local applied index reaches `index`. */
export interface ReadState {
  index: number
  /** The context passed to `readIndex`, returned unchanged so the driver can match the request. */
  context: Uint8Array
}

export type Role = 'leader' | 'follower' | 'candidate' | 'preCandidate' | 'learner'

export interface SoftState {
  leader: NodeId | undefined
  role: Role
}

export type ProgressState = 'probe' | 'replicate' | 'snapshot'

interface MessageHeader {
  from: NodeId
  to: NodeId
  /** The sender's term; for pre-vote requests the term the sender would campaign in. */
  term: number
}

/** Leader → follower: entries following (`index`, `logTerm`); empty entries serve as a probe or commit update. */
export interface AppendEntriesMessage extends MessageHeader {
  type: 'appendEntries'
  /** Index of the entry immediately preceding `entries`. */
  index: number
  /** Term of the entry at `index`. */
  logTerm: number
  entries: Entry[]
  /** The leader's commit index. */
  commit: number
}

/**
 * Follower → leader, answering appendEntries and installSnapshot. When accepted, `index` is the highest
 * index known to match the leader's log. When rejected, `index` echoes the rejected appendEntries' index and
 * (`rejectHint`, `logTerm`) name the follower's entry the leader should probe next.
 */
export interface AppendResponseMessage extends MessageHeader {
  type: 'appendResponse'
  index: number
  reject: boolean
  rejectHint: number
  logTerm: number
}

export interface RequestVoteMessage extends MessageHeader {
  type: 'requestVote'
  lastLogIndex: number
  lastLogTerm: number
  /** Set when the election follows a leadership transfer: voters then ignore their leader lease. */
  transfer: boolean
}

export interface VoteResponseMessage extends MessageHeader {
  type: 'voteResponse'
  reject: boolean
}

export interface RequestPreVoteMessage extends MessageHeader {
  type: 'requestPreVote'
  lastLogIndex: number
  lastLogTerm: number
}

export interface PreVoteResponseMessage extends MessageHeader {
  type: 'preVoteResponse'
  reject: boolean
}

export interface HeartbeatMessage extends MessageHeader {
  type: 'heartbeat'
  /** min(leader commit, follower match): a follower must not commit entries it may not have. */
  commit: number
  /** Set when the heartbeat confirms leadership for a pending read index request. */
  context: Uint8Array | undefined
}

export interface HeartbeatResponseMessage extends MessageHeader {
  type: 'heartbeatResponse'
  context: Uint8Array | undefined
}

export interface InstallSnapshotMessage extends MessageHeader {
  type: 'installSnapshot'
  snapshot: Snapshot
}

/** Leader → transferee: start an election now, skipping pre-vote. */
export interface TimeoutNowMessage extends MessageHeader {
  type: 'timeoutNow'
}

/** Follower → leader: a read index request forwarded on behalf of the follower's client. */
export interface ReadIndexMessage extends MessageHeader {
  type: 'readIndex'
  context: Uint8Array
}

/** Leader → follower: the answer to a forwarded read index request. */
export interface ReadIndexResponseMessage extends MessageHeader {
  type: 'readIndexResponse'
  index: number
  context: Uint8Array
}

/** Follower → leader: a leadership transfer request forwarded to the leader. */
export interface TransferLeaderMessage extends MessageHeader {
  type: 'transferLeader'
  transferee: NodeId
}

/** Every message Raft nodes exchange. Discriminated on `type`; plain data only. */
export type Message =
  | AppendEntriesMessage
  | AppendResponseMessage
  | RequestVoteMessage
  | VoteResponseMessage
  | RequestPreVoteMessage
  | PreVoteResponseMessage
  | HeartbeatMessage
  | HeartbeatResponseMessage
  | InstallSnapshotMessage
  | TimeoutNowMessage
  | ReadIndexMessage
  | ReadIndexResponseMessage
  | TransferLeaderMessage

export type MessageType = Message['type']

/** A message without its header, as built by the role logic before `send` stamps from/to/term. */
type DistributiveOmit<T, K extends PropertyKey> = T extends unknown ? Omit<T, K> : never
export type MessageBody = DistributiveOmit<Message, 'from' | 'to' | 'term'>

/**
 * The work the driver must do, returned by `RawNode.ready()`. The order of the duties below is what makes Raft
 * safe; doing them in another order can lose acknowledged writes or elect two leaders in one term.
 *
 * 1. If `snapshot` is set, write it to stable storage (then install it into the Storage the node reads).
 * 2. Append `entries` to stable storage (they may replace a suffix of the stored log: drop stored entries
 *    with index >= entries[0].index first) and write `hardState` if set. Fsync when `mustSync` is true.
 * 3. Only then send `messages` (any order; they may be dropped, duplicated or reordered by the network).
 * 4. Apply `committedEntries` to the state machine in order (after step 2: a committed entry may be in
 *    `entries` of this same Ready). Call `RawNode.applyConfChange` for each 'confChange' entry.
 *    If `snapshot` was set, restore the state machine from it before applying anything else.
 * 5. Serve each of `readStates` once the applied index is >= its index.
 * 6. Call `RawNode.advance()`.
 */
export interface Ready {
  /** Present when leader or role changed since the previous Ready. Volatile: never persisted. */
  softState?: SoftState
  /** Present when term, vote or commit changed. Persist BEFORE sending `messages`. */
  hardState?: HardState
  /** New log entries. Append to stable storage BEFORE sending `messages`; may overwrite a stored suffix. */
  entries: Entry[]
  /** A snapshot received from the leader. Install into storage, then restore the state machine from it. */
  snapshot?: Snapshot
  /** Entries to apply, in order, AFTER `entries` and `hardState` of this Ready are persisted. */
  committedEntries: Entry[]
  /** Messages to send AFTER `hardState`, `entries` and `snapshot` of this Ready are persisted. */
  messages: Message[]
  /** Reads confirmed by the leader: serve each once appliedIndex >= index. */
  readStates: ReadState[]
  /** Whether persisting this Ready needs an fsync before messages are sent (term, vote, entries or snapshot changed). */
  mustSync: boolean
}

export interface ProgressStatus {
  match: number
  next: number
  state: ProgressState
  recentActive: boolean
  isLearner: boolean
}

export interface Status {
  id: NodeId
  term: number
  vote: NodeId | undefined
  commit: number
  applied: number
  lead: NodeId | undefined
  role: Role
  /** Only on the leader: the replication progress of every member, itself included. */
  progress?: Record<NodeId, ProgressStatus>
  /** Only on the leader, while a leadership transfer is under way. */
  leadTransferee?: NodeId
  confState: ConfState
}

/** Optional sink for Raft's diagnostic lines. The library never writes anywhere by itself. */
export interface RaftLogger {
  debug(message: string): void
  info(message: string): void
  warn(message: string): void
}
