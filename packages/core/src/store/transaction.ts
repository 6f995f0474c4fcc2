import { decodeValue } from '../codec.js'
import { ConflictError, InvalidArgumentError } from '../errors.js'
import type { RawCompare, RawEntry, RawTxnOp } from '../machine/types.js'
import type { StoreBackend } from './backend.js'
import type { Scope } from './codec-scope.js'
import type { Entry, Lease, Transaction, TransactionOptions } from './types.js'

type Buffered = { kind: 'put'; value: unknown; bytes: Uint8Array; ttlMs?: number; lease?: string } | { kind: 'delete' }

/**
 * One attempt of an optimistic transaction: reads go to the store (linearizable) and are
 * remembered with their modRevision; writes are buffered and seen by later reads (read-your-
 * writes). Commit is one txn whose `if` checks that no key read has changed since.
 */
class Attempt implements Transaction {
  readonly #reads = new Map<string, { raw: RawEntry | undefined; modRevision: number }>()
  readonly #writes = new Map<string, Buffered>()
  #committing = false

  constructor(
    private readonly backend: StoreBackend,
    private readonly scope: Scope,
  ) {}

  async get<T = unknown>(key: string): Promise<Entry<T> | undefined> {
    const fullKey = this.scope.key(key)
    const written = this.#writes.get(fullKey)
    if (written !== undefined) return this.#fromWrite<T>(fullKey, written)
    this.#assertOpen()
    const read = await this.#read(fullKey)
    return read.raw === undefined ? undefined : this.scope.entry<T>(read.raw)
  }

  async getMany<T = unknown>(keys: string[]): Promise<(Entry<T> | undefined)[]> {
    return Promise.all(keys.map((key) => this.get<T>(key)))
  }

  put(key: string, value: unknown, options: { ttlMs?: number; lease?: Lease | string } = {}): void {
    this.#assertOpen()
    const buffered: Buffered = { kind: 'put', value, bytes: this.scope.encode(value) }
    if (options.ttlMs !== undefined) buffered.ttlMs = options.ttlMs
    if (options.lease !== undefined) buffered.lease = typeof options.lease === 'string' ? options.lease : options.lease.id
    this.#writes.set(this.scope.key(key), buffered)
  }

  delete(key: string): void {
    this.#assertOpen()
    this.#writes.set(this.scope.key(key), { kind: 'delete' })
  }

  /** Commits; false when a key read has changed (the caller retries). */
  async commit(): Promise<boolean> {
    this.#committing = true
    const compares: RawCompare[] = []
    for (const [key, read] of this.#reads) compares.push({ key, target: 'modRevision', op: '==', value: read.modRevision })
    const then: RawTxnOp[] = []
    for (const [key, write] of this.#writes) {
      if (write.kind === 'delete') then.push({ op: 'delete', key })
      else {
        const op: RawTxnOp = { op: 'put', key, value: write.bytes }
        if (write.ttlMs !== undefined) op.ttlMs = write.ttlMs
        if (write.lease !== undefined) op.lease = write.lease
        then.push(op)
      }
    }
    if (then.length === 0 && compares.length === 0) return true
    const result = await this.backend.write({ type: 'txn', if: compares, then, else: [] })
    return result.succeeded
  }

  async #read(key: string): Promise<{ raw: RawEntry | undefined; modRevision: number }> {
    const known = this.#reads.get(key)
    if (known !== undefined) return known
    const raw = await this.backend.read({ type: 'get', key })
    // A value view must be copied before the event loop turns (the store may reuse it).
    const read = { raw: raw === undefined ? undefined : { ...raw, value: raw.value.slice() }, modRevision: raw?.modRevision ?? 0 }
    // Two concurrent reads of one key: keep the first, so the compare matches what was returned.
    const raced = this.#reads.get(key)
    if (raced !== undefined) return raced
    this.#reads.set(key, read)
    return read
  }

  /** The entry a buffered write will create (revisions unknown until commit: 0). */
  #fromWrite<T>(fullKey: string, written: Buffered): Entry<T> | undefined {
    if (written.kind === 'delete') return undefined
    const base = this.#reads.get(fullKey)?.raw
    const entry: Entry<T> = {
      key: this.scope.strip(fullKey),
      value: decodeValue<T>(written.bytes),
      version: (base?.version ?? 0) + 1,
      createRevision: base?.createRevision ?? 0,
      modRevision: 0,
    }
    if (written.lease !== undefined) entry.lease = written.lease
    return entry
  }

  #assertOpen(): void {
    if (this.#committing) throw new InvalidArgumentError('the transaction is committing: write inside the transaction function, before it returns')
  }
}

export async function runTransaction<R>(
  backend: StoreBackend,
  scope: Scope,
  fn: (tx: Transaction) => Promise<R> | R,
  options: TransactionOptions = {},
): Promise<R> {
  const retries = options.retries ?? 10
  if (!Number.isInteger(retries) || retries < 0) throw new InvalidArgumentError(`retries must be a non-negative integer, got ${String(retries)}`)
  for (let attempt = 0; ; attempt++) {
    const tx = new Attempt(backend, scope)
    const result = await fn(tx)
    if (await tx.commit()) return result
    if (attempt >= retries) {
      throw new ConflictError(`transaction conflicted ${attempt + 1} times (keys it read kept changing); retry later or reduce contention`)
    }
    // Back off a random number of event-loop turns, growing with each conflict.
    const turns = Math.floor(backend.env.random() * Math.min(64, 2 ** attempt))
    for (let turn = 0; turn < turns; turn++) await backend.env.yieldTurn()
  }
}
