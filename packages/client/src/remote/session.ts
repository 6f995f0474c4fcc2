import { InternalError, TimeoutError, TooLargeError, UnauthenticatedError, UnavailableError, type ClustronError, type Clock, type Limits, type Timer } from '@clustron/core'
import { errorFromData } from '@clustron/core/internal'
import {
  closeCodes,
  completeLimits,
  decodeFrame,
  encodeMessage,
  FrameError,
  joinFrame,
  messageBytesMax,
  packFrames,
  parseServerMessage,
  type Hello,
  type NoticeMessage,
  type ServerMessage,
  type WatchError,
  type WatchEvents,
  type WatchInitial,
  type Welcome,
} from '@clustron/protocol'
import type { CloseInfo, Transport } from '../transport/transport.js'
import { describeCall, type Call } from './calls.js'

export type Push = WatchInitial | WatchEvents | WatchError | NoticeMessage

export interface SessionOptions {
  transport: Transport
  hello: Hello
  /** Times the handshake and keep-alive pings (real time unless a test drives it). */
  clock: Clock
  handshakeTimeoutMs: number
  /** Liveness ping period (default 1000 ms). */
  keepAliveMs?: number
  /** Watch events and notices. */
  onPush(push: Push): void
  /** A bounded call finished: room for another. */
  onSettled(): void
}

/** The node refused the handshake (unknown store, protocol version, token): retrying the same node cannot help. */
export class HandshakeRefused extends Error {
  constructor(readonly error: ClustronError) {
    super(error.message)
    this.name = 'HandshakeRefused'
  }
}

/**
 * One live connection to a node: the handshake, then requests pipelined by id (all calls of one
 * tick in one frame), answers matched back, pushes handed on, and a keep-alive ping that proves
 * the node still answers. When it closes, calls in flight fail with UNAVAILABLE — never resent,
 * since a write may have been applied.
 */
export class Session {
  readonly closed: Promise<CloseInfo>
  #welcome: Welcome | undefined
  #limits: Limits | undefined
  readonly #inFlight = new Map<number, Call>()
  #bounded = 0
  #sequence = 0
  #outgoing: Call[] = []
  #flushScheduled = false
  #ended = false
  /** Set once this side decided to close: later frames are not acted on. */
  #closing = false
  #endError: ClustronError | undefined
  #keepAlive: Timer | undefined
  /** When the unanswered ping was sent. */
  #pingSentAt: number | undefined
  #handshake: { resolve: (session: Session) => void; reject: (error: Error) => void; timer: Timer } | undefined
  #closeWhenIdle: { code: number; reason: string } | undefined
  #refusal: ClustronError | undefined

