/**
 * The plain-data language of the StoreMachine: commands (writes, applied in log order on every
 * replica), queries (reads of one replica's state), their results, watch events and notices.
 * Values are msgpack bytes here; the Store layer encodes and decodes them. Everything in this file
 * crosses the wire as is, so it holds only numbers, strings, booleans, arrays, plain objects and
 * Uint8Arrays.
 */

/** One key as stored. `value` is a read-only view: copy it before keeping it beyond the call. */
export interface RawEntry {
  key: string
  value: Uint8Array
  version: number
  createRevision: number
  modRevision: number
  lease?: string
  expiresAt?: number
}

/** A RawEntry whose value is decoded (a fresh copy): the public Entry shape, before namespacing. */
export interface DecodedEntry {
  key: string
  value: unknown
  version: number
  createRevision: number
  modRevision: number
  lease?: string
  expiresAt?: number
}

/** Which queue-lock table a lock operation addresses: user locks or elections (separate names). */
export type LockKind = 'lock' | 'election'

/** A fencing condition: the write applies only while lock `name` is held with `token`. */
export interface FenceRef {
  name: string
  token: number
}

export type DeleteReason = 'deleted' | 'expired' | 'lease' | 'cleared'

export interface RawWatchEvent {
  type: 'put' | 'delete'
  key: string
  value?: Uint8Array
  version: number
  revision: number
  /** The entry before this change, when the key existed. */
  prev?: RawEntry
  reason?: DeleteReason
}

// ---------------------------------------------------------------------------------------------
// Commands

export interface PutCommand {
  type: 'put'
  key: string
  value: Uint8Array
  ttlMs?: number
  lease?: string
  ifVersion?: number
  ifAbsent?: boolean
  fence?: FenceRef
}
export interface DeleteCommand {
  type: 'delete'
  key: string
  ifVersion?: number
  fence?: FenceRef
}
export interface PutManyCommand {
  type: 'putMany'
  entries: [string, Uint8Array][]
  ttlMs?: number
  lease?: string
}
export interface DeleteManyCommand {
  type: 'deleteMany'
  keys: string[]
}
/** Deletes a prefix (`prefix`, '' = everything) or a range [`start`, `end`). */
export interface ClearCommand {
  type: 'clear'
  prefix?: string
  start?: string
  end?: string
}
/** `store.expire(key, ttlMs)`: sets or replaces a key's TTL. */
export interface SetTtlCommand {
  type: 'setTtl'
  key: string
  ttlMs: number
}
export interface PersistCommand {
  type: 'persist'
  key: string
}

export type CompareTarget = 'value' | 'version' | 'createRevision' | 'modRevision' | 'lease'
export type CompareOp = '==' | '!=' | '<' | '>'
/** `value` is msgpack bytes for target 'value', a number for versions/revisions, a lease id or null for 'lease'. */
export interface RawCompare {
  key: string
  target: CompareTarget
  op: CompareOp
  value: Uint8Array | number | string | null
}
export type RawTxnOp =
  | { op: 'get'; key: string }
  | { op: 'put'; key: string; value: Uint8Array; ttlMs?: number; lease?: string }
  | { op: 'delete'; key: string }
  | { op: 'deletePrefix'; prefix: string }
  | { op: 'add'; key: string; delta: number }
export interface TxnCommand {
  type: 'txn'
  if: RawCompare[]
  then: RawTxnOp[]
  else: RawTxnOp[]
}

export interface CounterAddCommand {
  type: 'counterAdd'
  key: string
  delta: number
  min?: number
  max?: number
  ttlMs?: number
}
export interface CounterSetCommand {
  type: 'counterSet'
  key: string
  value: number
}

export interface LeaseGrantCommand {
  type: 'leaseGrant'
  ttlMs: number
}
export interface LeaseRenewCommand {
  type: 'leaseRenew'
  id: string
}
export interface LeaseRevokeCommand {
  type: 'leaseRevoke'
  id: string
}

/**
 * Joins the FIFO queue of a lock (or election). With `lease` the waiter is bound to that lease;
 * without it the machine grants a lease of `ttlMs` owned by this waiter, revoked when the waiter
 * releases or cancels. `waiterId` is chosen by the client and makes the command idempotent.
 */
export interface LockAcquireCommand {
  type: 'lockAcquire'
  kind: LockKind
  name: string
  waiterId: string
  lease?: string
  ttlMs?: number
  /** false: never queue (tryAcquire). */
  wait: boolean
  /** Elections: the candidate's value. */
  value?: Uint8Array
}
export interface LockCancelCommand {
  type: 'lockCancel'
  kind: LockKind
  name: string
  waiterId: string
}
export interface LockReleaseCommand {
  type: 'lockRelease'
  kind: LockKind
  name: string
  token: number
}
export interface ElectionProclaimCommand {
  type: 'electionProclaim'
  name: string
  token: number
  value: Uint8Array
}

/** Expires every TTL key and lease whose deadline is at or before `ctx.now`: one revision. */
export interface ExpireCommand {
  type: 'expire'
}
/** Proposed by a new leader: pushes every lease deadline to at least now + the lease's TTL + `extendMs`. */
export interface LeaseExtendCommand {
  type: 'leaseExtend'
  extendMs: number
}

