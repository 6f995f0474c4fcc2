import { randomInt, randomUUID } from 'node:crypto'
import { accessSync, constants, mkdirSync } from 'node:fs'
import { createServer, type IncomingMessage, type Server } from 'node:http'
import type { AddressInfo, Socket } from 'node:net'
import { join, resolve } from 'node:path'
import { InvalidArgumentError, resolveLimits, type Clock, type Limits } from '@clustron/core'
import { systemClock } from '@clustron/core/internal'
import { clientPath, closeCodes, describeIssues } from '@clustron/protocol'
import { pino, type Logger } from 'pino'
import { WebSocketServer, type WebSocket } from 'ws'
import { configSchema, type LogLevel, type ParsedConfig } from './config/schema.js'
import { ClientConnection, type ConnectionContext } from './connection/connection.js'
import { PeerNetwork } from './cluster/peer-network.js'
import { peerPath } from './cluster/peer-frames.js'
import { handleHttp, health, type Health } from './http.js'
import { NodeMetrics } from './metrics.js'
import { RaftReplica } from './replica/raft/raft-replica.js'
import { SingleReplica } from './replica/single-replica.js'
import type { StoreReplica } from './replica/store-replica.js'
import { openReplicaStorage } from './storage/index.js'
import { StoreHost } from './store-host.js'

export interface StoreOptions {
  name: string
  /** Revisions of events retained for `watch({ fromRevision })` (core's limits.watchHistoryRevisions). */
  watchHistory?: number
  /** This store's limits (over the node's). */
  limits?: Partial<Limits>
}

export interface NodeOptions {
  nodeId?: string
  /** Default 127.0.0.1. */
  host?: string
  /** Default 7861; 0 picks a free port (read it from `node.port`). */
  port?: number
  /** Data directory, created if missing. Omitted: the node keeps nothing on disk. */
  data?: string
  /** Stores this node hosts (default ['default']); clients naming any other are refused with NOT_FOUND. */
  stores?: (string | StoreOptions)[]
  /** Default watch history of every store. */
  watchHistory?: number
  /** Node-wide limits (frame size, connections, timeouts) and defaults of every store's. */
  limits?: Partial<Limits>
  /** When set, clients must present this token in the handshake. */
  token?: string
  /** Default 'silent' (the CLI passes 'info'). Ignored when `logger` is given. */
  logLevel?: LogLevel
  logger?: Logger
  /** The stores' clock: stamps commands, fires TTL and lease expiry. Tests share a ManualClock with the client. */
  clock?: Clock
  /** Times handshakes and idle connections (real time unless a test drives it). */
  connectionClock?: Clock
  /** How long `close()` waits for in-flight requests and unsent frames before cutting connections. */
  shutdownTimeoutMs?: number
  /** Founding members (id → host:port), this node included. Absent: a cluster of one. Needs `data`. */
  peers?: Record<string, string>
  /** Start empty and wait to be added to a running cluster. */
  join?: boolean
  /** Peers must prove they know it. */
  clusterSecret?: string
  /** host:port that peers and clients use to reach this node (default host:port). */
  advertise?: string
  /** Keep stores in memory (no log, no fsync; a single node) even when `data` is set. */
  memory?: boolean
  /** Raft tick and election timeout (in ticks). */
  tickMs?: number
  electionTicks?: number
  /** Snapshot and compact a store's log every this many entries. */
  snapshotEntries?: number
}

export interface ClustronNode {
  readonly nodeId: string
  readonly host: string
  readonly port: number
  /** `clustron://host:port`; append `/<store>` to connect. */
  readonly url: string
  readonly stores: readonly string[]
  health(): Health
  /** Graceful shutdown: stop accepting, finish in-flight requests, end watches with UNAVAILABLE, close. */
  close(): Promise<void>
}

/**
 * Starts a node: one port for client WebSockets (`/v1/client`), peers (`/v1/peer`) and HTTP
 * (`/health`). With a data directory each store is a Raft group replica with a durable log (a
 * cluster of one unless `peers` names more members); without one (or with `memory`), stores live
 * in memory on this node only.
 */