  private constructor(private readonly options: SessionOptions) {
    // Ends after every frame received before the close was handled (answers sent just before a close count).
    this.closed = this.#read().then(async () => {
      const info = await options.transport.closed
      this.#end(info)
      return info
    })
  }

  /** Connects: sends `hello` and resolves on `welcome`; rejects on refusal, close or timeout. */
  static open(options: SessionOptions): Promise<Session> {
    const session = new Session(options)
    return new Promise<Session>((resolve, reject) => {
      const timer = options.clock.setTimer(options.handshakeTimeoutMs, () => {
        session.close(closeCodes.handshakeTimeout, 'no welcome in time')
        reject(new UnavailableError(`node did not answer the handshake within ${options.handshakeTimeoutMs} ms`))
      })
      session.#handshake = { resolve, reject, timer }
      options.transport.send(joinFrame([encodeMessage(options.hello)]))
    })
  }

  get welcome(): Welcome {
    return this.#welcome!
  }

  get limits(): Limits {
    return this.#limits!
  }

  get node(): string {
    return this.#welcome?.node ?? 'unknown'
  }

  get open(): boolean {
    return !this.#ended
  }

  /**
   * Why the node ended an established connection, when it said so: its credentials expired
   * (UNAUTHENTICATED, close code `unauthenticated`). Reconnecting with the same token cannot help.
   */
  get refusal(): ClustronError | undefined {
    return this.#refusal
  }

  /** Calls in flight that count against the node's in-flight bound. */
  get boundedInFlight(): number {
    return this.#bounded
  }

  /** Sends a call in this tick's frame; its answer resolves it. */
  send(call: Call): void {
    if (this.#ended) return call.reject(this.#notSentError(call))
    const id = ++this.#sequence
    // The body is built for this one send: the id goes straight into it (no copy).
    call.body.id = id
    call.id = id
    call.forget = () => this.#take(id)
    this.#inFlight.set(id, call)
    if (call.bounded) this.#bounded++
    this.#outgoing.push(call)
    if (!this.#flushScheduled) {
      this.#flushScheduled = true
      // Everything sent in this tick (synchronously or a few promise hops later) leaves in one frame.
      queueMicrotask(() => this.#flush())
    }
  }

  /** Closes once no counted call is in flight (moving to another node without cutting requests). */
  closeWhenIdle(code: number, reason: string): void {
    if (this.#bounded === 0) return this.close(code, reason)
    this.#closeWhenIdle = { code, reason }
  }

  /** Closes the connection; calls in flight fail with `error` (UNAVAILABLE by default). */
  close(code: number = closeCodes.normal, reason = '', error?: ClustronError): void {
    if (error !== undefined) this.#endError ??= error
    this.#closing = true
    this.options.transport.close(code, reason)
  }

  #flush(): void {
    this.#flushScheduled = false
    if (this.#ended || this.#outgoing.length === 0) return
    const calls = this.#outgoing
    this.#outgoing = []
    // The common case: the tick's requests, encoded in one go as the frame's array.
    const frame = encodeMessage(calls.map((call) => call.body))
    if (frame.length <= this.limits.frameBytesMax) return this.options.transport.send(frame)
    // Too large together: encode them one by one, refuse any that can never fit, split the rest.
    const limit = messageBytesMax(this.limits.frameBytesMax)
    const messages: Uint8Array[] = []
    for (const call of calls) {
      const message = encodeMessage(call.body)
      if (message.length <= limit) messages.push(message)
      else {
        this.#take(call.id!)
        call.reject(new TooLargeError(`the request is ${message.length} bytes encoded, above the node's frame limit of ${limit}; send less at once`, { details: { limit, size: message.length } }))
      }
    }
    for (const part of packFrames(messages, this.limits.frameBytesMax)) this.options.transport.send(part)
  }

  async #read(): Promise<void> {
    try {
      for await (const frame of this.options.transport.frames) this.#receive(frame)
    } catch (error) {
      this.close(closeCodes.badFrame, 'client error', new InternalError(`the client failed reading a frame: ${(error as Error).message}`))
    }
  }

  #receive(frame: Uint8Array): void {
    if (this.#closing) return
    if (this.#limits !== undefined && frame.length > this.#limits.frameBytesMax) {
      return this.close(closeCodes.tooLarge, `frame of ${frame.length} bytes exceeds the node's own limit`)
    }
    let messages: unknown[]
    try {
      messages = decodeFrame(frame)
    } catch (error) {
      if (!(error instanceof FrameError)) throw error
      return this.close(closeCodes.badFrame, error.message)
    }
    for (const raw of messages) {
      const parsed = parseServerMessage(raw)
      if (!parsed.ok) return this.close(closeCodes.badFrame, `node sent an invalid message: ${parsed.error.message}`)
      this.#dispatch(parsed.message)
      if (this.#closing) return
    }
  }

  #dispatch(message: ServerMessage): void {
    switch (message.type) {
      case 'welcome':
        return this.#welcomed(message)
      case 'refused': {
        const error = errorFromData(message.error)
        const handshake = this.#handshake
        this.#handshake = undefined
        if (handshake !== undefined) {
          handshake.timer.cancel()
          handshake.reject(new HandshakeRefused(error))
          return this.close(closeCodes.normal, 'refused')
        }
        // After the welcome: the node ends the connection (expired credentials); calls still in flight fail with its reason.
        this.#refusal = error
        return this.close(closeCodes.normal, 'refused', error)
      }
      case 'result': {
        const call = this.#take(message.id)
        if (call === undefined) return
        let value: unknown
        try {
          value = call.accept === undefined ? message.result : call.accept(message.result)
        } catch (error) {
          return call.reject(new InternalError(`node ${this.node} sent an invalid answer to '${describeCall(call)}': ${(error as Error).message}`))
        }
        return call.resolve(value)
      }
      case 'error':
        return this.#take(message.id)?.reject(errorFromData(message.error))
      default:
        return this.options.onPush(message)
    }
  }

  #welcomed(welcome: Welcome): void {
    const handshake = this.#handshake
    if (handshake === undefined) return this.close(closeCodes.badFrame, 'a second welcome')
    this.#handshake = undefined
    handshake.timer.cancel()
    this.#welcome = welcome
    this.#limits = completeLimits(welcome.limits)
    this.#scheduleKeepAlive()
    handshake.resolve(this)
  }

  /** Removes a call from the in-flight table (answered, or timed out). */
  #take(id: number): Call | undefined {
    const call = this.#inFlight.get(id)
    if (call === undefined) return undefined
    this.#inFlight.delete(id)
    call.forget = undefined
    if (call.bounded) {
      this.#bounded--
      this.options.onSettled()
      if (this.#bounded === 0 && this.#closeWhenIdle !== undefined) {
        const { code, reason } = this.#closeWhenIdle
        queueMicrotask(() => this.close(code, reason))
      }
    }
    return call
  }

  /**
   * Liveness: a ping every `keepAliveMs` (at least as often as a third of the node's idle timeout); a ping
   * unanswered for three periods means the node is gone (crashed machine, paused process, dead link with
   * no FIN), and the connection closes so the client moves on — within seconds, not a request timeout.
   */
  #scheduleKeepAlive(): void {
    const periodMs = Math.max(50, Math.min(this.options.keepAliveMs ?? 1_000, Math.floor(this.limits.idleTimeoutMs / 3)))
    this.#keepAlive = this.options.clock.setTimer(periodMs, () => {
      if (this.#ended) return
      if (this.#pingSentAt !== undefined) {
        const silentMs = this.options.clock.now() - this.#pingSentAt
        if (silentMs >= 3 * periodMs) return this.close(closeCodes.idleTimeout, `node ${this.node} did not answer a ping within ${silentMs} ms`)
      } else {
        const sentAt = this.options.clock.now()
        this.#pingSentAt = sentAt
        // Any answer proves the node alive, an error too (RESOURCE_EXHAUSTED when this connection is over its rate).
        const answered = () => (this.#pingSentAt = undefined)
        this.send({ body: { type: 'ping' }, accept: undefined, bounded: false, deadline: 0, resolve: answered, reject: answered })
      }
      this.#scheduleKeepAlive()
    })
  }

  #end(info: CloseInfo): void {
    if (this.#ended) return
    this.#ended = true
    if (info.code === closeCodes.unauthenticated && this.#refusal === undefined) {
      // The node's `refused` message did not make it (it closed a slow reader): the close code says the same.
      this.#refusal = new UnauthenticatedError(`node ${this.node} ended the connection: ${info.reason === '' ? 'its credentials expired' : info.reason}`)
      this.#endError ??= this.#refusal
    }
    this.#keepAlive?.cancel()
    const handshake = this.#handshake
    this.#handshake = undefined
    if (handshake !== undefined) {
      handshake.timer.cancel()
      handshake.reject(new UnavailableError(`connection closed during the handshake (code ${info.code}${info.reason === '' ? '' : `: ${info.reason}`})`))
    }
    const calls = [...this.#inFlight.values()]
    this.#inFlight.clear()
    this.#bounded = 0
    this.#outgoing = []
    for (const call of calls) {
      call.forget = undefined
      call.reject(this.#endError ?? this.#lostError(call, info))
    }
  }

  /** A call cut by a closing connection: a write's outcome is unknown (TIMEOUT); anything else is safe to retry (UNAVAILABLE). */
  #lostError(call: Call, info?: CloseInfo): ClustronError {
    const how = info === undefined ? '' : ` (code ${info.code}${info.reason === '' ? '' : `: ${info.reason}`})`
    if (call.body.type === 'write' || call.body.type === 'admin') {
      return new TimeoutError(`the connection to node ${this.node} closed${how} while '${describeCall(call)}' was in flight; it may or may not have been applied — read before retrying`)
    }
    return new UnavailableError(`the connection to node ${this.node} closed${how} while '${describeCall(call)}' was in flight`)
  }

  /** A call that never left: nothing was applied, it can go on another connection. */
  #notSentError(call: Call): ClustronError {
    return new UnavailableError(`'${describeCall(call)}' could not be sent: the connection to node ${this.node} is closed`)
  }
}

