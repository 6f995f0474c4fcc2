/**
 * The public Store API (spec §2–§8). Both modes implement exactly this interface; user code
 * written against it runs unchanged in-process and against a cluster.
 */

export interface Entry<T = unknown> {
  key: string
  value: T
  /** 1 on create, +1 per write of this key; a deleted key starts over. */
  version: number
  /** Store revision that created the key. */
  createRevision: number
  /** Store revision of its last write. */
  modRevision: number
  /** Id of the lease it is bound to. */
  lease?: string
  /** Epoch ms when it expires, when it has a TTL. */
  expiresAt?: number
}

export type WriteResult<T = unknown> =
  | { ok: true; revision: number; version: number }
  | { ok: false; reason: 'version-mismatch' | 'exists' | 'missing' | 'fenced'; current?: Entry<T> }

export type Consistency = 'linearizable' | 'serializable'

export interface GetOptions {
  /** 'linearizable' (default) sees every write acknowledged before the call; 'serializable' reads the nearest replica. */
  consistency?: Consistency
}

export interface PutOptions {
  ttlMs?: number
  lease?: Lease | string
  /** Write only if the key's version is this (0 = the key is absent). */
  ifVersion?: number
  ifAbsent?: boolean
  /** Write only while this lock is held with this lock's token. */
  fence?: Lock
}

export interface DeleteOptions {
  ifVersion?: number
  fence?: Lock
}

export interface RangeOptions {
  prefix?: string
  start?: string
  /** Exclusive. */
  end?: string
}

export interface ListOptions extends RangeOptions {
  limit?: number
  reverse?: boolean
  keysOnly?: boolean
  consistency?: Consistency
}

export interface ListResult<T = unknown> {
  entries: Entry<T>[]
  /** More entries match beyond `limit`. */
  more: boolean
  /** The revision the page was read at. */
  revision: number
}

export interface ScanOptions extends RangeOptions {
  pageSize?: number
}

export type ClearOptions = { prefix?: string } | { start: string; end: string }

export type CompareTarget = 'value' | 'version' | 'createRevision' | 'modRevision' | 'lease'
export interface Compare {
  key: string
  target: CompareTarget
  /** Defaults to '=='. */
  op?: '==' | '!=' | '<' | '>'
  value: unknown
}

export type TxnOp =
  | { op: 'get'; key: string }
  | { op: 'put'; key: string; value: unknown; ttlMs?: number; lease?: Lease | string }
  | { op: 'delete'; key: string }
  | { op: 'deletePrefix'; prefix: string }
  | { op: 'add'; key: string; delta: number }

export type TxnOpResult = Entry | undefined | { revision: number; version: number } | { deleted: number } | { value: number; previous: number }

export interface TxnRequest {
  if?: Compare[]
  then: TxnOp[]
  else?: TxnOp[]
}

export interface TxnResponse {
  succeeded: boolean
  revision: number
  results: TxnOpResult[]
}

/** The handle passed to `store.transaction(fn)`: reads see this transaction's own writes. */
export interface Transaction {
  get<T = unknown>(key: string): Promise<Entry<T> | undefined>
  getMany<T = unknown>(keys: string[]): Promise<(Entry<T> | undefined)[]>
  put(key: string, value: unknown, options?: { ttlMs?: number; lease?: Lease | string }): void
  delete(key: string): void
}

export interface TransactionOptions {
  /** Re-runs after a conflict before giving up with ConflictError (default 10). */
  retries?: number
}

export interface Lease extends AsyncDisposable {
  readonly id: string
  readonly ttlMs: number
  /** Aborted when the lease is lost: expired, revoked, or not renewed in time. */
  readonly signal: AbortSignal
  /** One explicit keep-alive; throws LEASE_NOT_FOUND if the lease is gone. */
  renew(): Promise<void>
  /** Deletes every key bound to it and releases its locks. */
  revoke(): Promise<void>
}

export interface LeaseGrantOptions {
  /** Renew at ttlMs/3 until revoked or the store is closed (default true). */
  keepAlive?: boolean
}

export interface LeaseInfo {
  id: string
  ttlMs: number
  remainingMs: number
  keys: string[]
}

export interface Leases {
  grant(ttlMs: number, options?: LeaseGrantOptions): Promise<Lease>
  info(id: string): Promise<LeaseInfo | undefined>
  list(): Promise<string[]>
  /**
   * Revokes a lease by id, whoever granted it (operators, `clustron lease revoke`): deletes every key
   * bound to it and releases its locks, as `lease.revoke()` does. False when no such lease exists.
   */
  revoke(id: string): Promise<boolean>
}

export interface Lock extends AsyncDisposable {
  readonly name: string
  /** Fencing token: strictly increasing across all grants of all locks in the store. */
  readonly token: number
  /** Aborted when the lock is lost (released, or its lease ended). */
  readonly signal: AbortSignal
  /** The lease the lock is bound to. */
  readonly lease: Lease
  release(): Promise<void>
}

export interface AcquireOptions {
  /** TTL of the lock's own lease, kept alive while held (default 15000); ignored with `lease`. */
  ttlMs?: number
  /** Bind the lock to this lease instead of its own. */
  lease?: Lease
  /** Give up with LockTimeoutError after this long (default: wait forever). */
  waitMs?: number
  signal?: AbortSignal
}

