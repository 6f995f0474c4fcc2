import { ClosedError, SlowConsumerError, type ClustronError } from '../errors.js'
import type { RawEntry, RawWatchEvent } from '../machine/types.js'
import type { StoreBackend, WatchRequest, WatchSink, WatchSubscription } from './backend.js'
import type { Scope } from './codec-scope.js'
import type { Watch, WatchEvent } from './types.js'

/**
 * The async iterator behind `store.watch()`. Raw events queue up as the backend delivers them and
 * are decoded when taken. The queue is bounded: a consumer more than `watchBacklogEventsMax` events
 * behind is cut off with SLOW_CONSUMER, never silently skipped.
 */
export class WatchStream<T> implements Watch<T>, AsyncIterableIterator<WatchEvent<T>> {
  readonly ready: Promise<void>
  #queue: RawWatchEvent[] = []
  #head = 0
  #failure: ClustronError | undefined
  #done = false
  #wake: (() => void) | undefined
  #subscription: WatchSubscription | undefined
  readonly #withPrev: boolean
  readonly #backlogMax: number
  readonly #onEnd: () => void
  readonly #abort: (() => void) | undefined
  readonly #signal: AbortSignal | undefined

  constructor(
    backend: StoreBackend,
    private readonly scope: Scope,
    request: WatchRequest,
    signal: AbortSignal | undefined,
    onEnd: () => void,
  ) {
    this.#withPrev = request.prevValue
    this.#backlogMax = backend.limits.watchBacklogEventsMax
    this.#onEnd = onEnd
    this.#signal = signal
    const sink: WatchSink = {
      initial: (entries, revision) => this.#initial(entries, revision),
      events: (events) => this.#push(events),
      error: (error) => this.#fail(error),
    }
    if (signal?.aborted === true) {
      this.#done = true
      this.ready = Promise.resolve()
      onEnd()
      return
    }
    this.#subscription = backend.watch(request, sink)
    this.ready = this.#subscription.ready
    // `ready` may reject (e.g. COMPACTED); the iterator reports it too, so nobody is forced to await it.
    this.ready.catch(() => {})
    if (signal !== undefined) {
      const abort = () => this.close()
      signal.addEventListener('abort', abort, { once: true })
      this.#abort = () => signal.removeEventListener('abort', abort)
    }
  }

  [Symbol.asyncIterator](): this {
    return this
  }

  async next(): Promise<IteratorResult<WatchEvent<T>>> {
    for (;;) {
      if (this.#head < this.#queue.length) {
        const raw = this.#queue[this.#head]!
        this.#queue[this.#head++] = undefined as unknown as RawWatchEvent
        if (this.#head > 1024 && this.#head * 2 > this.#queue.length) {
          this.#queue = this.#queue.slice(this.#head)
          this.#head = 0
        }
        return { done: false, value: this.scope.event<T>(raw, this.#withPrev) }
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

  async return(): Promise<IteratorResult<WatchEvent<T>>> {
    this.close()
    return { done: true, value: undefined }
  }

  close(): void {
    if (this.#done && this.#subscription === undefined) return
    this.#end()
    this.#queue = []
    this.#head = 0
    this.#done = true
    this.#wakeUp()
  }

  get pending(): number {
    return this.#queue.length - this.#head
  }

  #initial(entries: RawEntry[], revision: number): void {
    const events: RawWatchEvent[] = entries.map((entry) => ({
      type: 'put',
      key: entry.key,
      value: entry.value.slice(),
      version: entry.version,
      revision,
    }))
    this.#push(events)
  }

  #push(events: readonly RawWatchEvent[]): void {
    if (this.#done || this.#failure !== undefined) return
    for (const event of events) this.#queue.push(event)
    if (this.pending > this.#backlogMax) {
      this.#fail(
        new SlowConsumerError(
          `watch consumer is ${this.pending} events behind (limit ${this.#backlogMax}); consume faster or resume with fromRevision`,
          { details: { limit: this.#backlogMax, size: this.pending } },
        ),
      )
      return
    }
    this.#wakeUp()
  }

  #fail(error: ClustronError): void {
    if (this.#done || this.#failure !== undefined) return
    // Events already queued are still delivered; the error comes after them.
    this.#failure = error
    this.#end()
    this.#wakeUp()
  }

  #end(): void {
    const subscription = this.#subscription
    this.#subscription = undefined
    subscription?.close()
    this.#abort?.()
    if (subscription !== undefined) this.#onEnd()
  }

  #wakeUp(): void {
    const wake = this.#wake
    this.#wake = undefined
    wake?.()
  }

  /** Ends the stream as the store closes. */
  closeWith(error: ClustronError = new ClosedError('the store was closed')): void {
    if (this.#signal?.aborted === true) return this.close()
    this.#fail(error)
  }
}
