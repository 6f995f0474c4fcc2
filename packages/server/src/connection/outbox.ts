import { messageBytesMax, packFrames } from '@clustron/protocol'

/** Something that produces its messages only when the outbox flushes (a watch's pending events). */
export interface LateSource {
  /** The encoded messages of everything pending now (called once per flush it was marked in). */
  drain(): Uint8Array[]
}

export interface OutboxSocket {
  /** Hands a frame to the socket; `written` is called once it left the process. */
  send(frame: Uint8Array, written: () => void): void
  /** Bytes handed to the socket and not yet written. */
  readonly bufferedBytes: number
}

export interface OutboxOptions {
  frameBytesMax: number
  /** Above this many buffered bytes the outbox holds its messages back (the client reads too slowly). */
  highWaterBytes: number
  /** Held-back bytes beyond which the connection is given up (`onOverflow`). */
  heldBytesMax: number
  onOverflow(heldBytes: number): void
}

/**
 * The per-connection send queue. Everything produced in one processing turn (responses, notices,
 * watch events) leaves in one frame (or as few as the frame limit allows) when the turn ends.
 * Watch events are encoded at flush time, so the events of many commands of a turn go out as
 * one message per watch. While the socket has more than `highWaterBytes` unwritten, the outbox
 * holds back; past `heldBytesMax` held it gives up on the connection.
 */
export class Outbox {
  readonly messageBytesMax: number
  #messages: Uint8Array[] = []
  #heldBytes = 0
  readonly #late = new Set<LateSource>()
  #scheduled = false
  #closed = false
  #drained: (() => void) | undefined

  constructor(
    private readonly socket: OutboxSocket,
    private readonly options: OutboxOptions,
  ) {
    this.messageBytesMax = messageBytesMax(options.frameBytesMax)
  }

  /** Queues an encoded message (the caller made sure it fits `messageBytesMax`). */
  push(message: Uint8Array): void {
    if (this.#closed) return
    this.#messages.push(message)
    this.#heldBytes += message.length
    this.#schedule()
  }

  /** Marks a source to be drained at the next flush. */
  mark(source: LateSource): void {
    if (this.#closed) return
    this.#late.add(source)
    this.#schedule()
  }

  /** Forgets a source (a watch that ended). */
  unmark(source: LateSource): void {
    this.#late.delete(source)
  }

  get heldBytes(): number {
    return this.#heldBytes
  }

  /**
   * Flushes once the microtasks queued so far have run: after a frame is processed, the answers of
   * its requests (resolved in those microtasks) leave at once, without waiting for the next loop
   * phase. Later pushes still go out at the end of their own turn.
   */
  flushSoon(): void {
    queueMicrotask(() => this.#flush())
  }

  /** Sends everything queued now, ignoring the turn boundary (before closing). */
  flushNow(): void {
    this.#flush()
  }

  /** Resolves once nothing is held back and every frame was written (or the outbox closed). */
  whenDrained(): Promise<void> {
    if (this.#closed || (this.#messages.length === 0 && this.#late.size === 0 && this.socket.bufferedBytes === 0)) return Promise.resolve()
    return new Promise((resolve) => {
      const previous = this.#drained
      this.#drained = () => {
        previous?.()
        resolve()
      }
      this.#schedule()
    })
  }

  close(): void {
    this.#closed = true
    this.#messages = []
    this.#late.clear()
    this.#heldBytes = 0
    this.#notifyDrained()
  }

  #schedule(): void {
    if (this.#scheduled) return
    this.#scheduled = true
    // setImmediate runs after the current turn's I/O callbacks and microtasks: one flush per turn.
    setImmediate(() => {
      this.#scheduled = false
      this.#flush()
    })
  }

  #flush(): void {
    if (this.#closed) return
    if (this.socket.bufferedBytes > this.options.highWaterBytes) {
      // The client reads slowly: hold back until the socket drains. Watch events stay with their
      // watches (each bounded by its backlog: SLOW_CONSUMER); answers and notices are held here.
      if (this.#heldBytes > this.options.heldBytesMax) this.options.onOverflow(this.#heldBytes)
      return
    }
    for (const source of this.#late) {
      for (const message of source.drain()) {
        this.#messages.push(message)
        this.#heldBytes += message.length
      }
    }
    this.#late.clear()
    if (this.#messages.length > 0) {
      const messages = this.#messages
      this.#messages = []
      this.#heldBytes = 0
      for (const frame of packFrames(messages, this.options.frameBytesMax)) this.socket.send(frame, () => this.#written())
    }
    if (this.socket.bufferedBytes === 0) this.#notifyDrained()
  }

  #written(): void {
    if (this.#closed) return
    if (this.#messages.length > 0 || this.#late.size > 0) this.#schedule()
    else if (this.socket.bufferedBytes === 0) this.#notifyDrained()
  }

  #notifyDrained(): void {
    const drained = this.#drained
    this.#drained = undefined
    drained?.()
  }
}