export async function startNode(options: NodeOptions = {}): Promise<ClustronNode> {
  const config = validateOptions(options)
  const limits = resolveLimits(config.limits as Partial<Limits> | undefined)
  const logger = options.logger ?? pino({ level: config.logLevel, base: { nodeId: config.nodeId } })
  if (config.data !== undefined) prepareDataDirectory(config.data)
  const clock = options.clock ?? systemClock
  const stores = config.stores.map((store) => resolveStore(store, config))
  const names = new Set<string>()
  for (const { name } of stores) {
    if (names.has(name)) throw new InvalidArgumentError(`invalid config: store '${name}' is declared twice`)
    names.add(name)
  }
  const replicated = config.data !== undefined && config.memory !== true
  if (!replicated && (config.peers !== undefined || config.join === true)) {
    throw new InvalidArgumentError('invalid config: peers and join need a durable node: give --data (and not --memory)')
  }
  const node = new Node(config, limits, logger, options.connectionClock ?? systemClock, options.shutdownTimeoutMs ?? 10_000)
  await node.listen(config.host, config.port)
  try {
    for (const { name, storeLimits } of stores) {
      const replica: StoreReplica = replicated
        ? await node.openReplica(name, storeLimits, clock, join(resolve(config.data!), 'stores', name))
        : new SingleReplica({ store: name, nodeId: config.nodeId, limits: storeLimits, clock })
      node.addStore(new StoreHost(replica))
    }
  } catch (error) {
    await node.close()
    throw error
  }
  node.ready()
  return node
}

/** Peer frames may carry a whole snapshot (Raft sends one as a single message). */
const peerFrameBytesMax = 512 * 1024 * 1024

class Node implements ClustronNode {
  readonly nodeId: string
  readonly host: string
  #port = 0
  readonly #server: Server
  readonly #sockets: WebSocketServer
  readonly #peerSockets: WebSocketServer
  readonly #connections = new Set<ClientConnection>()
  readonly #startedAt = Date.now()
  readonly #context: ConnectionContext
  readonly hosts = new Map<string, StoreHost>()
  readonly #peers: PeerNetwork
  readonly metrics: NodeMetrics
  /** Members of every store's group (this node hosts all stores, so they share the node set). */
  readonly #members = new Map<string, Record<string, string>>()
  #ready = false
  #closing: Promise<void> | undefined
  #sequence = 0

