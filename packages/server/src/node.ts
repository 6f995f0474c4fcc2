import { randomInt, randomUUID } from 'node:crypto'
import { accessSync, constants, mkdirSync } from 'node:fs'
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http'
import { createServer as createTlsServer } from 'node:https'
import { isIP, type AddressInfo, type Socket } from 'node:net'
import { join, resolve } from 'node:path'
import { InvalidArgumentError, resolveLimits, type Clock, type Limits } from '@clustron/core'
import { systemClock } from '@clustron/core/internal'
import { clientPath, closeCodes, describeIssues } from '@clustron/protocol'
import { pino, type Logger } from 'pino'
import { WebSocketServer, type WebSocket } from 'ws'
import { Authenticator, sha256, type StaticToken } from './auth/authenticator.js'
import { loadAuthKey } from './auth/keys.js'
import { normaliseGrants, type StoreGrants } from './auth/roles.js'
import { configSchema, type LogLevel, type ParsedConfig } from './config/schema.js'
import { ClientConnection, type ConnectionContext } from './connection/connection.js'
import { handshakeFrameBytesMax, setFrameLimit } from './connection/frame-limit.js'
import { PeerNetwork } from './cluster/peer-network.js'
import { peerPath } from './cluster/peer-frames.js'
import { handleHttp, health, type Health } from './http.js'
import { NodeMetrics } from './metrics.js'
import { RaftReplica } from './replica/raft/raft-replica.js'
import { SingleReplica } from './replica/single-replica.js'
import type { StoreReplica } from './replica/store-replica.js'
import { openReplicaStorage } from './storage/index.js'
import { machineSnapshots } from './replica/machine-access.js'
import { StoreHost } from './store-host.js'
import { certificateIdentity, loadTls, type NodeTls } from './tls/tls-files.js'
import { startCatalog, type CatalogService } from './catalog/index.js'

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
  /** When set, clients must present this token in the handshake (it may do everything). */
  token?: string
  /** File with the key tokens are verified with (HS256 secret, or PEM: Ed25519 → EdDSA, P-256 → ES256); see createToken. */
  authKey?: string
  /** Static tokens: each the token (or its hex SHA-256), a subject, and roles per store (`{ orders: ['write'], '*': ['read'] }`). */
  tokens?: StaticTokenOptions[]
  /** Listen on a non-loopback host without authentication (refused otherwise). */
  insecure?: boolean
  /** TLS (PEM files): the node's certificate and key; `tlsCa` verifies client and peer certificates (peers then use mTLS). */
  tlsCert?: string
  tlsKey?: string
  tlsCa?: string
  /** Client certificates: 'required', 'optional' (checked when presented) or 'off' (default). */
  tlsClientAuth?: 'required' | 'optional' | 'off'
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
  /** TEST ONLY: the stores' clock (when `clock` is not given) is the system clock plus this (fault tests skew a node). */
  clockOffsetMs?: number
}

export interface StaticTokenOptions {
  /** The token (at least 16 characters), or `sha256`: its hex SHA-256, so the config holds no secret. */
  token?: string | undefined
  sha256?: string | undefined
  subject: string
  stores: StoreGrants
}

