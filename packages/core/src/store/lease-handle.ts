import { ClustronError, LeaseNotFoundError } from '../errors.js'
import type { Notice } from '../machine/types.js'
import type { StoreBackend, Timer } from './backend.js'
import type { Lease } from './types.js'

/** What a handle tells its store when it ends (so `close()` knows what is still open). */
export interface ResourceTracker {
  add(resource: { dispose(): Promise<void> }): () => void
}

/**
 * A lease as the client sees it. With keep-alive it renews at ttlMs/3; it counts as lost (signal
 * aborts) when the store says it expired or was revoked, when a renewal finds it gone, or when no
 * renewal has succeeded for ttlMs — the point after which the store may have expired it. A lost
 * lease cannot come back; its locks and election terms are lost with it.
 */
export class LeaseHandle implements Lease {
  readonly signal: AbortSignal
  readonly #controller = new AbortController()
  #renewTimer: Timer | undefined
  #deadlineTimer: Timer | undefined
  #unsubscribe: (() => void) | undefined
  #untrack: (() => void) | undefined
  #stopped = false
  /** The store said the lease is gone (revoked by this handle, expired, or not found). */
  #goneInStore = false

  constructor(
    private readonly backend: StoreBackend,
    readonly id: string,
    readonly ttlMs: number,
    private readonly keepAlive: boolean,
    /** The store-side deadline learned at grant/renew time, in the client's clock. */
    grantedAt: number,
    tracker: ResourceTracker | undefined,
    /** The lease belongs to a lock or election waiter: the waiter's release revokes it. */
    readonly ownedByWaiter = false,
  ) {
    this.signal = this.#controller.signal
    this.#unsubscribe = backend.subscribe({ type: 'lease', id }, (notice) => this.#onNotice(notice))
    this.#untrack = tracker?.add({ dispose: () => (ownedByWaiter ? this.#stop() : this.revoke().catch(() => undefined)) })
    this.#armDeadline(grantedAt)
    if (keepAlive) this.#scheduleRenew(Math.max(1, Math.floor(ttlMs / 3)))
  }

  async renew(): Promise<void> {
    if (this.signal.aborted) throw this.#lostError()
    const sentAt = this.backend.env.clock.now()
    try {
      await this.backend.write({ type: 'leaseRenew', id: this.id })
    } catch (error) {
      if (error instanceof ClustronError && error.code === 'LEASE_NOT_FOUND') {
        this.#goneInStore = true
        this.lose(error)
      }
      throw error
    }
    if (!this.signal.aborted) this.#armDeadline(sentAt)
  }

  async revoke(): Promise<void> {
    // Only the store's word makes a revoke unnecessary. A lease the client gave up by itself (no
    // renewal answered within its TTL) may still be alive in the store, kept by renewals that did
    // arrive, holding its keys and locks: skipping the revoke then left a "released" lock held
    // (found by the fault suite, testkit test/faults/regressions.test.ts).
    if (this.#goneInStore) return
    this.#stopTimers()
    try {
      await this.backend.write({ type: 'leaseRevoke', id: this.id })
      this.#goneInStore = true
    } finally {
      this.lose(new LeaseNotFoundError(`lease '${this.id}' was revoked`, { details: { lease: this.id } }))
    }
  }

  async [Symbol.asyncDispose](): Promise<void> {
    await this.revoke()
  }

  /** Marks the lease lost (idempotent): stops renewing and aborts the signal. */
  lose(reason: ClustronError): void {
    if (this.#stopped && this.signal.aborted) return
    this.#stop()
    if (!this.signal.aborted) this.#controller.abort(reason)
  }

  #stop(): Promise<void> {
    this.#stopped = true
    this.#stopTimers()
    this.#unsubscribe?.()
    this.#unsubscribe = undefined
    this.#untrack?.()
    this.#untrack = undefined
    return Promise.resolve()
  }

  #stopTimers(): void {
    this.#renewTimer?.cancel()
    this.#deadlineTimer?.cancel()
    this.#renewTimer = undefined
    this.#deadlineTimer = undefined
  }

  #onNotice(notice: Notice | { type: 'resync' }): void {
    if (notice.type === 'leaseLost') {
      this.#goneInStore = true
      this.lose(new LeaseNotFoundError(`lease '${this.id}' ${notice.reason === 'expired' ? 'expired' : 'was revoked'}`, { details: { lease: this.id } }))
    } else if (notice.type === 'resync' && !this.#stopped) {
      // After a reconnect: confirm the lease still exists (a renewal tells), whatever keepAlive says.
      this.renew().catch(() => undefined)
    }
  }

  #armDeadline(renewedAt: number): void {
    this.#deadlineTimer?.cancel()
    const delay = renewedAt + this.ttlMs - this.backend.env.clock.now()
    this.#deadlineTimer = this.backend.env.clock.setTimer(delay, () => {
      this.lose(new LeaseNotFoundError(`lease '${this.id}' could not be renewed within its ttl of ${this.ttlMs} ms`, { details: { lease: this.id } }))
    })
  }

  #scheduleRenew(delayMs: number): void {
    this.#renewTimer = this.backend.env.clock.setTimer(delayMs, () => {
      this.#renewTimer = undefined
      if (this.#stopped) return
      this.renew().then(
        () => {
          if (!this.#stopped) this.#scheduleRenew(Math.max(1, Math.floor(this.ttlMs / 3)))
        },
        (error: unknown) => {
          // Transient failures retry soon; the deadline timer decides when the lease is lost.
          const retryable = error instanceof ClustronError && error.retryable
          if (!this.#stopped && retryable) this.#scheduleRenew(Math.max(1, Math.min(1000, Math.floor(this.ttlMs / 10))))
        },
      )
    })
  }

  #lostError(): ClustronError {
    const reason: unknown = this.signal.reason
    return reason instanceof ClustronError ? reason : new LeaseNotFoundError(`lease '${this.id}' is lost`, { details: { lease: this.id } })
  }
}
