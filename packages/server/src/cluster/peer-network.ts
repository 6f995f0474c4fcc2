import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto'
import type { Message } from '@clustron/raft'
import type { Logger } from 'pino'
import type { TLSSocket } from 'node:tls'
import { WebSocket } from 'ws'
import { certificateNames } from '../tls/tls-files.js'
import { handshakeFrameBytesMax, setFrameLimit } from '../connection/frame-limit.js'
import { checkMessage, decodePeerFrame, encodePeerFrame, peerPath, peerProtocolVersion, type PeerFrame } from './peer-frames.js'

export interface PeerNetworkOptions {
  nodeId: string
  /** host:port peers use to reach this node (sent in the handshake, so a node that knows no members yet can answer). */
  address: () => string
  /** Cluster secret: peers prove they know it (HMAC over a challenge). Undefined: peers are not authenticated. */
  secret: string | undefined
  logger: Logger
  /** Hands validated inbound Raft messages of one store to its replica. */
  deliver(store: string, messages: Message[]): void
  /** Messages queued for one peer whose link is down or slow; beyond, new ones are dropped (Raft resends). */
  queueMessagesMax?: number
  /** Bytes buffered in one socket before sending pauses. */
  socketBufferBytesMax?: number
  /** Time a connecting peer has to prove itself. */
  handshakeTimeoutMs?: number
  /** Largest peer frame (a snapshot travels as one message). */
  frameBytesMax: number
  /**
   * TLS between peers (wss): links trust `ca` and present this node's certificate. With a `ca`,
   * peers authenticate by certificate too (mTLS): a peer's certificate must chain to it and name
   * the node id it claims (CN or a DNS name).
   */
  tls?: PeerTls | undefined
  /** Counts peer traffic (metrics): bytes of each frame received from and sent to peers. */
  onBytes?: ((direction: 'in' | 'out', bytes: number) => void) | undefined
}

export interface PeerTls {
  cert: Uint8Array
  key: Uint8Array
  ca: Uint8Array | undefined
}

/** What TLS established about a connecting peer's certificate. */
export interface PeerIdentity {
  authorized: boolean
  names: readonly string[]
}

type ResolvedOptions = Required<Omit<PeerNetworkOptions, 'secret' | 'tls' | 'onBytes'>> & { secret: string | undefined; tls: PeerTls | undefined; onBytes: PeerNetworkOptions['onBytes'] }

/**
 * Node-to-node transport for Raft. Each node dials every other member (outbound links only carry
 * its own messages); messages produced in one turn go out as one frame per peer. Links reconnect with
 * backoff and jitter; while a peer is unreachable its queue is bounded and overflow is dropped —
 * Raft tolerates loss and retransmits, so nothing here blocks a replica.
 */
export class PeerNetwork {
  readonly #links = new Map<string, PeerLink>()
  readonly #inbound = new Set<WebSocket>()
  /** Members as the replicas know them. */
  #members: Record<string, string> = {}
  /** Addresses learned from authenticated peers' handshakes (a joining node knows no members yet). */
  readonly #learned = new Map<string, string>()
  readonly #options: ResolvedOptions
  #closed = false

  constructor(options: PeerNetworkOptions) {
    this.#options = { queueMessagesMax: 10_000, socketBufferBytesMax: 64 << 20, handshakeTimeoutMs: 10_000, ...options, tls: options.tls, onBytes: options.onBytes }
  }

  /** Whether connecting peers must present a certificate from the cluster's CA (mTLS). */
  get requiresCertificates(): boolean {
    return this.#options.tls?.ca !== undefined
  }

  /** The members to connect to (node id → host:port); links to departed members close. */
  setMembers(members: Record<string, string>): void {
    this.#members = { ...members }
    this.#reconcile()
  }

