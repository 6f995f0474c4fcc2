import { TimeoutError, type ClustronError, type Clock, type Timer } from '@clustron/core'
import type { RawEntry, RawWatchEvent, WatchRequest, WatchSink, WatchSubscription } from '@clustron/core/internal'
import type { WatchError, WatchEvents, WatchInitial } from '@clustron/protocol'

/** What a watch needs from the backend that owns it. */
export interface WatchHost {
  /** Registers (or re-registers) the watch on the current connection, if there is one. */
  register(watch: RemoteWatch): void
  /** The watch ended: forget it (and tell the node when `unwatch`). */
  release(watch: RemoteWatch, unwatch: boolean): void
}

/**
 * A watch as the remote client keeps it across connections. It remembers the last revision it
 * delivered; on every new connection it registers again from that revision + 1 (so no gap and,
 * with duplicates below it dropped, no repeat). `initial` is asked only the first time. A revision
 * split over several messages is delivered once all of it arrived, so a cut can never leave half
 * a revision delivered.
 */
export class RemoteWatch implements WatchSubscription {
  readonly ready: Promise<void>
  #resolveReady: () => void = () => {}
  #rejectReady: (error: ClustronError) => void = () => {}
  /** The newest revision delivered to the sink (or the registration revision); undefined before any. */
  #lastRevision: number | undefined
  #registered = false
  #ended = false
  #initialParts: RawEntry[] = []
  #eventParts: RawWatchEvent[] = []
  #readyTimer: Timer | undefined

  constructor(
    readonly watchId: number,
    private readonly request: WatchRequest,
    private readonly sink: WatchSink,
    private readonly host: WatchHost,
    clock: Clock,
    readyTimeoutMs: number,
  ) {
    this.ready = new Promise<void>((resolve, reject) => {
      this.#resolveReady = resolve
      this.#rejectReady = reject
    })
    this.ready.catch(() => undefined)
    this.#readyTimer = clock.setTimer(readyTimeoutMs, () => {
      if (!this.#registered) this.fail(new TimeoutError(`the watch on '${request.key}' could not be registered within ${readyTimeoutMs} ms (no node reachable)`))
    })
  }

  get ended(): boolean {
    return this.#ended
  }

  /** What to ask a node for now: the original request until something was delivered, then a resume. */
  registration(): WatchRequest {
    if (this.#lastRevision === undefined) return this.request
    return { key: this.request.key, prefix: this.request.prefix, prevValue: this.request.prevValue, initial: false, fromRevision: this.#lastRevision + 1 }
  }

  /** The connection dropped: a partly received revision is dropped; it is asked again from its start. */
  disconnected(): void {
    this.#initialParts = []
    this.#eventParts = []
  }

  /** The node registered the watch at `revision`: every later change will be pushed. */
  registeredAt(revision: number): void {
    if (this.#ended) return
    if (this.#lastRevision === undefined || revision > this.#lastRevision) this.#lastRevision = revision
    if (this.#registered) return
    this.#registered = true
    this.#readyTimer?.cancel()
    this.#resolveReady()
  }

  initial(message: WatchInitial): void {
    if (this.#ended || this.#lastRevision !== undefined) return
    for (const entry of message.entries) this.#initialParts.push(entry)
    if (message.partial === true) return
    const entries = this.#initialParts
    this.#initialParts = []
    this.#lastRevision = message.revision
    this.sink.initial(entries, message.revision)
  }

  events(message: WatchEvents): void {
    if (this.#ended) return
    for (const event of message.events) this.#eventParts.push(event)
    if (message.partial === true) return
    const events = this.#eventParts
    this.#eventParts = []
    const last = this.#lastRevision
    const fresh = last === undefined ? events : events.filter((event) => event.revision > last)
    if (fresh.length === 0) return
    this.#lastRevision = fresh[fresh.length - 1]!.revision
    this.sink.events(fresh)
  }

  /** The node ended the watch. UNAVAILABLE (the node is going away) means: resume on the next connection. */
  nodeEnded(message: WatchError, error: ClustronError): void {
    if (this.#ended) return
    if (message.error.code === 'UNAVAILABLE') {
      this.disconnected()
      return
    }
    this.fail(error)
  }

  /** Ends the watch with an error the consumer sees. */
  fail(error: ClustronError): void {
    if (this.#ended) return
    this.#end(false)
    this.#rejectReady(error)
    this.sink.error(error)
  }

  close(): void {
    if (this.#ended) return
    this.#end(true)
    this.#resolveReady()
  }

  #end(unwatch: boolean): void {
    this.#ended = true
    this.#readyTimer?.cancel()
    this.#initialParts = []
    this.#eventParts = []
    this.host.release(this, unwatch)
  }
}