export interface ClustronNode {
  readonly nodeId: string
  readonly host: string
  readonly port: number
  /** `clustron://host:port` (`clustrons://` with TLS); append `/<store>` to connect. */
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
  const tls = loadTls(config)
  const auth = buildAuthenticator(config, tls)
  checkExposure(config, auth, tls)
  const logger = options.logger ?? pino({ level: config.logLevel, base: { nodeId: config.nodeId } })
  if (config.data !== undefined) prepareDataDirectory(config.data)
  const clock = options.clock ?? (config.clockOffsetMs === undefined || config.clockOffsetMs === 0 ? systemClock : offsetClock(config.clockOffsetMs))
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
  const node = new Node(config, limits, logger, options.connectionClock ?? systemClock, options.shutdownTimeoutMs ?? 10_000, auth, tls)
  await node.listen(config.host, config.port)
  try {
    for (const { name, storeLimits } of stores) {
      const replica: StoreReplica = replicated
        ? await node.openReplica(name, storeLimits, clock, join(resolve(config.data!), 'stores', name))
        : new SingleReplica({ store: name, nodeId: config.nodeId, limits: storeLimits, clock })
      node.addStore(new StoreHost(replica))
    }
    // The store catalog (issue 9): a system store on every founding member, and the stores it places here.
    if (replicated) await startCatalog(node, { config, clock, stores: config.stores, logger })
  } catch (error) {
    await node.close()
    throw error
  }
  node.ready()
  node.catalog?.start()
  nodes.set(node, node)
  return node
}

/** Nodes by their public handle, for `inspectNode` (tests and diagnostics). */
const nodes = new WeakMap<ClustronNode, Node>()

/** What `@clustron/server/internal` shows of a running node. */
export interface NodeInternals {
  readonly replicas: ReadonlyMap<string, StoreReplica>
  /** The bytes of a store's machine state on this node (StoreMachine.snapshot). */
  snapshot(store: string): Uint8Array
}

/** Looks inside a node started by startNode: its replicas and their machine state (tests only). */
export function inspectNode(handle: ClustronNode): NodeInternals {
  const node = nodes.get(handle)
  if (node === undefined) throw new Error('not a node started by startNode')
  const replicas = new Map([...node.hosts].map(([name, host]) => [name, host.replica]))
  return {
    replicas,
    snapshot(store) {
      const replica = replicas.get(store)
      const snapshot = replica === undefined ? undefined : machineSnapshots.get(replica)
      if (snapshot === undefined) throw new Error(`no machine state for store '${store}'`)
      return snapshot()
    },
  }
}

/** Peer frames may carry a whole snapshot (Raft sends one as a single message). */
const peerFrameBytesMax = 512 * 1024 * 1024

