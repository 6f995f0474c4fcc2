import { ClosedError, ClustronError, InvalidArgumentError, LockTimeoutError, UnavailableError } from '../errors.js'
import type { LockKind, Notice } from '../machine/types.js'
import type { StoreBackend, Timer } from './backend.js'
import type { Scope } from './codec-scope.js'
import { LeaseHandle, type ResourceTracker } from './lease-handle.js'
import type { AcquireOptions, Lease, Lock, Locks } from './types.js'

export const defaultLockTtlMs = 15_000

/** A granted lock or election term, as the client sees it. */
export interface Grant {
  kind: LockKind
  /** Full (namespaced) name. */
  name: string
  waiterId: string
  token: number
  lease: LeaseHandle
  ownsLease: boolean
}

export interface WaitRequest {
  kind: LockKind
  name: string
  value?: Uint8Array
  ttlMs?: number
  lease?: Lease
  waitMs: number
  signal?: AbortSignal
  /** false: tryAcquire (never queue). */
  wait: boolean
}

/**
 * Joins a lock's FIFO queue and waits for the grant, which the store pushes (no polling). Shared by
 * locks and elections. On `waitMs` or abort it cancels its place; if the cancel finds the grant
 * already made, the grant is kept (timeout) or released (abort), never leaked.
 */
export async function waitForGrant(backend: StoreBackend, tracker: ResourceTracker, request: WaitRequest): Promise<Grant | undefined> {
  const { clock } = backend.env
  const waiterId = backend.env.randomId()
  const leaseHandle = request.lease
  if (leaseHandle !== undefined && !(leaseHandle instanceof LeaseHandle)) {
    throw new InvalidArgumentError('lease must be a Lease from store.leases.grant()')
  }
  const ttlMs = request.ttlMs ?? defaultLockTtlMs
  // waitMs 0: take the lock if free, never queue (no timer could fire sooner than a queued grant).
  const wait = request.wait && request.waitMs > 0
  let settle: ((notice: Notice | { type: 'resync' }) => void) | undefined
  const pending: (Notice | { type: 'resync' })[] = []
  const unsubscribe = backend.subscribe({ type: 'waiter', kind: request.kind, name: request.name, waiterId }, (notice) => {
    if (settle === undefined) pending.push(notice)
    else settle(notice)
  })
  let ownLease: LeaseHandle | undefined
  const startedAt = clock.now()
  try {
    const command = {
      type: 'lockAcquire' as const,
      kind: request.kind,
      name: request.name,
      waiterId,
      wait,
      ...(leaseHandle === undefined ? { ttlMs } : { lease: leaseHandle.id }),
      ...(request.value === undefined ? {} : { value: request.value }),
    }
    const result = await backend.write(command)
    if (!result.granted && !result.queued) {
      if (!request.wait) return undefined
      throw new LockTimeoutError(`${request.kind} '${request.name}' is held and waitMs is 0`)
    }
    if (leaseHandle === undefined) ownLease = new LeaseHandle(backend, result.lease, ttlMs, true, startedAt, undefined, true)
    const lease = leaseHandle ?? ownLease!
    const grant = (token: number): Grant => ({ kind: request.kind, name: request.name, waiterId, token, lease, ownsLease: ownLease !== undefined })
    if (result.granted) return grant(result.token)

    const token = await new Promise<number>((resolve, reject) => {
      let timer: Timer | undefined
      // Closing the store while waiting gives the place up (and releases a grant that raced it).
      const untrack = tracker.add({ dispose: async () => giveUp(new ClosedError('the store was closed while waiting for the lock'), false) })
      const finish = (outcome: { token: number } | { error: unknown }) => {
        settle = () => {}
        untrack()
        timer?.cancel()
        request.signal?.removeEventListener('abort', onAbort)
        lease.signal.removeEventListener('abort', onLeaseLost)
        if ('token' in outcome) resolve(outcome.token)
        else reject(outcome.error)
      }
      // While our own cancel is in flight, its side effects (the waiter's end, its own lease's
      // revocation) arrive as notices first; the cancel's result decides the outcome.
      let cancelling = false
      const giveUp = (error: unknown, keepGrant: boolean) => {
        cancelling = true
        backend.write({ type: 'lockCancel', kind: request.kind, name: request.name, waiterId }).then(
          (cancel) => {
            if (cancel.token === undefined) return finish({ error })
            if (keepGrant) return finish({ token: cancel.token })
            backend.write({ type: 'lockRelease', kind: request.kind, name: request.name, token: cancel.token }).finally(() => finish({ error }))
          },
          (cancelError: unknown) => finish({ error: cancelError }),
        )
      }
      const onAbort = () => giveUp(request.signal?.reason ?? new Error('aborted'), false)
      // The waiter's own lease ending (typically a disconnect longer than its TTL) loses its place:
      // acquiring again can work, so the error is retryable. A caller's lease that ended stays the reason.
      const onLeaseLost = () => {
        if (!cancelling) finish({ error: ownLease === undefined ? lease.signal.reason : lostPlace(request, lease.signal.reason) })
      }
      settle = (notice) => {
        if (cancelling) return
        if (notice.type === 'lockGranted') finish({ token: notice.token })
        else if (notice.type === 'lockEnded') finish({ error: lease.signal.reason ?? lostPlace(request) })
        else if (notice.type === 'resync') {
          backend.read({ type: 'lockWaiter', kind: request.kind, name: request.name, waiterId }).then(
            (state) => {
              if (state.state === 'holding') finish({ token: state.token })
              else if (state.state === 'absent') finish({ error: lostPlace(request) })
            },
            () => undefined,
          )
        }
      }
      if (request.signal?.aborted === true) return onAbort()
      request.signal?.addEventListener('abort', onAbort, { once: true })
      lease.signal.addEventListener('abort', onLeaseLost, { once: true })
      if (Number.isFinite(request.waitMs)) {
        const remaining = startedAt + request.waitMs - clock.now()
        timer = clock.setTimer(remaining, () =>
          giveUp(new LockTimeoutError(`${request.kind} '${request.name}' was not granted within ${request.waitMs} ms`), true),
        )
      }
      for (const notice of pending.splice(0)) settle(notice)
    })
    return grant(token)
  } catch (error) {
    ownLease?.lose(error instanceof ClustronError ? error : new UnavailableError('lock wait ended'))
    throw error
  } finally {
    unsubscribe()
  }
}

