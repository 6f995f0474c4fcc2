import { SlowConsumerError, TooLargeError, type ClustronError } from '@clustron/core'
import type { HubWatcher, RawEntry, RawWatchEvent, WatchRequest } from '@clustron/core/internal'
import { encodeSplit } from './encode-split.js'
import type { LateSource } from './outbox.js'

/** What a watch needs from its connection. */
export interface WatchOwner {
  readonly messageBytesMax: number
  readonly backlogEventsMax: number
  /** The watch has events to send at the next flush. */
  mark(watch: ServerWatch): void
  /** The watch ended on the node (it was cut off): tell the client and forget it. */
  end(watch: ServerWatch, error: ClustronError): void
}

/**
 * One client watch on a node: joins the store's watch hub and turns delivered events into
 * `watch-events` messages, all of a turn in one message (split only where the frame limit forces
 * it, marked `partial` inside a revision). Pending events are bounded: a client that does not read
 * its frames is cut off with SLOW_CONSUMER after the events already sent, never skipped.
 */
export class ServerWatch implements HubWatcher, LateSource {
  readonly key: string
  readonly prefix: boolean
  #pending: RawWatchEvent[] = []
  #ended = false

  constructor(
    readonly watchId: number,
    readonly request: WatchRequest,
    private readonly owner: WatchOwner,
  ) {
    this.key = request.key
    this.prefix = request.prefix
  }

  matches(event: RawWatchEvent): boolean {
    return this.prefix ? event.key.startsWith(this.key) : event.key === this.key
  }

  deliver(events: RawWatchEvent[]): void {
    if (this.#ended) return
    for (const event of events) this.#pending.push(event)
    if (this.#pending.length > this.owner.backlogEventsMax) {
      const size = this.#pending.length
      this.owner.end(
        this,
        new SlowConsumerError(`watch ${this.watchId} has ${size} events not yet sent (limit ${this.owner.backlogEventsMax}); the client reads too slowly — resume with fromRevision`, {
          details: { limit: this.owner.backlogEventsMax, size },
        }),
      )
      return
    }
    this.owner.mark(this)
  }

  drain(): Uint8Array[] {
    if (this.#ended || this.#pending.length === 0) return []
    const events = this.#pending
    this.#pending = []
    return this.encodeEvents(events)
  }

  /** Encodes events now (replays must go out ahead of the watch's response). */
  encodeEvents(events: readonly RawWatchEvent[]): Uint8Array[] {
    const wire = this.request.prevValue ? events : events.map(withoutPrev)
    const messages = encodeSplit(
      wire,
      (slice, partial) => (partial ? { type: 'watch-events', watchId: this.watchId, events: slice, partial } : { type: 'watch-events', watchId: this.watchId, events: slice }),
      (index) => wire[index]!.revision === wire[index + 1]?.revision,
      this.owner.messageBytesMax,
    )
    if (messages !== undefined) return messages
    this.owner.end(this, tooLarge(this.watchId, 'an event'))
    return []
  }

  /** Encodes the `initial` snapshot (values are views: this runs before the turn ends). */
  encodeInitial(entries: readonly RawEntry[], revision: number): Uint8Array[] | undefined {
    const messages = encodeSplit(
      entries,
      (slice, partial) =>
        partial ? { type: 'watch-initial', watchId: this.watchId, entries: slice, revision, partial } : { type: 'watch-initial', watchId: this.watchId, entries: slice, revision },
      () => true,
      this.owner.messageBytesMax,
    )
    return messages
  }

  /** Stops delivery and drops what was not sent. */
  end(): void {
    this.#ended = true
    this.#pending = []
  }
}

function withoutPrev(event: RawWatchEvent): RawWatchEvent {
  if (event.prev === undefined) return event
  const { prev: _prev, ...rest } = event
  return rest
}

export function tooLarge(watchId: number, what: string): TooLargeError {
  return new TooLargeError(`watch ${watchId}: ${what} is larger than the frame limit; watch without prevValue or raise frameBytesMax`)
}
