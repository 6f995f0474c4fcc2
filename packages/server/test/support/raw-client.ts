import { decodeFrame, encodeMessage, joinFrame, protocolVersion } from '@clustron/protocol'
import WebSocket from 'ws'

export interface Received {
  frames: number
  messages: Record<string, unknown>[]
}

/**
 * A protocol client with no smarts, for testing the node's side: sends exactly the frames a test
 * builds (valid or not) and records every frame and message the node sends back.
 */
export class RawClient {
  readonly frames: unknown[][] = []
  readonly closed: Promise<{ code: number; reason: string }>
  #waiters: (() => void)[] = []
  #cursor = 0

  private constructor(readonly socket: WebSocket) {
    socket.on('message', (data: Buffer) => {
      this.frames.push(decodeFrame(data))
      this.#wake()
    })
    this.closed = new Promise((resolve) =>
      socket.on('close', (code, reason) => {
        this.#wake()
        resolve({ code, reason: reason.toString() })
      }),
    )
  }

  static async open(port: number, path = '/v1/client'): Promise<RawClient> {
    return RawClient.openUrl(`ws://127.0.0.1:${port}${path}`)
  }

  /** Opens any URL (wss:// with `options`: ca, cert, key for TLS tests). */
  static async openUrl(url: string, options: WebSocket.ClientOptions = {}): Promise<RawClient> {
    const socket = new WebSocket(url, options)
    await new Promise<void>((resolve, reject) => {
      socket.once('open', () => resolve())
      socket.once('error', reject)
    })
    return new RawClient(socket)
  }

  /** Opens and completes the handshake for `store`; returns the welcome. */
  static async connected(port: number, store = 'default', token?: string): Promise<{ client: RawClient; welcome: Record<string, unknown> }> {
    const client = await RawClient.open(port)
    client.send({ type: 'hello', protocol: protocolVersion, store, ...(token === undefined ? {} : { token }) })
    const welcome = await client.next()
    if (welcome.type !== 'welcome') throw new Error(`expected welcome, got ${JSON.stringify(welcome)}`)
    return { client, welcome }
  }

  /** Sends messages in one frame. */
  send(...messages: unknown[]): void {
    this.socket.send(joinFrame(messages.map(encodeMessage)))
  }

  sendRaw(bytes: Uint8Array | string): void {
    this.socket.send(bytes)
  }

  get messages(): Record<string, unknown>[] {
    return this.frames.flat() as Record<string, unknown>[]
  }

  /** The next message not yet taken (waits for it; rejects if the socket closes first). */
  async next(): Promise<Record<string, unknown>> {
    for (;;) {
      const messages = this.messages
      if (this.#cursor < messages.length) return messages[this.#cursor++]!
      if (this.socket.readyState === WebSocket.CLOSED) throw new Error('socket closed while waiting for a message')
      await new Promise<void>((resolve) => this.#waiters.push(resolve))
    }
  }

  /** The answer to request `id` (skipping pushes and other answers, which stay readable in `messages`). */
  async answer(id: number): Promise<Record<string, unknown>> {
    for (;;) {
      const found = this.messages.find((message) => message.id === id)
      if (found !== undefined) return found
      if (this.socket.readyState === WebSocket.CLOSED) throw new Error(`socket closed before the answer to ${id}`)
      await new Promise<void>((resolve) => this.#waiters.push(resolve))
    }
  }

  /** Waits until `predicate` holds over everything received. */
  async until(predicate: (messages: Record<string, unknown>[]) => boolean): Promise<Record<string, unknown>[]> {
    for (;;) {
      const messages = this.messages
      if (predicate(messages)) return messages
      if (this.socket.readyState === WebSocket.CLOSED) throw new Error('socket closed before the condition held')
      await new Promise<void>((resolve) => this.#waiters.push(resolve))
    }
  }

  close(): void {
    this.socket.close()
  }

  #wake(): void {
    const waiters = this.#waiters
    this.#waiters = []
    for (const wake of waiters) wake()
  }
}

export const value = (text: string) => encodeMessage(text)