function lostPlace(request: WaitRequest, cause?: unknown): ClustronError {
  return new UnavailableError(`lost the place in the queue of ${request.kind} '${request.name}' (its lease ended, e.g. during a disconnect); acquire again`, cause === undefined ? {} : { cause })
}

/**
 * A held grant of a lock or an election: its signal aborts when the grant ends (released or
 * resigned, its lease ended, or — after a reconnect — the store no longer shows it held).
 */
export class HeldGrant {
  readonly signal: AbortSignal
  readonly #controller = new AbortController()
  readonly #unsubscribe: () => void
  readonly #untrack: () => void

  constructor(
    protected readonly backend: StoreBackend,
    /** The name as the caller gave it (relative to its namespace). */
    readonly name: string,
    protected readonly grant: Grant,
    tracker: ResourceTracker,
  ) {
    this.signal = this.#controller.signal
    this.#unsubscribe = backend.subscribe({ type: 'waiter', kind: grant.kind, name: grant.name, waiterId: grant.waiterId }, (notice) => {
      if (notice.type === 'lockEnded') this.lose('ended')
      else if (notice.type === 'resync') this.#confirm()
    })
    this.#untrack = tracker.add({ dispose: () => this.end().catch(() => undefined) })
    if (grant.lease.signal.aborted) this.lose('lost its lease')
    else grant.lease.signal.addEventListener('abort', () => this.lose('lost its lease'), { once: true })
  }

  get token(): number {
    return this.grant.token
  }

  /** Releases (resigns) the grant; idempotent. */
  protected async end(): Promise<void> {
    if (this.signal.aborted) return
    try {
      await this.backend.write({ type: 'lockRelease', kind: this.grant.kind, name: this.grant.name, token: this.grant.token })
    } finally {
      this.lose('was released')
      if (this.grant.ownsLease) this.grant.lease.lose(new UnavailableError(`the lease of ${this.grant.kind} '${this.name}' ended with it`))
    }
  }

  protected lose(how: string): void {
    if (this.signal.aborted) return
    this.#unsubscribe()
    this.#untrack()
    this.#controller.abort(new UnavailableError(`${this.grant.kind} '${this.name}' (token ${this.grant.token}) ${how}`))
  }

  #confirm(): void {
    this.backend.read({ type: 'lockWaiter', kind: this.grant.kind, name: this.grant.name, waiterId: this.grant.waiterId }).then(
      (state) => {
        if (state.state !== 'holding' || state.token !== this.grant.token) this.lose('was lost during a disconnect')
      },
      () => undefined,
    )
  }
}