export type Command =
  | PutCommand
  | DeleteCommand
  | PutManyCommand
  | DeleteManyCommand
  | ClearCommand
  | SetTtlCommand
  | PersistCommand
  | TxnCommand
  | CounterAddCommand
  | CounterSetCommand
  | LeaseGrantCommand
  | LeaseRenewCommand
  | LeaseRevokeCommand
  | LockAcquireCommand
  | LockCancelCommand
  | LockReleaseCommand
  | ElectionProclaimCommand
  | ExpireCommand
  | LeaseExtendCommand

export type CommandType = Command['type']

// ---------------------------------------------------------------------------------------------
// Command results

export type WriteFailureReason = 'version-mismatch' | 'exists' | 'missing' | 'fenced'
export type RawWriteResult =
  | { ok: true; revision: number; version: number }
  | { ok: false; reason: WriteFailureReason; current?: RawEntry }

export type RawTxnOpResult =
  | { op: 'get'; entry?: RawEntry }
  | { op: 'put'; revision: number; version: number }
  | { op: 'delete'; deleted: number }
  | { op: 'add'; value: number; previous: number }

export type RawCounterAddResult =
  | { ok: true; value: number; previous: number; revision: number }
  | { ok: false; value: number }

export type LockAcquireResult =
  | { granted: true; token: number; revision: number; since: number; lease: string }
  | { granted: false; queued: boolean; lease: string }

export interface CommandResults {
  put: RawWriteResult
  delete: { deleted: boolean; revision: number }
  putMany: { revision: number }
  deleteMany: { deleted: number; revision: number }
  clear: { deleted: number; revision: number }
  setTtl: { ok: boolean; revision: number }
  persist: { ok: boolean; revision: number }
  txn: { succeeded: boolean; revision: number; results: RawTxnOpResult[] }
  counterAdd: RawCounterAddResult
  counterSet: { previous: number; revision: number }
  leaseGrant: { id: string; ttlMs: number; expiresAt: number }
  leaseRenew: { ttlMs: number; expiresAt: number }
  leaseRevoke: { revoked: boolean; revision: number }
  lockAcquire: LockAcquireResult
  /** `cancelled: false` with a token: the waiter already holds the lock (the caller decides). */
  lockCancel: { cancelled: boolean; token?: number }
  lockRelease: { released: boolean; revision: number }
  electionProclaim: { ok: boolean; revision: number }
  expire: { revision: number; keys: number; leases: number }
  leaseExtend: { leases: number }
}
export type CommandResult<C extends Command = Command> = CommandResults[C['type']]

// ---------------------------------------------------------------------------------------------
// Queries (reads of one replica)

export interface ListQuery {
  type: 'list'
  prefix?: string
  start?: string
  end?: string
  limit?: number
  reverse?: boolean
  keysOnly?: boolean
}
export type Query =
  | { type: 'get'; key: string }
  | { type: 'getMany'; keys: string[] }
  | ListQuery
  | { type: 'count'; prefix?: string; start?: string; end?: string }
  | { type: 'ttl'; key: string }
  | { type: 'leaseInfo'; id: string }
  | { type: 'leaseList' }
  | { type: 'lockHolder'; kind: LockKind; name: string }
  | { type: 'lockWaiter'; kind: LockKind; name: string; waiterId: string }
  | { type: 'electionLeader'; name: string }
  | { type: 'status' }

export type QueryType = Query['type']

export interface LeaseInfo {
  id: string
  ttlMs: number
  remainingMs: number
  keys: string[]
}
/** Where a waiter stands: holding (with its grant), queued, or unknown to the machine. */
export type WaiterState =
  | { state: 'holding'; token: number; since: number; lease: string }
  | { state: 'queued'; position: number; lease: string }
  | { state: 'absent' }
export interface MachineStatus {
  revision: number
  compactRevision: number
  keys: number
  leases: number
  locks: number
  elections: number
  lockWaiters: number
}

export interface QueryResults {
  get: RawEntry | undefined
  getMany: (RawEntry | undefined)[]
  list: { entries: RawEntry[]; more: boolean; revision: number }
  count: number
  ttl: number | undefined
  leaseInfo: LeaseInfo | undefined
  leaseList: string[]
  lockHolder: { token: number; since: number; lease: string } | undefined
  lockWaiter: WaiterState
  electionLeader: { leader?: { value: Uint8Array; token: number }; revision: number }
  status: MachineStatus
}
export type QueryResult<Q extends Query = Query> = QueryResults[Q['type']]

// ---------------------------------------------------------------------------------------------
// Notices: changes addressed to particular clients rather than to key watchers.

export type Notice =
  | { type: 'leaseLost'; id: string; reason: 'expired' | 'revoked' }
  | { type: 'lockGranted'; kind: LockKind; name: string; waiterId: string; token: number; since: number; lease: string }
  /** A holder lost its grant (released, or its lease ended) or a waiter left the queue because its lease ended. */
  | { type: 'lockEnded'; kind: LockKind; name: string; waiterId: string; token?: number; reason: 'released' | 'lease' | 'cancelled' }
  | { type: 'electionChanged'; name: string; leader?: { value: Uint8Array; token: number }; revision: number }

export interface ApplyContext {
  /** The time stamped on the command by its proposer: the only clock the machine knows. */
  now: number
}

export interface ApplyOutput<C extends Command = Command> {
  result: CommandResult<C>
  /** Key events of this command, all at `revision` (empty when nothing changed). */
  events: readonly RawWatchEvent[]
  notices: readonly Notice[]
  /** The store revision after the command. */
  revision: number
}