  constructor(
    private readonly config: ParsedConfig,
    readonly limits: Readonly<Limits>,
    private readonly logger: Logger,
    connectionClock: Clock,
    private readonly shutdownTimeoutMs: number,
  ) {
    this.nodeId = config.nodeId
    this.host = config.host
    this.metrics = new NodeMetrics(config.nodeId, () => this.hosts, () => this.#connections.size)
    this.#context = { nodeId: config.nodeId, stores: this.hosts, limits, token: config.token, clock: connectionClock, logger, metrics: this.metrics }
    this.#server = createServer((request, response) => handleHttp(request, response, () => this.health(), this.metrics))
    this.#sockets = new WebSocketServer({ noServer: true, maxPayload: limits.frameBytesMax, perMessageDeflate: false })
    this.#peerSockets = new WebSocketServer({ noServer: true, maxPayload: peerFrameBytesMax, perMessageDeflate: false })
    this.#peers = new PeerNetwork({
      nodeId: config.nodeId,
      address: () => this.advertise,
      secret: config.clusterSecret,
      logger: logger.child({ component: 'peers' }),
      frameBytesMax: peerFrameBytesMax,
      deliver: (store, messages) => {
        const replica = this.hosts.get(store)?.replica
        if (replica instanceof RaftReplica) for (const message of messages) replica.step(message)
      },
    })
    this.#server.on('upgrade', (request, socket: Socket, head) => this.#upgrade(request, socket, head))
    this.#server.on('clientError', (_error, socket) => socket.destroy())
  }

  /** The address peers and clients use for this node. */
  get advertise(): string {
    if (this.config.advertise !== undefined) return this.config.advertise
    const host = this.host === '0.0.0.0' || this.host === '::' ? '127.0.0.1' : this.host.includes(':') ? `[${this.host}]` : this.host
    return `${host}:${this.#port}`
  }

  /** Opens the Raft replica of one store (its WAL under `directory`), wired to the peer network. */
  async openReplica(store: string, limits: Limits, clock: Clock, directory: string): Promise<RaftReplica> {
    const logger = this.logger.child({ store })
    const peers = this.config.peers ?? { [this.nodeId]: this.advertise }
    if (peers[this.nodeId] === undefined) {
      throw new InvalidArgumentError(`invalid config: peers must include this node's own id '${this.nodeId}' (peers: ${Object.keys(peers).join(', ')})`)
    }
    const log = openReplicaStorage(directory, { onNote: (note) => logger.warn({ file: note.file, offset: note.offsetBytes }, `storage: ${note.message}`) })
    return RaftReplica.open({
      store,
      nodeId: this.nodeId,
      limits,
      clock,
      log,
      send: (messages) => this.#peers.send(store, messages),
      ...(this.config.join === true ? {} : { bootstrap: peers }),
      incarnation: randomUUID(),
      seed: randomInt(2 ** 31),
      ...(this.config.tickMs === undefined ? {} : { tickMs: this.config.tickMs }),
      ...(this.config.electionTicks === undefined ? {} : { electionTicks: this.config.electionTicks }),
      ...(this.config.snapshotEntries === undefined ? {} : { snapshotEntries: this.config.snapshotEntries }),
      onLog: (level, message, fields) => logger[level](fields ?? {}, message),
      observer: this.metrics.replicaObserver(store),
      onMembers: (members) => {
        this.#members.set(store, members)
        this.#peers.setMembers(Object.assign({}, ...this.#members.values()) as Record<string, string>)
      },
    })
  }

  addStore(host: StoreHost): void {
    this.hosts.set(host.name, host)
  }

  /** Stores are open: accept clients. */
  ready(): void {
    this.#ready = true
    this.logger.info({ url: this.url, advertise: this.advertise, stores: this.stores }, 'node listening')
  }

  #upgrade(request: IncomingMessage, socket: Socket, head: Buffer): void {
    const path = (request.url ?? '').split('?')[0]
    const refuse = (status: string): void => {
      socket.end(`HTTP/1.1 ${status}\r\nconnection: close\r\ncontent-length: 0\r\n\r\n`)
    }
    if (this.#closing !== undefined) return refuse('503 Service Unavailable')
    if (path === peerPath) {
      this.#peerSockets.handleUpgrade(request, socket, head, (webSocket) => this.#peers.accept(webSocket, request.socket.remoteAddress))
      return
    }
    if (path !== clientPath) return refuse('404 Not Found')
    // Until every store is open, clients would be refused a store this node does host.
    if (!this.#ready) return refuse('503 Service Unavailable')
    this.#sockets.handleUpgrade(request, socket, head, (webSocket) => this.#accept(webSocket, request.socket.remoteAddress))
  }

  get port(): number {
    return this.#port
  }

  get url(): string {
    const host = this.host === '0.0.0.0' || this.host === '::' ? '127.0.0.1' : this.host.includes(':') ? `[${this.host}]` : this.host
    return `clustron://${host}:${this.#port}`
  }

  get stores(): readonly string[] {
    return [...this.hosts.keys()]
  }

  async listen(host: string, port: number): Promise<void> {
    await new Promise<void>((resolveListen, reject) => {
      const onError = (error: NodeJS.ErrnoException) => {
        this.#server.off('listening', onListening)
        reject(error.code === 'EADDRINUSE' ? new Error(`port ${port} on ${host} is in use; pick another with --port (0 = any free port)`, { cause: error }) : error)
      }
      const onListening = () => {
        this.#server.off('error', onError)
        resolveListen()
      }
      this.#server.once('error', onError)
      this.#server.once('listening', onListening)
      this.#server.listen(port, host)
    })
    this.#port = (this.#server.address() as AddressInfo).port
    this.#server.on('error', (error) => this.logger.error({ err: error }, 'HTTP server error'))
    this.logger.debug({ port: this.#port }, 'listening')
  }

  health(): Health {
    return health(this.nodeId, this.#closing !== undefined, Date.now() - this.#startedAt, this.hosts)
  }

  #accept(webSocket: WebSocket, address: string | undefined): void {
    const logger = this.logger.child({ connection: ++this.#sequence, address })
    const connection = new ClientConnection(
      {
        send: (frame, written) => {
          this.metrics.bytes('out', frame.length)
          webSocket.send(frame, { binary: true }, () => written())
        },
        get bufferedBytes() {
          return webSocket.bufferedAmount
        },
        close: (code, reason) => webSocket.close(code, reason),
      },
      this.#context,
      logger,
    )
    if (this.#connections.size >= this.limits.connectionsMax) {
      connection.close(closeCodes.tooManyConnections, `node ${this.nodeId} has ${this.#connections.size} connections (limit ${this.limits.connectionsMax}); try another node`)
      return
    }
    this.#connections.add(connection)
    webSocket.on('message', (data, isBinary) => {
      if (!isBinary) return connection.protocolError('text frames are not part of the protocol; send binary msgpack frames')
      try {
        connection.receive(toBytes(data))
      } catch (error) {
        // A bug, not client input: log it and drop this connection, never the node.
        logger.error({ err: error }, 'internal error handling a frame')
        connection.close(closeCodes.badFrame, 'internal error')
      }
    })
    webSocket.on('close', () => {
      this.#connections.delete(connection)
      connection.closed()
    })
    webSocket.on('error', (error) => logger.debug({ err: error }, 'socket error'))
  }

  close(): Promise<void> {
    this.#closing ??= this.#shutdown()
    return this.#closing
  }

  async #shutdown(): Promise<void> {
    this.logger.info({ connections: this.#connections.size }, 'shutting down')
    const stopped = new Promise<void>((resolveClose) => this.#server.close(() => resolveClose()))
    const drained = Promise.all([...this.#connections].map((connection) => connection.drain()))
    let timer: NodeJS.Timeout | undefined
    const timedOut = new Promise<'timeout'>((resolveTimeout) => (timer = setTimeout(() => resolveTimeout('timeout'), this.shutdownTimeoutMs)))
    if ((await Promise.race([drained, timedOut])) === 'timeout') this.logger.warn('shutdown timed out waiting for connections; closing them')
    clearTimeout(timer)
    for (const webSocket of this.#sockets.clients) webSocket.terminate()
    this.#sockets.close()
    // Hand leadership over first, so the cluster does not wait an election timeout for this node.
    await Promise.all([...this.hosts.values()].map((host) => host.replica.cluster?.transferLeadership(2_000).catch(() => false)))
    await Promise.all([...this.hosts.values()].map((host) => host.close()))
    this.#peers.close()
    for (const webSocket of this.#peerSockets.clients) webSocket.terminate()
    this.#peerSockets.close()
    this.#server.closeAllConnections()
    await stopped
    this.logger.info('node stopped')
  }
}

function toBytes(data: Buffer | ArrayBuffer | Buffer[]): Uint8Array {
  if (Array.isArray(data)) return Buffer.concat(data)
  return data instanceof ArrayBuffer ? new Uint8Array(data) : data
}

/** Checks programmatic options with the CLI's schema, so both reject the same things the same way. */
function validateOptions(options: NodeOptions): ParsedConfig {
  const input = {
    nodeId: options.nodeId ?? 'n1',
    host: options.host ?? '127.0.0.1',
    port: options.port ?? 7861,
    stores: options.stores ?? ['default'],
    logLevel: options.logLevel ?? 'silent',
    ...(options.data === undefined ? {} : { data: options.data }),
    ...(options.watchHistory === undefined ? {} : { watchHistory: options.watchHistory }),
    ...(options.limits === undefined ? {} : { limits: options.limits }),
    ...(options.token === undefined ? {} : { token: options.token }),
    ...(options.peers === undefined ? {} : { peers: options.peers }),
    ...(options.join === undefined ? {} : { join: options.join }),
    ...(options.clusterSecret === undefined ? {} : { clusterSecret: options.clusterSecret }),
    ...(options.advertise === undefined ? {} : { advertise: options.advertise }),
    ...(options.memory === undefined ? {} : { memory: options.memory }),
    ...(options.tickMs === undefined ? {} : { tickMs: options.tickMs }),
    ...(options.electionTicks === undefined ? {} : { electionTicks: options.electionTicks }),
    ...(options.snapshotEntries === undefined ? {} : { snapshotEntries: options.snapshotEntries }),
  }
  const parsed = configSchema.safeParse(input)
  if (!parsed.success) throw new InvalidArgumentError(`invalid node options: ${describeIssues(parsed.error)}`)
  return parsed.data
}

/** Limits that govern connections, not a store's machine: set them node-wide. */
const nodeWideLimits = new Set<keyof Limits>(['frameBytesMax', 'requestsInFlightMax', 'watchersPerConnectionMax', 'connectionsMax', 'handshakeTimeoutMs', 'idleTimeoutMs', 'requestsPerSecondMax'])

function resolveStore(store: ParsedConfig['stores'][number], config: ParsedConfig): { name: string; storeLimits: Limits } {
  const spec = typeof store === 'string' ? { name: store } : store
  for (const name of Object.keys(spec.limits ?? {})) {
    if (nodeWideLimits.has(name as keyof Limits)) throw new InvalidArgumentError(`invalid config: stores.${spec.name}.limits.${name} is a node-wide limit; set it under limits`)
  }
  const watchHistory = spec.watchHistory ?? config.watchHistory
  try {
    const storeLimits = resolveLimits({
      ...(config.limits as Partial<Limits> | undefined),
      ...(spec.limits as Partial<Limits> | undefined),
      ...(watchHistory === undefined ? {} : { watchHistoryRevisions: watchHistory }),
    })
    return { name: spec.name, storeLimits }
  } catch (error) {
    throw new InvalidArgumentError(`invalid config: store '${spec.name}': ${(error as Error).message}`)
  }
}

function prepareDataDirectory(path: string): void {
  const directory = resolve(path)
  try {
    mkdirSync(directory, { recursive: true })
    accessSync(directory, constants.R_OK | constants.W_OK)
  } catch (error) {
    throw new InvalidArgumentError(`invalid config: data directory ${directory} cannot be created or written: ${(error as Error).message}`)
  }
}
