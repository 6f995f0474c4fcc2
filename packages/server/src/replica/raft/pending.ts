import { TimeoutError, UnavailableError, type Clock, type Timer } from '@clustron/core'
import type { Command, Query } from '@clustron/core/internal'

interface Waiter {
  resolve(value: unknown): void
  reject(error: unknown): void
  timer: Timer
}

/**
 * Proposals of this process waiting for their entry to be applied, by proposal id. Each has a
 * deadline; past it the caller gets TIMEOUT, which means "may or may not have been applied"
 * (the entry may still commit). Bounded by the number of requests the server lets in flight.
 */
export class PendingProposals {
  readonly #waiting = new Map<number, Waiter>()
  #nextId = 1

  constructor(
    private readonly clock: Clock,
    private readonly timeoutMs: number,
  ) {}

  get size(): number {
    return this.#waiting.size
  }

  /** Registers a proposal; returns its id and the promise of its result. */
  add<T>(): { id: number; promise: Promise<T> } {
    const id = this.#nextId++
    const promise = new Promise<T>((resolve, reject) => {
      const timer = this.clock.setTimer(this.timeoutMs, () => {
        this.#waiting.delete(id)
        reject(new TimeoutError(`the write was not applied within ${this.timeoutMs} ms (a leader change or an overloaded node); it may or may not have been applied — read before retrying`))
      })
      this.#waiting.set(id, { resolve: resolve as (value: unknown) => void, reject, timer })
    })
    return { id, promise }
  }

  resolve(id: number, value: unknown): void {
    const waiter = this.#take(id)
    waiter?.resolve(value)
  }

  reject(id: number, error: unknown): void {
    const waiter = this.#take(id)
    waiter?.reject(error)
  }

  /** Fails every waiter (the replica is closing); their outcome is unknown. */
  rejectAll(error: unknown): void {
    for (const id of [...this.#waiting.keys()]) this.reject(id, error)
  }

  #take(id: number): Waiter | undefined {
    const waiter = this.#waiting.get(id)
    if (waiter === undefined) return undefined
    this.#waiting.delete(id)
    waiter.timer.cancel()
    return waiter
  }
}

/** A proposal not yet handed to Raft (queued for this turn's batch). */
export interface QueuedProposal {
  id: number
  command: Command
  bytes: number
}

interface QueuedRead {
  query: Query
  resolve(value: unknown): void
  reject(error: unknown): void
}

/**
 * Linearizable reads: the reads of one turn share one ReadIndex request; once the leader confirms
 * the index and this replica has applied up to it, they run against local state. Reads are safe to
 * retry, so a lost ReadIndex round (no leader) fails them as UNAVAILABLE after the timeout.
 */
export class PendingReads {
  #queued: QueuedRead[] = []
  readonly #awaitingIndex = new Map<string, { reads: QueuedRead[]; timer: Timer }>()
  /** Confirmed reads waiting for apply to reach their index, in index order. */
  #awaitingApply: { index: number; reads: QueuedRead[] }[] = []
  #nextContext = 1

  constructor(
    private readonly clock: Clock,
    private readonly timeoutMs: number,
    /**
     * Prefixes every context with this process's identity (node id and incarnation). Contexts must be
     * unique across nodes and restarts: the leader keys pending reads by context (two followers' "r1"
     * collided and one read was never answered), and an answer meant for a previous incarnation's
     * "r1" (the peer transport flushes queued messages to the restarted process) confirmed the new
     * incarnation's "r1" at an old index: a stale linearizable read. Found with the simulator
     * (packages/testkit/test/simulator/read-index-incarnations.test.ts).
     */
    private readonly contextPrefix = '',
  ) {}

  get queuedCount(): number {
    return this.#queued.length
  }

  enqueue(query: Query): Promise<unknown> {
    return new Promise((resolve, reject) => this.#queued.push({ query, resolve, reject }))
  }

  /** Takes the queued reads into one ReadIndex round; returns its context (or undefined if none). */
  startRound(): string | undefined {
    if (this.#queued.length === 0) return undefined
    const reads = this.#queued
    this.#queued = []
    const context = `${this.contextPrefix}r${this.#nextContext++}`
    const timer = this.clock.setTimer(this.timeoutMs, () => {
      this.#awaitingIndex.delete(context)
      const error = new UnavailableError(`a linearizable read could not be confirmed by a leader within ${this.timeoutMs} ms; retry (or read with consistency 'serializable')`)
      for (const read of reads) read.reject(error)
    })
    this.#awaitingIndex.set(context, { reads, timer })
    return context
  }

  /** The leader confirmed `context` at `index`. */
  confirmed(context: string, index: number): void {
    const round = this.#awaitingIndex.get(context)
    if (round === undefined) return
    this.#awaitingIndex.delete(context)
    round.timer.cancel()
    this.#awaitingApply.push({ index, reads: round.reads })
    this.#awaitingApply.sort((a, b) => a.index - b.index)
  }

  /** Runs every confirmed read whose index is applied. */
  serve(appliedIndex: number, run: (query: Query) => unknown): void {
    while (this.#awaitingApply.length > 0 && this.#awaitingApply[0]!.index <= appliedIndex) {
      const round = this.#awaitingApply.shift()!
      for (const read of round.reads) {
        try {
          read.resolve(run(read.query))
        } catch (error) {
          read.reject(error)
        }
      }
    }
  }

  /** Fails the reads not yet sent in a round. */
  rejectQueued(error: unknown): void {
    for (const read of this.#queued.splice(0)) read.reject(error)
  }

  rejectAll(error: unknown): void {
    for (const read of this.#queued) read.reject(error)
    this.#queued = []
    for (const round of this.#awaitingIndex.values()) {
      round.timer.cancel()
      for (const read of round.reads) read.reject(error)
    }
    this.#awaitingIndex.clear()
    for (const round of this.#awaitingApply) for (const read of round.reads) read.reject(error)
    this.#awaitingApply = []
  }
}
