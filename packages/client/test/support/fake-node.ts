import type { ErrorData } from '@clustron/core/internal'
import { decodeFrame, encodeMessage, joinFrame, protocolVersion } from '@clustron/protocol'
import { FrameQueue, type CloseInfo, type Transport, type TransportFactory, type TransportOptions } from '../../src/transport/transport.js'

export type Message = Record<string, unknown> & { type: string }

/**
 * A node in memory, scripted by the test: it records connection attempts, can fail or refuse
 * them, welcomes the rest, answers pings, and leaves every other request for the test to answer
 * (or not). Lets reconnect, backoff and resume logic be tested step by step on a ManualClock.
 */
export class FakeNode {
  readonly attempts: { url: string; at: number }[] = []
  readonly connections: FakeConnection[] = []
  /** Connection attempts still to fail (as a refused TCP connection would). */
  failNext = 0
  /** Refuse handshakes with this error. */
  refuse: ErrorData | undefined
  answerPings = true
  limits: Record<string, number> = {}
  #waiters: (() => void)[] = []

  constructor(private readonly now: () => number) {}

  readonly transport: TransportFactory = async (options: TransportOptions) => {
    this.attempts.push({ url: options.url, at: this.now() })
    this.wake()
    if (this.failNext > 0) {
      this.failNext--
      throw new Error(`connect ECONNREFUSED ${options.url}`)
    }
    const connection = new FakeConnection(this)
    this.connections.push(connection)
    return connection
  }

  get current(): FakeConnection {
    const connection = this.connections.at(-1)
    if (connection === undefined) throw new Error('no connection yet')
    return connection
  }

  /** Resolves once `predicate` holds (checked whenever anything happens on the node). */
  async until(predicate: () => boolean): Promise<void> {
    while (!predicate()) await new Promise<void>((resolve) => this.#waiters.push(resolve))
  }

  wake(): void {
    const waiters = this.#waiters
    this.#waiters = []
    for (const wake of waiters) wake()
  }
}

export class FakeConnection implements Transport {
  readonly frames = new FrameQueue()
  readonly closed: Promise<CloseInfo>
  readonly received: Message[] = []
  #closed = false
  #settle: (info: CloseInfo) => void = () => {}

  constructor(private readonly node: FakeNode) {
    this.closed = new Promise((resolve) => (this.#settle = resolve))
  }

  get isClosed(): boolean {
    return this.#closed
  }

  send(frame: Uint8Array): void {
    if (this.#closed) return
    for (const message of decodeFrame(frame) as Message[]) {
      this.received.push(message)
      if (message.type === 'hello') this.#hello(message)
      else if (message.type === 'ping' && this.node.answerPings) this.answer(message.id as number, null)
    }
    this.node.wake()
  }

  /** Requests received of a type (hello and pings aside unless asked). */
  requests(type: string): Message[] {
    return this.received.filter((message) => message.type === type)
  }

  push(...messages: unknown[]): void {
    if (!this.#closed) this.frames.push(joinFrame(messages.map(encodeMessage)))
  }

  answer(id: number, result: unknown): void {
    this.push({ type: 'result', id, result })
  }

  /** The node drops the connection (a crash, a cut cable). */
  drop(code = 1006): void {
    this.close(code, '')
  }

  close(code = 1000, reason = ''): void {
    if (this.#closed) return
    this.#closed = true
    this.frames.end()
    this.#settle({ code, reason })
    this.node.wake()
  }

  #hello(hello: Message): void {
    if (this.node.refuse !== undefined) {
      this.push({ type: 'refused', error: this.node.refuse })
      return this.close(4002, 'refused')
    }
    this.push({ type: 'welcome', protocol: protocolVersion, node: 'fake', store: hello.store, limits: this.node.limits, revision: 0 })
  }
}