  #reconcile(): void {
    if (this.#closed) return
    const members: Record<string, string> = { ...Object.fromEntries(this.#learned), ...this.#members }
    for (const [id, link] of this.#links) {
      if (members[id] !== link.address) {
        link.close()
        this.#links.delete(id)
      }
    }
    for (const [id, address] of Object.entries(members)) {
      if (id === this.#options.nodeId || this.#links.has(id) || address === '') continue
      this.#links.set(id, new PeerLink(id, address, this.#options))
    }
  }

  /** Queues Raft messages of `store` to their destinations (sent at the end of this turn). */
  send(store: string, messages: Message[]): void {
    for (const message of messages) {
      const link = this.#links.get(message.to)
      if (link === undefined) {
        this.#options.logger.debug({ to: message.to, store }, 'no address for a raft peer; message dropped')
        continue
      }
      link.enqueue(store, message)
    }
  }

  /** Serves a peer that dialled us (WebSocket on /v1/peer); `identity`: its TLS client certificate. */
  accept(socket: WebSocket, remoteAddress: string | undefined, identity?: PeerIdentity): void {
    if (this.#closed) return socket.close(1001, 'node shutting down')
    if (this.requiresCertificates && identity?.authorized !== true) {
      this.#options.logger.warn({ peerAddress: remoteAddress }, 'peer refused: no certificate from the cluster CA')
      return socket.close(4003, 'peers must present a certificate signed by the cluster CA')
    }
    this.#inbound.add(socket)
    // Until the peer proves itself, a frame is a hello: an unauthenticated connection cannot make this node buffer a snapshot-sized frame.
    setFrameLimit(socket, handshakeFrameBytesMax)
    const nonce = randomBytes(32)
    const logger = this.#options.logger.child({ peerAddress: remoteAddress })
    let peer: string | undefined
    const timer = setTimeout(() => socket.close(4001, 'peer handshake timed out'), this.#options.handshakeTimeoutMs)
    socket.send(encodePeerFrame({ kind: 'challenge', version: peerProtocolVersion, nonce, node: this.#options.nodeId }))
    socket.on('message', (data) => {
      let frame: PeerFrame
      try {
        const bytes = toBytes(data)
        this.#options.onBytes?.('in', bytes.length)
        frame = decodePeerFrame(bytes)
      } catch (error) {
        logger.warn({ err: error }, 'malformed peer frame; closing the link')
        socket.close(4002, 'malformed peer frame')
        return
      }
      if (peer === undefined) {
        if (frame.kind !== 'hello') return socket.close(4002, 'expected hello')
        const problem = this.#verify(frame, nonce, identity)
        if (problem !== undefined) {
          logger.warn({ node: frame.node }, `peer refused: ${problem}`)
          return socket.close(4003, problem)
        }
        clearTimeout(timer)
        setFrameLimit(socket, this.#options.frameBytesMax)
        peer = frame.node
        if (frame.address !== undefined && this.#members[peer] === undefined && this.#learned.get(peer) !== frame.address) {
          this.#learned.set(peer, frame.address)
          this.#reconcile()
        }
        return
      }
      if (frame.kind !== 'raft') return
      for (const batch of frame.batches) {
        // A peer speaks only for itself: messages claiming another sender are dropped.
        const messages = batch.messages.map(checkMessage).filter((message): message is Message => message !== undefined && message.from === peer && message.to === this.#options.nodeId)
        if (messages.length > 0) this.#options.deliver(batch.store, messages)
      }
    })
    socket.on('close', () => {
      clearTimeout(timer)
      this.#inbound.delete(socket)
    })
    socket.on('error', (error) => logger.debug({ err: error }, 'peer socket error'))
  }

  /** Peers whose outbound link is connected and authenticated. */
  connectedPeers(): string[] {
    return [...this.#links.values()].filter((link) => link.ready).map((link) => link.peer)
  }

  close(): void {
    this.#closed = true
    for (const link of this.#links.values()) link.close()
    this.#links.clear()
    for (const socket of this.#inbound) socket.terminate()
    this.#inbound.clear()
  }

  #verify(hello: Extract<PeerFrame, { kind: 'hello' }>, nonce: Uint8Array, identity: PeerIdentity | undefined): string | undefined {
    if (hello.version !== peerProtocolVersion) return `peer protocol ${hello.version} is not supported (this node speaks ${peerProtocolVersion})`
    // With mTLS a certificate speaks for one node only: the one it names.
    if (this.requiresCertificates && !(identity?.names ?? []).includes(hello.node)) {
      return `the peer's certificate is issued to ${(identity?.names ?? []).join(', ') || 'nobody'}, not to node ${hello.node}`
    }
    const secret = this.#options.secret
    if (secret === undefined) return undefined
    if (hello.proof === undefined) return 'this cluster requires a cluster secret (--cluster-secret); the peer sent none'
    const expected = proof(secret, nonce, hello.node)
    if (hello.proof.length !== expected.length || !timingSafeEqual(hello.proof, expected)) return 'the peer does not know the cluster secret'
    return undefined
  }
}

function proof(secret: string, nonce: Uint8Array, node: string): Uint8Array {
  return createHmac('sha256', secret).update(nonce).update(node).digest()
}

/** One outbound link to one peer, reconnecting forever (with backoff) until closed. */
class PeerLink {
  #socket: WebSocket | undefined
  #ready = false
  #queue: { store: string; message: Message }[] = []
  #flushScheduled = false
  #attempt = 0
  #retryTimer: NodeJS.Timeout | undefined
  #closed = false
  #dropped = 0

  constructor(
    readonly peer: string,
    readonly address: string,
    private readonly options: ResolvedOptions,
  ) {
    this.#connect()
  }

  get ready(): boolean {
    return this.#ready
  }

  enqueue(store: string, message: Message): void {
    if (this.#closed) return
    if (this.#queue.length >= this.options.queueMessagesMax) {
      if (this.#dropped++ % 1000 === 0) this.options.logger.warn({ peer: this.peer, queued: this.#queue.length }, 'peer queue full; dropping raft messages (the peer is down or slow)')
      return
    }
    this.#queue.push({ store, message })
    if (this.#flushScheduled) return
    this.#flushScheduled = true
    queueMicrotask(() => {
      this.#flushScheduled = false
      this.#flush()
    })
  }

  close(): void {
    this.#closed = true
    clearTimeout(this.#retryTimer)
    this.#socket?.close(1001, 'membership changed or node shutting down')
    this.#queue = []
  }

  #flush(): void {
    const socket = this.#socket
    if (!this.#ready || socket === undefined || this.#queue.length === 0) return
    if (socket.bufferedAmount > this.options.socketBufferBytesMax) return
    const byStore = new Map<string, Message[]>()
    for (const { store, message } of this.#queue.splice(0)) {
      const list = byStore.get(store)
      if (list === undefined) byStore.set(store, [message])
      else list.push(message)
    }
    const frame = encodePeerFrame({ kind: 'raft', batches: [...byStore].map(([store, messages]) => ({ store, messages })) })
    this.options.onBytes?.('out', frame.length)
    socket.send(frame, { binary: true }, () => {
      // The socket drained a little: anything queued meanwhile can go now.
      if (this.#queue.length > 0) this.#flush()
    })
  }

  #connect(): void {
    if (this.#closed) return
    const tls = this.options.tls
    const socket = new WebSocket(`${tls === undefined ? 'ws' : 'wss'}://${this.address}${peerPath}`, {
      maxPayload: this.options.frameBytesMax,
      perMessageDeflate: false,
      handshakeTimeout: this.options.handshakeTimeoutMs,
      ...(tls === undefined ? {} : { cert: Buffer.from(tls.cert), key: Buffer.from(tls.key), ...(tls.ca === undefined ? {} : { ca: Buffer.from(tls.ca) }) }),
    })
    this.#socket = socket
    if (tls?.ca !== undefined) {
      // The CA vouches for the certificate; it must also be this peer's (a member cannot pose as another).
      socket.once('upgrade', (response) => {
        const names = certificateNames((response.socket as TLSSocket).getPeerCertificate())
        if (names.includes(this.peer)) return
        this.options.logger.warn({ peer: this.peer, address: this.address, names }, `the certificate at ${this.address} is issued to ${names.join(', ')}, not to ${this.peer}`)
        socket.terminate()
      })
    }
    socket.on('message', (data) => {
      if (this.#ready) return
      let frame: PeerFrame
      try {
        frame = decodePeerFrame(toBytes(data))
      } catch {
        socket.close(4002, 'malformed challenge')
        return
      }
      if (frame.kind !== 'challenge') return
      if (frame.node !== this.peer) {
        this.options.logger.warn({ peer: this.peer, address: this.address, answered: frame.node }, `the node at ${this.address} is ${frame.node}, not ${this.peer}; check --peers`)
        socket.close(4004, 'wrong node')
        return
      }
      const secret = this.options.secret
      const base = { kind: 'hello' as const, version: peerProtocolVersion, node: this.options.nodeId, address: this.options.address() }
      const hello: PeerFrame = secret === undefined ? base : { ...base, proof: proof(secret, frame.nonce, this.options.nodeId) }
      socket.send(encodePeerFrame(hello))
      this.#ready = true
      this.#attempt = 0
      this.#flush()
    })
    socket.on('close', (code, reason) => {
      this.#ready = false
      this.#socket = undefined
      if (code >= 4000) this.options.logger.warn({ peer: this.peer, code, reason: reason.toString() }, 'peer closed the link')
      this.#scheduleReconnect()
    })
    socket.on('error', (error) => this.options.logger.debug({ peer: this.peer, err: error }, 'peer link error'))
  }

  #scheduleReconnect(): void {
    if (this.#closed) return
    const delayMs = Math.min(2_000, 50 * 2 ** Math.min(this.#attempt++, 6)) * (0.5 + Math.random() / 2)
    this.#retryTimer = setTimeout(() => this.#connect(), delayMs)
  }
}

function toBytes(data: WebSocket.RawData): Uint8Array {
  if (Array.isArray(data)) return new Uint8Array(Buffer.concat(data))
  if (data instanceof ArrayBuffer) return new Uint8Array(data)
  return data
}
