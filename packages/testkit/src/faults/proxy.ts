/**
 * A node's front: a TCP proxy on loopback that everyone (peers and clients) uses to reach one node,
 * forwarding to the port the node really listens on. It tells the connection's source from its
 * handshake (handshake.ts) and applies the link table's fault to each direction of the connection,
 * chunk by chunk: pass, delay, blackhole, reset, flaky.
 *
 * Bounded: bytes held back by delays per direction (beyond, the connection is reset, as TCP gives
 * up on a peer that never drains), bytes buffered before the source is known, connections per front.
 */
import { createConnection, createServer, type AddressInfo, type Server, type Socket } from 'node:net'
import { HandshakeClassifier } from './handshake.js'
import { clientEndpoint, type LinkFault, type LinkTable } from './links.js'
import type { Random } from '../simulator/random.js'

export const proxyLimits = {
  /** Bytes waiting in one direction's delay queue; beyond, the connection is reset. */
  queuedBytesMax: 32 * 1024 * 1024,
  /** Open connections through one front (a runaway reconnect loop would show up here). */
  connectionsMax: 2_000,
} as const

export interface FrontStats {
  connections: number
  /** Connections whose dialer could not be identified (must stay 0: their faults were not applied). */
  unidentified: number
  resets: number
  droppedBytes: number
  delayedChunks: number
}

type Direction = 'up' | 'down'

/** One direction of a proxied connection: chunks pass through its link's fault, in order. */
class Pipe {
  readonly #queue: { chunk: Buffer; dueAt: number }[] = []
  #queuedBytes = 0
  #lastDueAt = 0
  #timer: NodeJS.Timeout | undefined
  #ended = false
  /** Bytes were dropped here: the stream is corrupt from the receiver's view. */
  poisoned = false

  constructor(
    private readonly connection: ProxiedConnection,
    private readonly direction: Direction,
    private readonly source: Socket,
    private readonly sink: Socket,
  ) {}