/** A held lock. Its signal aborts when the lock is released or its lease ends. */
export class LockHandle extends HeldGrant implements Lock {
  get lease(): Lease {
    return this.grant.lease
  }

  /** Full (namespaced) name, for fenced writes. */
  get fullName(): string {
    return this.grant.name
  }

  release(): Promise<void> {
    return this.end()
  }

  async [Symbol.asyncDispose](): Promise<void> {
    await this.end()
  }
}

export class LockManager implements Locks {
  constructor(
    private readonly backend: StoreBackend,
    private readonly scope: Scope,
    private readonly tracker: ResourceTracker,
  ) {}

  async acquire(name: string, options: AcquireOptions = {}): Promise<Lock> {
    const lock = await this.#acquire(name, options, true)
    return lock!
  }

  async tryAcquire(name: string, options: Omit<AcquireOptions, 'waitMs'> = {}): Promise<Lock | undefined> {
    return this.#acquire(name, options, false)
  }

  async withLock<R>(name: string, fn: (lock: Lock) => Promise<R> | R, options: AcquireOptions = {}): Promise<R> {
    const lock = await this.acquire(name, options)
    let failed = false
    try {
      return await fn(lock)
    } catch (error) {
      failed = true
      throw error
    } finally {
      // Release even on throw; a release failure must not hide the function's own error.
      await lock.release().catch((error: unknown) => {
        if (!failed) throw error
      })
    }
  }

  async holder(name: string): Promise<{ token: number; since: number } | undefined> {
    const holder = await this.backend.read({ type: 'lockHolder', kind: 'lock', name: this.scope.key(name, 'lock name') })
    return holder === undefined ? undefined : { token: holder.token, since: holder.since }
  }

  async #acquire(name: string, options: AcquireOptions, wait: boolean): Promise<Lock | undefined> {
    const fullName = this.scope.key(name, 'lock name')
    const waitMs = checkWaitMs(options.waitMs)
    const grant = await waitForGrant(this.backend, this.tracker, {
      kind: 'lock',
      name: fullName,
      waitMs,
      wait,
      ...(options.ttlMs === undefined ? {} : { ttlMs: options.ttlMs }),
      ...(options.lease === undefined ? {} : { lease: options.lease }),
      ...(options.signal === undefined ? {} : { signal: options.signal }),
    })
    return grant === undefined ? undefined : new LockHandle(this.backend, name, grant, this.tracker)
  }
}

export function checkWaitMs(waitMs: unknown): number {
  if (waitMs === undefined) return Number.POSITIVE_INFINITY
  if (typeof waitMs !== 'number' || Number.isNaN(waitMs) || waitMs < 0) {
    throw new InvalidArgumentError(`waitMs must be a non-negative number of milliseconds, got ${String(waitMs)}`)
  }
  return waitMs
}
