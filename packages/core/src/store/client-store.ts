import { ClosedError, InvalidArgumentError, TypeMismatchError } from '../errors.js'
import { describeType } from '../keys.js'
import type { Command, CommandResult, CounterAddCommand, DeleteCommand, FenceRef, ListQuery, PutCommand, PutManyCommand, Query, QueryResult, RawCompare, RawEntry, RawTxnOp, RawTxnOpResult } from '../machine/types.js'
import type { StoreBackend } from './backend.js'
import { Scope } from './codec-scope.js'
import { ElectionManager } from './elections.js'
import { LeaseHandle, type ResourceTracker } from './lease-handle.js'
import { LockHandle, LockManager } from './locks.js'
import { runTransaction } from './transaction.js'
import type {
  ClearOptions,
  Compare,
  Consistency,
  Counters,
  DeleteOptions,
  Entry,
  GetOptions,
  LeaseGrantOptions,
  LeaseInfo,
  Leases,
  ListOptions,
  ListResult,
  Lease,
  Lock,
  Locks,
  PutOptions,
  RangeOptions,
  ScanOptions,
  Store,
  StoreStatus,
  Transaction,
  TransactionOptions,
  TxnOp,
  TxnOpResult,
  TxnRequest,
  TxnResponse,
  Watch,
  WatchOptions,
  WriteResult,
} from './types.js'
import { WatchStream } from './watch-stream.js'

/** What a root store and its namespace views share. */
class Shared implements ResourceTracker {
  readonly resources = new Set<{ dispose(): Promise<void> }>()
  closed = false

  add(resource: { dispose(): Promise<void> }): () => void {
    this.resources.add(resource)
    return () => this.resources.delete(resource)
  }
}

/**
 * The Store API, written once over a {@link StoreBackend}: argument checks, the value codec,
 * namespaces, and the higher-level parts (transactions, leases kept alive, locks, elections, watch
 * iterators). `connect()` gives one of these over the in-process engine or the remote client.
 */
export class ClientStore implements Store {
  readonly leases: Leases
  readonly locks: Locks
  readonly counters: Counters
  readonly elections: ElectionManager
  readonly #scope: Scope
  readonly #shared: Shared
  readonly #isRoot: boolean