export interface Locks {
  acquire(name: string, options?: AcquireOptions): Promise<Lock>
  tryAcquire(name: string, options?: Omit<AcquireOptions, 'waitMs'>): Promise<Lock | undefined>
  withLock<R>(name: string, fn: (lock: Lock) => Promise<R> | R, options?: AcquireOptions): Promise<R>
  holder(name: string): Promise<{ token: number; since: number } | undefined>
}

export type CounterAddResult = { ok: true; value: number; previous: number } | { ok: false; value: number }

export interface CounterAddOptions {
  min?: number
  max?: number
  /** TTL set when the counter gets one (created, or had none); later adds keep it (a fixed window). */
  ttlMs?: number
}

export interface Counters {
  add(key: string, delta?: number, options?: CounterAddOptions): Promise<CounterAddResult>
  get(key: string): Promise<number>
  set(key: string, value: number): Promise<number>
}

export type DeleteReason = 'deleted' | 'expired' | 'lease' | 'cleared'

export interface WatchEvent<T = unknown> {
  type: 'put' | 'delete'
  key: string
  value?: T
  /** The key's version after the change; 0 for deletes. */
  version: number
  revision: number
  prev?: Entry<T>
  reason?: DeleteReason
}

export interface WatchOptions {
  /** Watch every key that starts with the given key. */
  prefix?: boolean
  /** Replay retained events with revision >= this, then continue live. */
  fromRevision?: number
  /** First yield the current matching entries as puts at the snapshot's revision. */
  initial?: boolean
  /** Include the previous entry in each event. */
  prevValue?: boolean
  signal?: AbortSignal
}

export interface Watch<T = unknown> extends AsyncIterable<WatchEvent<T>> {
  /** Resolves once registered: every later change is seen. */
  readonly ready: Promise<void>
  close(): void
}

export interface ElectionLeader<T = unknown> {
  value: T
  token: number
}

export interface CampaignOptions<T = unknown> {
  value: T
  /** TTL of the candidate's lease, kept alive (default 15000). */
  ttlMs?: number
  signal?: AbortSignal
}

export interface ElectionTerm<T = unknown> {
  readonly name: string
  readonly token: number
  readonly value: T
  /** Aborted when leadership is lost (resigned, or the lease ended). */
  readonly signal: AbortSignal
  /** Publishes a new value as the leader; throws CONFLICT when no longer leader. */
  proclaim(value: T): Promise<void>
  resign(): Promise<void>
}

export interface Observation<T = unknown> extends AsyncIterable<ElectionLeader<T> | undefined> {
  close(): void
}

export interface Elections {
  campaign<T = unknown>(name: string, options: CampaignOptions<T>): Promise<ElectionTerm<T>>
  leader<T = unknown>(name: string): Promise<ElectionLeader<T> | undefined>
  observe<T = unknown>(name: string, options?: { signal?: AbortSignal }): Observation<T>
}

export interface StoreStatus {
  mode: 'inproc' | 'remote'
  store: string
  revision: number
  compactRevision: number
  keys: number
  leases: number
  locks: number
  elections: number
  lockWaiters: number
  /** Remote: the node leading the store. */
  leader?: string
  /** Remote: the store's members. */
  members?: { id: string; address: string; role: string; matchIndex?: number }[]
  /** Remote: the node this client talks to, and its role in the store's group. */
  node?: string
  role?: string
  term?: number
  commitIndex?: number
  appliedIndex?: number
}

export interface Store extends AsyncDisposable {
  get<T = unknown>(key: string, options?: GetOptions): Promise<Entry<T> | undefined>
  put<T = unknown>(key: string, value: T, options?: PutOptions): Promise<WriteResult<T>>
  delete(key: string, options?: DeleteOptions): Promise<boolean>
  getMany<T = unknown>(keys: string[], options?: GetOptions): Promise<(Entry<T> | undefined)[]>
  putMany(entries: Record<string, unknown> | [string, unknown][], options?: { ttlMs?: number; lease?: Lease | string }): Promise<{ revision: number }>
  deleteMany(keys: string[]): Promise<number>
  list<T = unknown>(options?: ListOptions): Promise<ListResult<T>>
  scan<T = unknown>(options?: ScanOptions): AsyncIterable<Entry<T>>
  count(options?: RangeOptions & { consistency?: Consistency }): Promise<number>
  clear(options?: ClearOptions): Promise<number>
  expire(key: string, ttlMs: number): Promise<boolean>
  persist(key: string): Promise<boolean>
  ttl(key: string): Promise<number | undefined>
  namespace(prefix: string): Store
  status(): Promise<StoreStatus>
  txn(request: TxnRequest): Promise<TxnResponse>
  transaction<R>(fn: (tx: Transaction) => Promise<R> | R, options?: TransactionOptions): Promise<R>
  watch<T = unknown>(key: string, options?: WatchOptions): Watch<T>
  readonly leases: Leases
  readonly locks: Locks
  readonly counters: Counters
  readonly elections: Elections
  /** Releases watches, kept-alive leases and connections of this handle. */
  close(): Promise<void>
}
