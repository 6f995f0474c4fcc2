/**
 * A connection to one node as the remote client needs it: send a frame, receive frames in order,
 * close, learn how it closed. Adapters per runtime are tiny (browser WebSocket, Node `ws`); tests
 * can pass their own.
 */
export interface Transport {
  /** Sends one binary frame (queued by the socket). */
  send(frame: Uint8Array): void
  /** Frames received, in order; ends when the connection closes. */
  readonly frames: AsyncIterable<Uint8Array>
  /** Resolves once the connection is closed, by either side. */
  readonly closed: Promise<CloseInfo>
  /** Closes the connection (idempotent). */
  close(code?: number, reason?: string): void
}

export interface CloseInfo {
  code: number
  reason: string
}

export interface TransportOptions {
  /** ws:// or wss:// URL of the node's client endpoint. */
  url: string
  /** Incoming frames above this many bytes close the connection (where the runtime allows a bound). */
  frameBytesMax: number
  /** Trust this CA for wss:// (Node only; browsers use the system's trust store). */
  ca?: string | Uint8Array
  /** A client certificate and its key (PEM) for nodes that ask for one (Node only). */
  cert?: string | Uint8Array
  key?: string | Uint8Array
}

/** Opens a transport; rejects when the connection cannot be established. */
export type TransportFactory = (options: TransportOptions) => Promise<Transport>

/**
 * Received frames as an async iterable: the socket pushes, one reader pulls. Unbounded on purpose:
 * the node bounds what it sends (frame size, in-flight requests, watch backlog) and the reader
 * drains it on every turn.
 */
export class FrameQueue implements AsyncIterable<Uint8Array> {
  #frames: Uint8Array[] = []
  #head = 0
  #ended = false
  #wake: (() => void) | undefined

  push(frame: Uint8Array): void {
    if (this.#ended) return
    this.#frames.push(frame)
    this.#wakeUp()
  }

  end(): void {
    this.#ended = true
    this.#wakeUp()
  }

  // A hand-written iterator rather than an async generator: one promise per frame waited for, none
  // for frames already queued (this is on every request's path).
  [Symbol.asyncIterator](): AsyncIterator<Uint8Array> {
    return {
      next: () => {
        if (this.#head < this.#frames.length) return Promise.resolve({ done: false, value: this.#take() })
        if (this.#ended) return Promise.resolve({ done: true, value: undefined })
        return new Promise<IteratorResult<Uint8Array>>((resolve) => {
          this.#wake = () => resolve(this.#head < this.#frames.length ? { done: false, value: this.#take() } : { done: true, value: undefined })
        })
      },
    }
  }

  #take(): Uint8Array {
    const frame = this.#frames[this.#head]!
    this.#frames[this.#head++] = emptyFrame
    if (this.#head === this.#frames.length) {
      this.#frames = []
      this.#head = 0
    }
    return frame
  }

  #wakeUp(): void {
    const wake = this.#wake
    this.#wake = undefined
    wake?.()
  }
}

const emptyFrame = new Uint8Array(0)