  push(chunk: Buffer, fault: LinkFault): void {
    const stats = this.connection.front.stats
    let dueAt = Math.max(this.#lastDueAt, performance.now())
    switch (fault.kind) {
      case 'blackhole':
        this.poisoned = true
        stats.droppedBytes += chunk.length
        return
      case 'reset':
        return this.connection.reset(`${this.direction} link reset`)
      case 'flaky':
        if (this.connection.front.random.chance(fault.resetProbability)) return this.connection.reset('flaky link')
        break
      case 'delay':
        dueAt = Math.max(dueAt, performance.now() + fault.delayMs + this.connection.front.random.next() * fault.jitterMs)
        stats.delayedChunks++
        break
      case 'pass':
        break
    }
    this.#lastDueAt = dueAt
    if (this.#queue.length === 0 && dueAt <= performance.now()) return this.#write(chunk)
    this.#queue.push({ chunk, dueAt })
    this.#queuedBytes += chunk.length
    if (this.#queuedBytes > proxyLimits.queuedBytesMax) return this.connection.reset('delay queue full')
    this.#schedule()
  }

  /** The source ended its side: end the sink once everything queued went out. */
  end(): void {
    this.#ended = true
    if (this.#queue.length === 0) this.sink.end()
  }

  stop(): void {
    clearTimeout(this.#timer)
    this.#timer = undefined
    this.#queue.length = 0
    this.#queuedBytes = 0
  }

  #schedule(): void {
    if (this.#timer !== undefined || this.#queue.length === 0) return
    const waitMs = Math.max(0, this.#queue[0]!.dueAt - performance.now())
    this.#timer = setTimeout(() => {
      this.#timer = undefined
      const now = performance.now()
      while (this.#queue.length > 0 && this.#queue[0]!.dueAt <= now) {
        const { chunk } = this.#queue.shift()!
        this.#queuedBytes -= chunk.length
        this.#write(chunk)
      }
      if (this.#queue.length > 0) this.#schedule()
      else if (this.#ended) this.sink.end()
    }, waitMs)
  }

  #write(chunk: Buffer): void {
    if (this.sink.destroyed) return
    // Backpressure: a sink that cannot keep up pauses its source (as a full TCP window would).
    if (!this.sink.write(chunk) && !this.source.isPaused()) {
      this.source.pause()
      this.sink.once('drain', () => this.source.resume())
    }
  }
}

/** One dialer connection through a front, and its connection to the node. */
class ProxiedConnection {
  /** The dialer: a node id, `client`, or undefined until the handshake tells. */
  source: string | undefined
  readonly #up: Pipe
  readonly #down: Pipe
  readonly #classifier = new HandshakeClassifier(clientEndpoint)
  #closed = false

  constructor(
    readonly front: NodeFront,
    private readonly dialer: Socket,
    private readonly node: Socket,
  ) {
    this.#up = new Pipe(this, 'up', dialer, node)
    this.#down = new Pipe(this, 'down', node, dialer)
    dialer.on('data', (chunk: Buffer) => this.#fromDialer(chunk))
    node.on('data', (chunk: Buffer) => this.#down.push(chunk, this.fault('down')))
    dialer.on('end', () => this.#up.end())
    node.on('end', () => this.#down.end())
    for (const socket of [dialer, node]) {
      socket.on('error', () => this.close())
      socket.on('close', () => this.close())
    }
  }

  /** The fault on one direction's link (none while the source is unknown). */
  fault(direction: Direction): LinkFault {
    if (this.source === undefined) return { kind: 'pass' }
    const node = this.front.nodeId
    return direction === 'up' ? this.front.links.get(this.source, node) : this.front.links.get(node, this.source)
  }

  /** Whether the link `from → to` runs through this connection, and in which direction. */
  directionOf(from: string, to: string): Direction | undefined {
    if (this.source === undefined) return undefined
    if (from === this.source && to === this.front.nodeId) return 'up'
    if (from === this.front.nodeId && to === this.source) return 'down'
    return undefined
  }

  /** A link of this connection changed: reset now, or (healed) reset if it lost bytes. */
  linkChanged(direction: Direction, fault: LinkFault): void {
    if (fault.kind === 'reset') return this.reset('link reset')
    const pipe = direction === 'up' ? this.#up : this.#down
    if (fault.kind !== 'blackhole' && pipe.poisoned) this.reset('healed after losing bytes')
  }

  reset(_why: string): void {
    if (this.#closed) return
    this.front.stats.resets++
    this.dialer.resetAndDestroy()
    this.node.resetAndDestroy()
    this.close()
  }

  close(): void {
    if (this.#closed) return
    this.#closed = true
    this.#up.stop()
    this.#down.stop()
    this.dialer.destroy()
    this.node.destroy()
    this.front.forget(this)
  }

  #fromDialer(chunk: Buffer): void {
    if (this.source !== undefined) return this.#up.push(chunk, this.fault('up'))
    const classification = this.#classifier.feed(chunk)
    switch (classification.kind) {
      case 'pending':
        if (classification.forward !== undefined) this.#up.push(classification.forward, { kind: 'pass' })
        return
      case 'unidentified':
        this.front.stats.unidentified++
        this.source = `unidentified:${classification.reason}`
        return this.#up.push(classification.held, { kind: 'pass' })
      case 'decided':
        this.source = classification.source
        return this.#up.push(classification.held, this.fault('up'))
    }
  }
}

/** The front of one node: listens on its own loopback port, forwards to the node's real port. */
export class NodeFront {
  readonly stats: FrontStats = { connections: 0, unidentified: 0, resets: 0, droppedBytes: 0, delayedChunks: 0 }
  readonly #server: Server
  readonly #connections = new Set<ProxiedConnection>()
  readonly #unlisten: () => void
  #port = 0

  constructor(
    readonly nodeId: string,
    /** The node's real port (where it listens). */
    readonly targetPort: number,
    readonly links: LinkTable,
    readonly random: Random,
  ) {
    this.#server = createServer({ noDelay: true }, (dialer) => this.#accept(dialer))
    this.#unlisten = links.onChange((from, to, fault) => {
      for (const connection of [...this.#connections]) {
        const direction = connection.directionOf(from, to)
        if (direction !== undefined) connection.linkChanged(direction, fault)
      }
    })
  }

  /** Listens on a free loopback port; resolves with `host:port`. */
  async listen(): Promise<string> {
    await new Promise<void>((resolve, reject) => {
      this.#server.once('error', reject)
      this.#server.listen(0, '127.0.0.1', () => resolve())
    })
    this.#port = (this.#server.address() as AddressInfo).port
    return this.address
  }

  get address(): string {
    return `127.0.0.1:${this.#port}`
  }

  /** Connections open now, by source (diagnostics). */
  sources(): string[] {
    return [...this.#connections].map((connection) => connection.source ?? '?')
  }

  forget(connection: ProxiedConnection): void {
    this.#connections.delete(connection)
  }

  /** Resets every connection (a node that is gone for good, or a test ending). */
  resetAll(): void {
    for (const connection of [...this.#connections]) connection.reset('front reset')
  }

  async close(): Promise<void> {
    this.#unlisten()
    const closed = new Promise<void>((resolve) => this.#server.close(() => resolve()))
    for (const connection of [...this.#connections]) connection.close()
    await closed
  }

  #accept(dialer: Socket): void {
    if (this.#connections.size >= proxyLimits.connectionsMax) {
      dialer.resetAndDestroy()
      return
    }
    this.stats.connections++
    const node = createConnection({ host: '127.0.0.1', port: this.targetPort, noDelay: true })
    this.#connections.add(new ProxiedConnection(this, dialer, node))
  }
}