  constructor(
    private readonly backend: StoreBackend,
    prefix = '',
    shared?: Shared,
  ) {
    this.#scope = new Scope(backend.limits, prefix)
    this.#shared = shared ?? new Shared()
    this.#isRoot = shared === undefined
    this.leases = new LeaseManager(backend, this.#scope, this.#shared)
    this.locks = new LockManager(backend, this.#scope, this.#shared)
    this.counters = new CounterManager(this, backend, this.#scope)
    this.elections = new ElectionManager(backend, this.#scope, this.#shared)
  }

  /** Runs a write: the synchronous path when the backend has one (one promise per call). */
  write<C extends Command>(command: C): Promise<CommandResult<C>> {
    if (this.#shared.closed) return Promise.reject(closedError())
    const now = this.backend.writeNow
    if (now === undefined) return this.backend.write(command)
    try {
      return Promise.resolve(now(command))
    } catch (error) {
      return Promise.reject(error)
    }
  }

  read<Q extends Query>(query: Q, consistency?: Consistency): Promise<QueryResult<Q>> {
    if (this.#shared.closed) return Promise.reject(closedError())
    const now = this.backend.readNow
    if (now === undefined) return this.backend.read(query, consistency)
    try {
      return Promise.resolve(now(query))
    } catch (error) {
      return Promise.reject(error)
    }
  }

  async get<T = unknown>(key: string, options: GetOptions = {}): Promise<Entry<T> | undefined> {
    const getNow = this.backend.getNow
    if (getNow !== undefined) {
      if (this.#shared.closed) throw closedError()
      const fullKey = this.#scope.key(key)
      if (options.consistency !== undefined) checkConsistency(options.consistency)
      const entry = getNow(fullKey) as Entry<T> | undefined
      if (entry !== undefined && this.#scope.prefix !== '') entry.key = this.#scope.strip(entry.key)
      return entry
    }
    const raw = await this.read({ type: 'get', key: this.#scope.key(key) }, checkConsistency(options.consistency))
    return raw === undefined ? undefined : this.#scope.entry<T>(raw)
  }

  async put<T = unknown>(key: string, value: T, options: PutOptions = {}): Promise<WriteResult<T>> {
    const command: PutCommand = { type: 'put', key: this.#scope.key(key), value: this.#scope.encode(value) }
    if (options.ttlMs !== undefined) command.ttlMs = options.ttlMs
    if (options.lease !== undefined) command.lease = leaseId(options.lease)
    if (options.ifVersion !== undefined) command.ifVersion = options.ifVersion
    if (options.ifAbsent !== undefined) command.ifAbsent = options.ifAbsent
    if (options.fence !== undefined) command.fence = fenceOf(options.fence)
    const result = await this.write(command)
    if (result.ok) return result
    return result.current === undefined ? { ok: false, reason: result.reason } : { ok: false, reason: result.reason, current: this.#scope.entry<T>(result.current) }
  }

  async delete(key: string, options: DeleteOptions = {}): Promise<boolean> {
    const command: DeleteCommand = { type: 'delete', key: this.#scope.key(key) }
    if (options.ifVersion !== undefined) command.ifVersion = options.ifVersion
    if (options.fence !== undefined) command.fence = fenceOf(options.fence)
    return (await this.write(command)).deleted
  }

  async getMany<T = unknown>(keys: string[], options: GetOptions = {}): Promise<(Entry<T> | undefined)[]> {
    const fullKeys = checkArray(keys, 'keys').map((key) => this.#scope.key(key))
    const raws = await this.read({ type: 'getMany', keys: fullKeys }, checkConsistency(options.consistency))
    return raws.map((raw) => (raw === undefined ? undefined : this.#scope.entry<T>(raw)))
  }

  async putMany(entries: Record<string, unknown> | [string, unknown][], options: { ttlMs?: number; lease?: string | Lease } = {}): Promise<{ revision: number }> {
    if (typeof entries !== 'object' || entries === null) throw new InvalidArgumentError('putMany takes an object or an array of [key, value] pairs')
    const pairs = Array.isArray(entries) ? entries : Object.entries(entries)
    const encoded: [string, Uint8Array][] = pairs.map((pair) => {
      if (!Array.isArray(pair) || pair.length !== 2) throw new InvalidArgumentError('each entry must be a [key, value] pair')
      return [this.#scope.key(pair[0]), this.#scope.encode(pair[1])]
    })
    const command: PutManyCommand = { type: 'putMany', entries: encoded }
    if (options.ttlMs !== undefined) command.ttlMs = options.ttlMs
    if (options.lease !== undefined) command.lease = leaseId(options.lease)
    return { revision: (await this.write(command)).revision }
  }

  async deleteMany(keys: string[]): Promise<number> {
    const fullKeys = checkArray(keys, 'keys').map((key) => this.#scope.key(key))
    return (await this.write({ type: 'deleteMany', keys: fullKeys })).deleted
  }

  async list<T = unknown>(options: ListOptions = {}): Promise<ListResult<T>> {
    const query: ListQuery = { type: 'list', ...this.#range(options) }
    if (options.limit !== undefined) query.limit = options.limit
    if (options.reverse !== undefined) query.reverse = options.reverse
    if (options.keysOnly !== undefined) query.keysOnly = options.keysOnly
    const page = await this.read(query, checkConsistency(options.consistency))
    const toEntry = options.keysOnly === true ? (raw: RawEntry) => this.#keyOnly<T>(raw) : (raw: RawEntry) => this.#scope.entry<T>(raw)
    return { entries: page.entries.map(toEntry), more: page.more, revision: page.revision }
  }

  async *scan<T = unknown>(options: ScanOptions = {}): AsyncIterable<Entry<T>> {
    const pageSize = options.pageSize ?? 1000
    if (!Number.isInteger(pageSize) || pageSize < 1) throw new InvalidArgumentError(`pageSize must be a positive integer, got ${String(pageSize)}`)
    const range = this.#range(options)
    let start = range.start ?? range.prefix ?? ''
    const end = range.prefix === undefined ? range.end : undefined
    for (;;) {
      const query: ListQuery = { type: 'list', limit: pageSize, start }
      if (end !== undefined) query.end = end
      const page = await this.read(query)
      for (const raw of page.entries) {
        if (range.prefix !== undefined && !raw.key.startsWith(range.prefix)) return
        yield this.#scope.entry<T>(raw)
      }
      if (!page.more || page.entries.length === 0) return
      // The next page starts just above the last key: the key followed by U+0000 sorts right after it.
      start = page.entries[page.entries.length - 1]!.key + '\u0000'
    }
  }

  async count(options: RangeOptions & { consistency?: Consistency } = {}): Promise<number> {
    return this.read({ type: 'count', ...this.#range(options) }, checkConsistency(options.consistency))
  }

  async clear(options: ClearOptions = {}): Promise<number> {
    return (await this.write({ type: 'clear', ...this.#range(options as RangeOptions) })).deleted
  }

  async expire(key: string, ttlMs: number): Promise<boolean> {
    return (await this.write({ type: 'setTtl', key: this.#scope.key(key), ttlMs })).ok
  }

  async persist(key: string): Promise<boolean> {
    return (await this.write({ type: 'persist', key: this.#scope.key(key) })).ok
  }

  async ttl(key: string): Promise<number | undefined> {
    return this.read({ type: 'ttl', key: this.#scope.key(key) })
  }

  namespace(prefix: string): Store {
    if (typeof prefix !== 'string' || prefix.length === 0) throw new InvalidArgumentError(`namespace prefix must be a non-empty string, got ${describeType(prefix)}`)
    return new ClientStore(this.backend, this.#scope.prefix + prefix, this.#shared)
  }

  async status(): Promise<StoreStatus> {
    if (this.#shared.closed) throw closedError()
    return this.backend.status()
  }

  async txn(request: TxnRequest): Promise<TxnResponse> {
    if (typeof request !== 'object' || request === null || !Array.isArray(request.then)) {
      throw new InvalidArgumentError('txn takes { if?, then: TxnOp[], else? }')
    }
    const compares = checkArray(request.if ?? [], 'txn.if').map((compare) => this.#compare(compare))
    const then = request.then.map((op) => this.#txnOp(op))
    const otherwise = checkArray(request.else ?? [], 'txn.else').map((op) => this.#txnOp(op))
    const result = await this.write({ type: 'txn', if: compares, then, else: otherwise })
    return { succeeded: result.succeeded, revision: result.revision, results: result.results.map((r) => this.#txnResult(r)) }
  }

  transaction<R>(fn: (tx: Transaction) => Promise<R> | R, options?: TransactionOptions): Promise<R> {
    if (this.#shared.closed) return Promise.reject(closedError())
    return runTransaction(this.backend, this.#scope, fn, options)
  }

  watch<T = unknown>(key: string, options: WatchOptions = {}): Watch<T> {
    const prefix = options.prefix === true
    const fullKey = prefix ? this.#scope.prefixOf(key) : this.#scope.key(key)
    if (options.fromRevision !== undefined) {
      if (!Number.isSafeInteger(options.fromRevision) || options.fromRevision < 1) {
        throw new InvalidArgumentError(`fromRevision must be a positive integer, got ${String(options.fromRevision)}`)
      }
      if (options.initial === true) throw new InvalidArgumentError('give either fromRevision or initial, not both')
    }
    if (this.#shared.closed) throw closedError()
    const request = { key: fullKey, prefix, initial: options.initial === true, prevValue: options.prevValue === true, ...(options.fromRevision === undefined ? {} : { fromRevision: options.fromRevision }) }
    let untrack: () => void = () => {}
    const stream = new WatchStream<T>(this.backend, this.#scope, request, options.signal, () => untrack())
    untrack = this.#shared.add({ dispose: async () => stream.close() })
    return stream
  }

  /** Releases this handle's watches, locks, elections and leases; the root also closes the backend. */
  async close(): Promise<void> {
    if (!this.#isRoot) return
    if (this.#shared.closed) return
    const resources = [...this.#shared.resources]
    await Promise.allSettled(resources.map((resource) => resource.dispose()))
    this.#shared.closed = true
    await this.backend.close()
  }

  async [Symbol.asyncDispose](): Promise<void> {
    await this.close()
  }

  #range(options: RangeOptions): { prefix?: string; start?: string; end?: string } {
    const { prefix, start, end } = options ?? {}
    if (prefix !== undefined && (start !== undefined || end !== undefined)) throw new InvalidArgumentError('give either prefix or start/end, not both')
    if (start === undefined && end === undefined) return { prefix: this.#scope.prefixOf(prefix) }
    const range: { start?: string; end?: string } = {}
    range.start = start === undefined ? this.#scope.prefix : this.#scope.prefix + checkString(start, 'start')
    if (end !== undefined) range.end = this.#scope.prefix + checkString(end, 'end')
    else if (this.#scope.prefix !== '') return { ...range, ...this.#namespaceEnd() }
    return range
  }

  /** The end of this namespace's run of keys (for an open-ended range inside a namespace). */
  #namespaceEnd(): { end?: string } {
    const prefix = this.#scope.prefix
    const last = prefix.charCodeAt(prefix.length - 1)
    return last < 0xd7ff ? { end: prefix.slice(0, -1) + String.fromCharCode(last + 1) } : {}
  }

  #keyOnly<T>(raw: RawEntry): Entry<T> {
    const entry = this.#scope.entry<T>({ ...raw, value: undefinedBytes })
    return entry
  }

  #compare(compare: Compare): RawCompare {
    if (typeof compare !== 'object' || compare === null) throw new InvalidArgumentError('each compare must be an object')
    const op = compare.op ?? '=='
    let value: RawCompare['value']
    if (compare.target === 'value') value = this.#scope.encode(compare.value)
    else if (compare.target === 'lease') value = compare.value === undefined || compare.value === null ? null : leaseId(compare.value as string)
    else value = compare.value as number
    return { key: this.#scope.key(compare.key, 'compare key'), target: compare.target, op, value }
  }

  #txnOp(op: TxnOp): RawTxnOp {
    if (typeof op !== 'object' || op === null) throw new InvalidArgumentError('each txn op must be an object')
    switch (op.op) {
      case 'get':
      case 'delete':
        return { op: op.op, key: this.#scope.key(op.key) }
      case 'put': {
        const raw: RawTxnOp = { op: 'put', key: this.#scope.key(op.key), value: this.#scope.encode(op.value) }
        if (op.ttlMs !== undefined) raw.ttlMs = op.ttlMs
        if (op.lease !== undefined) raw.lease = leaseId(op.lease)
        return raw
      }
      case 'deletePrefix':
        return { op: 'deletePrefix', prefix: this.#scope.prefixOf(op.prefix) }
      case 'add':
        return { op: 'add', key: this.#scope.key(op.key), delta: op.delta }
      default:
        throw new InvalidArgumentError(`unknown txn op '${String((op as { op?: unknown }).op)}'; expected get, put, delete, deletePrefix or add`)
    }
  }

  #txnResult(result: RawTxnOpResult): TxnOpResult {
    switch (result.op) {
      case 'get':
        return result.entry === undefined ? undefined : this.#scope.entry(result.entry)
      case 'put':
        return { revision: result.revision, version: result.version }
      case 'delete':
        return { deleted: result.deleted }
      case 'add':
        return { value: result.value, previous: result.previous }
    }
  }
}

class LeaseManager implements Leases {
  constructor(
    private readonly backend: StoreBackend,
    private readonly scope: Scope,
    private readonly tracker: ResourceTracker,
  ) {}

  async grant(ttlMs: number, options: LeaseGrantOptions = {}): Promise<LeaseHandle> {
    const startedAt = this.backend.env.clock.now()
    const granted = await this.backend.write({ type: 'leaseGrant', ttlMs })
    return new LeaseHandle(this.backend, granted.id, granted.ttlMs, options.keepAlive ?? true, startedAt, this.tracker)
  }

  async info(id: string): Promise<LeaseInfo | undefined> {
    if (typeof id !== 'string') throw new InvalidArgumentError(`lease id must be a string, got ${describeType(id)}`)
    const info = await this.backend.read({ type: 'leaseInfo', id })
    if (info === undefined) return undefined
    return { ...info, keys: info.keys.filter((key) => this.scope.contains(key)).map((key) => this.scope.strip(key)) }
  }

  list(): Promise<string[]> {
    return this.backend.read({ type: 'leaseList' })
  }

  async revoke(id: string): Promise<boolean> {
    if (typeof id !== 'string') throw new InvalidArgumentError(`lease id must be a string, got ${describeType(id)}`)
    // A handle of this lease in this client learns of the revocation from the store's notice.
    return (await this.backend.write({ type: 'leaseRevoke', id })).revoked
  }
}

class CounterManager implements Counters {
  constructor(
    private readonly store: ClientStore,
    private readonly backend: StoreBackend,
    private readonly scope: Scope,
  ) {}

  async add(key: string, delta = 1, options: { min?: number; max?: number; ttlMs?: number } = {}) {
    const command: CounterAddCommand = { type: 'counterAdd', key: this.scope.key(key), delta }
    if (options.min !== undefined) command.min = options.min
    if (options.max !== undefined) command.max = options.max
    if (options.ttlMs !== undefined) command.ttlMs = options.ttlMs
    const result = await this.store.write(command)
    return result.ok ? { ok: true as const, value: result.value, previous: result.previous } : { ok: false as const, value: result.value }
  }

  async get(key: string): Promise<number> {
    const raw = await this.store.read({ type: 'get', key: this.scope.key(key) })
    if (raw === undefined) return 0
    const value = this.scope.entry<unknown>(raw).value
    if (typeof value !== 'number' || !Number.isSafeInteger(value)) {
      throw new TypeMismatchError(`key '${key}' does not hold an integer counter`)
    }
    return value
  }

  async set(key: string, value: number): Promise<number> {
    return (await this.store.write({ type: 'counterSet', key: this.scope.key(key), value })).previous
  }
}

/** msgpack's encoding of `undefined`: key-only entries decode to `value: undefined`. */
const undefinedBytes = new Uint8Array([0xd4, 0x00, 0x00])

function leaseId(lease: unknown): string {
  if (typeof lease === 'string') return lease
  if (typeof lease === 'object' && lease !== null && typeof (lease as { id?: unknown }).id === 'string') return (lease as { id: string }).id
  throw new InvalidArgumentError(`lease must be a Lease or a lease id, got ${describeType(lease)}`)
}

function fenceOf(lock: Lock): FenceRef {
  if (lock instanceof LockHandle) return { name: lock.fullName, token: lock.token }
  throw new InvalidArgumentError('fence must be a Lock from store.locks.acquire()')
}

function checkConsistency(consistency: unknown): Consistency | undefined {
  if (consistency === undefined || consistency === 'linearizable' || consistency === 'serializable') return consistency
  throw new InvalidArgumentError(`consistency must be 'linearizable' or 'serializable', got ${String(consistency)}`)
}

function checkArray<T>(value: T[], what: string): T[] {
  if (!Array.isArray(value)) throw new InvalidArgumentError(`${what} must be an array, got ${describeType(value)}`)
  return value
}

function checkString(value: unknown, what: string): string {
  if (typeof value !== 'string') throw new InvalidArgumentError(`${what} must be a string, got ${describeType(value)}`)
  return value
}

function closedError(): ClosedError {
  return new ClosedError('the store handle is closed; connect() again')
}