class Node implements ClustronNode {
  readonly nodeId: string
  readonly host: string
  #port = 0
  readonly #server: Server
  readonly #auth: Authenticator | undefined
  readonly #tls: NodeTls | undefined
  readonly #sockets: WebSocketServer
  readonly #peerSockets: WebSocketServer
  readonly #connections = new Set<ClientConnection>()
  readonly #startedAt = Date.now()
  #context: ConnectionContext
  /** The store catalog (replicated nodes only). */
  catalog: CatalogService | undefined
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
    private readonly connectionClock: Clock,
    private readonly shutdownTimeoutMs: number,
    auth: Authenticator | undefined,
    tls: NodeTls | undefined,
  ) {
    this.nodeId = config.nodeId
    this.host = config.host
    this.#auth = auth
    this.#tls = tls
    this.metrics = new NodeMetrics(config.nodeId, () => this.hosts, () => this.#connections.size)
    this.#context = { nodeId: config.nodeId, stores: this.hosts, limits, auth, clock: connectionClock, logger, metrics: this.metrics }
    const serve = (request: IncomingMessage, response: ServerResponse) => this.#http(request, response)
    // Slow-loris bounds: a connection has the handshake timeout to send its request headers (checked
    // every second), and the node holds a bounded number of sockets, upgraded or not.
    const httpOptions = { headersTimeout: limits.handshakeTimeoutMs, requestTimeout: limits.handshakeTimeoutMs, connectionsCheckingInterval: Math.min(1_000, limits.handshakeTimeoutMs) }
    this.#server =
      tls === undefined
        ? createServer(httpOptions, serve)
        : createTlsServer(
            {
              ...httpOptions,
              cert: tls.cert,
              key: tls.key,
              ...(tls.ca === undefined ? {} : { ca: tls.ca }),
              // Certificates are checked per endpoint (clients by tlsClientAuth, peers always when there is a CA).
              requestCert: tls.ca !== undefined,
              rejectUnauthorized: false,
              minVersion: 'TLSv1.2',
            },
            serve,
          )
    this.#server.maxConnections = limits.connectionsMax + socketsBeyondClientsMax
    this.#server.headersTimeout = limits.handshakeTimeoutMs
    this.#sockets = new WebSocketServer({ noServer: true, maxPayload: limits.frameBytesMax, perMessageDeflate: false })
    this.#peerSockets = new WebSocketServer({ noServer: true, maxPayload: peerFrameBytesMax, perMessageDeflate: false })
    this.#peers = new PeerNetwork({
      nodeId: config.nodeId,
      address: () => this.advertise,
      secret: config.clusterSecret,
      logger: logger.child({ component: 'peers' }),
      frameBytesMax: peerFrameBytesMax,
      tls: tls === undefined ? undefined : { cert: tls.cert, key: tls.key, ca: tls.ca },
      onBytes: (direction, bytes) => this.metrics.peerBytes(direction, bytes),
      deliver: (store, messages) => {
        const replica = (this.hosts.get(store) ?? this.catalog?.systemHost(store))?.replica
        if (replica instanceof RaftReplica) for (const message of messages) replica.step(message)
      },
    })
    this.#server.on('upgrade', (request, socket: Socket, head) => this.#upgrade(request, socket, head))
    this.#server.on('clientError', (_error, socket) => socket.destroy())
    this.#server.on('tlsClientError', (_error, socket) => socket.destroy())
  }

  /**
   * Plain HTTP. With authentication on, `/metrics` and `/api/*` need a credential (a bearer token,
   * any role: they show counts, never data); `/health` and the dashboard's static files stay open.
   */
  #http(request: IncomingMessage, response: ServerResponse): void {
    const path = (request.url ?? '/').split('?')[0] ?? '/'
    const auth = this.#auth
    if (auth === undefined || !(path === '/metrics' || path.startsWith('/api/'))) return handleHttp(request, response, () => this.health(), this.metrics)
    const header = request.headers.authorization
    const token = header?.startsWith('Bearer ') === true ? header.slice(7).trim() : undefined
    auth.authenticate(token, certificateIdentity(request.socket), this.connectionClock.now()).then(
      (principal) => handleHttp(request, response, () => this.health(), this.metrics, principal),
      (error: unknown) => {
        const body = JSON.stringify({ error: (error as Error).message })
        response.writeHead(401, { 'content-type': 'application/json; charset=utf-8', 'www-authenticate': 'Bearer realm="clustron"', 'content-length': Buffer.byteLength(body) })
        response.end(body)
      },
    )
  }

  /** The address peers and clients use for this node. */
  get advertise(): string {
    if (this.config.advertise !== undefined) return this.config.advertise
    const host = this.host === '0.0.0.0' || this.host === '::' ? '127.0.0.1' : this.host.includes(':') ? `[${this.host}]` : this.host
    return `${host}:${this.#port}`
  }

  /** Opens the Raft replica of one store (its WAL under `directory`), wired to the peer network. */
  async openReplica(store: string, limits: Limits, clock: Clock, directory: string, membership?: { bootstrap: Record<string, string> | undefined; defaultTtlMs?: number | undefined }): Promise<RaftReplica> {
    const logger = this.logger.child({ store })
    const peers = membership === undefined ? (this.config.peers ?? { [this.nodeId]: this.advertise }) : (membership.bootstrap ?? { [this.nodeId]: this.advertise })
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
      ...((membership === undefined ? this.config.join === true : membership.bootstrap === undefined) ? {} : { bootstrap: peers }),
      incarnation: randomUUID(),
      seed: randomInt(2 ** 31),
      ...(this.config.tickMs === undefined ? {} : { tickMs: this.config.tickMs }),
      ...(this.config.electionTicks === undefined ? {} : { electionTicks: this.config.electionTicks }),
      ...(this.config.snapshotEntries === undefined ? {} : { snapshotEntries: this.config.snapshotEntries }),
      ...(membership?.defaultTtlMs === undefined ? {} : { defaultTtlMs: membership.defaultTtlMs }),
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

  /** Attaches the store catalog: connections redirect to it and serve its admin actions. */
  attachCatalog(catalog: CatalogService): void {
    this.catalog = catalog
    this.#context = { ...this.#context, catalog }
  }

  /** A store left this node: its group's members no longer count among the peers to talk to. */
  forgetStore(store: string): void {
    // Its clients reconnect: to this node's reopened replica, or (redirected) to the nodes that hold it now.
    for (const connection of this.#connections) if (connection.store === store) connection.close(closeCodes.shuttingDown, `store '${store}' left node ${this.nodeId}; reconnect`)
    if (!this.#members.delete(store)) return
    this.#peers.setMembers(Object.assign({}, ...this.#members.values()) as Record<string, string>)
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
    const identity = certificateIdentity(request.socket)
    if (path === peerPath) {
      // With mTLS a peer without a certificate from the cluster CA does not even get a WebSocket.
      if (this.#peers.requiresCertificates && identity?.authorized !== true) return refuse('403 Forbidden')
      this.#peerSockets.handleUpgrade(request, socket, head, (webSocket) => this.#peers.accept(webSocket, request.socket.remoteAddress, identity))
      return
    }
    if (path !== clientPath) return refuse('404 Not Found')
    // Until every store is open, clients would be refused a store this node does host.
    if (!this.#ready) return refuse('503 Service Unavailable')
    // An untrusted client certificate is refused by the handshake (UNAUTHENTICATED) when one is required; with 'optional' it is refused here.
    if (this.#tls?.clientAuth === 'optional' && identity !== undefined && !identity.authorized) return refuse('403 Forbidden')
    this.#sockets.handleUpgrade(request, socket, head, (webSocket) => this.#accept(webSocket, request.socket.remoteAddress, identity))
  }

  get port(): number {
    return this.#port
  }

  get url(): string {
    const host = this.host === '0.0.0.0' || this.host === '::' ? '127.0.0.1' : this.host.includes(':') ? `[${this.host}]` : this.host
    return `${this.#tls === undefined ? 'clustron' : 'clustrons'}://${host}:${this.#port}`
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

  #accept(webSocket: WebSocket, address: string | undefined, certificate: ReturnType<typeof certificateIdentity>): void {
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
        welcomed: () => setFrameLimit(webSocket, this.limits.frameBytesMax),
      },
      this.#context,
      logger,
      certificate,
    )
    // Until the welcome a client sends only its hello: a half-open connection cannot make the node hold a full-size frame.
    setFrameLimit(webSocket, Math.min(handshakeFrameBytesMax, this.limits.frameBytesMax))
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
    await this.catalog?.stop()
    const system = this.catalog?.systemStoreHost
    const all = system === undefined ? [...this.hosts.values()] : [...this.hosts.values(), system]
    await Promise.all(all.map((host) => host.replica.cluster?.transferLeadership(2_000).catch(() => false)))
    await Promise.all(all.map((host) => host.close()))
    this.#peers.close()
    for (const webSocket of this.#peerSockets.clients) webSocket.terminate()
    this.#peerSockets.close()
    this.#server.closeAllConnections()
    await stopped
    this.logger.info('node stopped')
  }
}

/** Test only: the system clock shifted by `offsetMs` (timers are relative, so they are not shifted). */
function offsetClock(offsetMs: number): Clock {
  return { now: () => systemClock.now() + offsetMs, setTimer: (delayMs, callback) => systemClock.setTimer(delayMs, callback) }
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
    ...(options.authKey === undefined ? {} : { authKey: options.authKey }),
    ...(options.tokens === undefined ? {} : { tokens: options.tokens }),
    ...(options.insecure === undefined ? {} : { insecure: options.insecure }),
    ...(options.tlsCert === undefined ? {} : { tlsCert: options.tlsCert }),
    ...(options.tlsKey === undefined ? {} : { tlsKey: options.tlsKey }),
    ...(options.tlsCa === undefined ? {} : { tlsCa: options.tlsCa }),
    ...(options.tlsClientAuth === undefined ? {} : { tlsClientAuth: options.tlsClientAuth }),
    ...(options.peers === undefined ? {} : { peers: options.peers }),
    ...(options.join === undefined ? {} : { join: options.join }),
    ...(options.clusterSecret === undefined ? {} : { clusterSecret: options.clusterSecret }),
    ...(options.advertise === undefined ? {} : { advertise: options.advertise }),
    ...(options.memory === undefined ? {} : { memory: options.memory }),
    ...(options.tickMs === undefined ? {} : { tickMs: options.tickMs }),
    ...(options.electionTicks === undefined ? {} : { electionTicks: options.electionTicks }),
    ...(options.snapshotEntries === undefined ? {} : { snapshotEntries: options.snapshotEntries }),
    ...(options.clockOffsetMs === undefined ? {} : { clockOffsetMs: options.clockOffsetMs }),
  }
  const parsed = configSchema.safeParse(input)
  if (!parsed.success) throw new InvalidArgumentError(`invalid node options: ${describeIssues(parsed.error)}`)
  return parsed.data
}

/** Sockets a node holds beyond its client connections: peers, HTTP scrapes, connections not yet upgraded. */
const socketsBeyondClientsMax = 1_024

/** The authenticator of the config's credentials; undefined when none is configured (the node is open). */
function buildAuthenticator(config: ParsedConfig, tls: NodeTls | undefined): Authenticator | undefined {
  const key = config.authKey === undefined ? undefined : loadAuthKey(resolve(config.authKey))
  const tokens: StaticToken[] = (config.tokens ?? []).map((token) => ({
    sha256: token.sha256 !== undefined ? Buffer.from(token.sha256, 'hex') : sha256(token.token!),
    subject: token.subject,
    grants: normaliseGrants(token.stores),
  }))
  if (config.token !== undefined) tokens.push({ sha256: sha256(config.token), subject: 'token', grants: { '*': 'admin' } })
  const clientCertificates = tls?.clientAuth ?? 'off'
  if (key === undefined && tokens.length === 0 && clientCertificates !== 'required') return undefined
  return new Authenticator({ key, tokens, clientCertificates })
}

/** Whether `host` only accepts connections from this machine. */
export function isLoopback(host: string): boolean {
  const address = host.replace(/^\[|\]$/g, '')
  if (address.toLowerCase() === 'localhost') return true
  if (isIP(address) === 4) return address.startsWith('127.')
  if (isIP(address) === 6) return address === '::1' || /^::ffff:127\./i.test(address)
  return false
}

/** A node reachable from other machines must authenticate clients (and peers), unless told --insecure. */
function checkExposure(config: ParsedConfig, auth: Authenticator | undefined, tls: NodeTls | undefined): void {
  if (isLoopback(config.host) || config.insecure === true) return
  const problems: string[] = []
  if (auth === undefined) problems.push('clients are not authenticated (give --auth-key, tokens in the config, --token, or --tls-client-auth required)')
  const clustered = config.join === true || (config.peers !== undefined && Object.keys(config.peers).length > 1)
  if (clustered && config.clusterSecret === undefined && tls?.ca === undefined) problems.push('peers are not authenticated (give --cluster-secret, or --tls-ca for mTLS)')
  if (problems.length === 0) return
  throw new InvalidArgumentError(
    `invalid config: the node listens on ${config.host}, which is not loopback, but ${problems.join(', and ')}: anyone who can reach the port could read and change every store. Configure authentication, or pass --insecure to run without it`,
  )
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
