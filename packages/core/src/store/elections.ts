import { bytesEqual, decodeValue } from '../codec.js'
import { ConflictError } from '../errors.js'
import type { Notice } from '../machine/types.js'
import type { StoreBackend } from './backend.js'
import type { Scope } from './codec-scope.js'
import type { ResourceTracker } from './lease-handle.js'
import { checkWaitMs, HeldGrant, waitForGrant, type Grant } from './locks.js'
import type { CampaignOptions, ElectionLeader, ElectionTerm, Elections, Observation } from './types.js'

/**
 * Elections are locks with a value, in their own table (spec §8): campaigning joins the FIFO queue
 * of candidates; the holder is the leader. Being lease-bound, a dead leader's term ends with its
 * lease, so a restarted process can never find two leaders.
 */
export class ElectionManager implements Elections {
  constructor(
    private readonly backend: StoreBackend,
    private readonly scope: Scope,
    private readonly tracker: ResourceTracker,
  ) {}

  async campaign<T = unknown>(name: string, options: CampaignOptions<T>): Promise<ElectionTerm<T>> {
    const fullName = this.scope.key(name, 'election name')
    const value = this.scope.encode(options?.value)
    const grant = await waitForGrant(this.backend, this.tracker, {
      kind: 'election',
      name: fullName,
      value,
      waitMs: checkWaitMs(undefined),
      wait: true,
      ...(options.ttlMs === undefined ? {} : { ttlMs: options.ttlMs }),
      ...(options.signal === undefined ? {} : { signal: options.signal }),
    })
    return new Term<T>(this.backend, this.scope, name, grant!, options.value, this.tracker)
  }

  async leader<T = unknown>(name: string): Promise<ElectionLeader<T> | undefined> {
    const { leader } = await this.backend.read({ type: 'electionLeader', name: this.scope.key(name, 'election name') })
    return leader === undefined ? undefined : { value: decodeValue<T>(leader.value), token: leader.token }
  }

  observe<T = unknown>(name: string, options: { signal?: AbortSignal } = {}): Observation<T> {
    return new LeaderObservation<T>(this.backend, this.scope.key(name, 'election name'), options.signal, this.tracker)
  }
}

class Term<T> extends HeldGrant implements ElectionTerm<T> {
  #value: T

  constructor(
    backend: StoreBackend,
    private readonly scope: Scope,
    name: string,
    grant: Grant,
    value: T,
    tracker: ResourceTracker,
  ) {
    super(backend, name, grant, tracker)
    this.#value = value
  }

  get value(): T {
    return this.#value
  }

  async proclaim(value: T): Promise<void> {
    const bytes = this.scope.encode(value)
    if (this.signal.aborted) throw this.#ended()
    const result = await this.backend.write({ type: 'electionProclaim', name: this.grant.name, token: this.grant.token, value: bytes })
    if (!result.ok) {
      this.lose('ended')
      throw this.#ended()
    }
    this.#value = value
  }

  resign(): Promise<void> {
    return this.end()
  }

  #ended(): ConflictError {
    return new ConflictError(`the term (token ${this.grant.token}) in election '${this.name}' has ended: this candidate is no longer the leader`)
  }
}

type Leader = { value: Uint8Array; token: number } | undefined

/** Yields the current leader first, then each change (proclaim, resign, takeover), no repeats. */
class LeaderObservation<T> implements Observation<T>, AsyncIterableIterator<ElectionLeader<T> | undefined> {
  #queue: Leader[] = []
  #last: Leader | null = null
  /** Revision of the newest state offered: older answers (a slow read) are ignored. */
  #revision = -1
  #wake: (() => void) | undefined
  #done = false
  #failure: unknown
  readonly #unsubscribe: () => void
  readonly #untrack: () => void
  readonly #detachSignal: (() => void) | undefined

  constructor(
    private readonly backend: StoreBackend,
    private readonly name: string,
    signal: AbortSignal | undefined,
    tracker: ResourceTracker,
  ) {
    // Subscribe before reading, so no change between the read and the subscription is missed.
    this.#unsubscribe = backend.subscribe({ type: 'election', name }, (notice) => this.#onNotice(notice))
    this.#untrack = tracker.add({ dispose: async () => this.close() })
    this.#refresh()
    if (signal !== undefined) {
      const onAbort = () => this.close()
      if (signal.aborted) this.close()
      else signal.addEventListener('abort', onAbort, { once: true })
      this.#detachSignal = () => signal.removeEventListener('abort', onAbort)
    }
  }

  [Symbol.asyncIterator](): this {
    return this
  }

  async next(): Promise<IteratorResult<ElectionLeader<T> | undefined>> {
    for (;;) {
      if (this.#queue.length > 0) {
        const leader = this.#queue.shift()
        return { done: false, value: leader === undefined ? undefined : { value: decodeValue<T>(leader.value), token: leader.token } }
      }
      if (this.#failure !== undefined) {
        const failure = this.#failure
        this.#failure = undefined
        this.#done = true
        throw failure
      }
      if (this.#done) return { done: true, value: undefined }
      await new Promise<void>((resolve) => (this.#wake = resolve))
    }
  }

  async return(): Promise<IteratorResult<ElectionLeader<T> | undefined>> {
    this.close()
    return { done: true, value: undefined }
  }

  close(): void {
    if (this.#done) return
    this.#done = true
    this.#unsubscribe()
    this.#untrack()
    this.#detachSignal?.()
    this.#wake?.()
  }

  #onNotice(notice: Notice | { type: 'resync' }): void {
    if (notice.type === 'electionChanged') this.#offer(notice.leader, notice.revision)
    else if (notice.type === 'resync') this.#refresh()
  }

  #refresh(): void {
    this.backend.read({ type: 'electionLeader', name: this.name }).then(
      (answer) => this.#offer(answer.leader, answer.revision),
      (error: unknown) => {
        if (this.#done) return
        this.#failure = error
        this.close()
        this.#done = false
        this.#wake?.()
      },
    )
  }

  #offer(leader: Leader, revision: number): void {
    if (this.#done || revision < this.#revision) return
    this.#revision = revision
    const last = this.#last
    if (last !== null && sameLeader(last, leader)) return
    this.#last = leader
    this.#queue.push(leader)
    // Bounded: only the newest state matters to an observer that fell behind.
    if (this.#queue.length > 1024) this.#queue.splice(0, this.#queue.length - 1024)
    const wake = this.#wake
    this.#wake = undefined
    wake?.()
  }
}

function sameLeader(a: Leader, b: Leader): boolean {
  if (a === undefined || b === undefined) return a === b
  return a.token === b.token && bytesEqual(a.value, b.value)
}
