import {
  ClustronError,
  InvalidArgumentError,
  NotFoundError,
  PermissionDeniedError,
  ResourceExhaustedError,
  TooLargeError,
  UnauthenticatedError,
  UnavailableError,
  type Clock,
  type Limits,
  type Timer,
} from '@clustron/core'
import { errorToData, topicKey, type ErrorData, type Notice, type NoticeTopic, type WatchRequest } from '@clustron/core/internal'
import {
  closeCodes,
  decodeFrame,
  encodeMessage,
  FrameError,
  helloSchema,
  parseClientMessage,
  protocolVersion,
  usableId,
  type AdminAction,
  type Hello,
  type Request,
  type StatusResult,
} from '@clustron/protocol'
import type { Logger } from 'pino'
import { openPrincipal, principalRole, type Authenticator, type CertificateIdentity, type Principal } from '../auth/authenticator.js'
import { requiredRole, roleAllows, type Role } from '../auth/roles.js'
import type { NodeMetrics } from '../metrics.js'
import type { CatalogAccess } from '../catalog/access.js'
import type { StoreHost } from '../store-host.js'
import { Outbox, type OutboxSocket } from './outbox.js'
import { TokenBucket } from './rate-limit.js'
import { ServerWatch, tooLarge, type WatchOwner } from './server-watch.js'

/** The socket as a connection sees it (a `ws` WebSocket behind a thin adapter). */
export interface ConnectionSocket extends OutboxSocket {
  close(code: number, reason: string): void
  /** The handshake succeeded: lift the small bound on frames that holds until then (connection/frame-limit.ts). */
  welcomed?(): void
}

/** What every connection of a node shares. */
export interface ConnectionContext {
  readonly nodeId: string
  readonly stores: ReadonlyMap<string, StoreHost>
  /** Node-wide limits: frame size, in-flight requests, watches per connection, timeouts. */
  readonly limits: Readonly<Limits>
  /** Checks credentials at the handshake; undefined: the node is open (loopback or --insecure). */
  readonly auth: Authenticator | undefined
  /** Times the handshake and idle timeouts (not the stores' clock: store time may be a test's ManualClock). */
  readonly clock: Clock
  readonly logger: Logger
  readonly metrics?: NodeMetrics | undefined
  /** The store catalog (replicated nodes): redirects for stores hosted elsewhere, `stores.*` admin actions. */
  readonly catalog?: CatalogAccess | undefined
}

type State = 'handshake' | 'authenticating' | 'open' | 'draining' | 'closed'

/** Messages a client may send after `hello` while its credentials are being checked (they wait for the welcome). */
const earlyMessagesMax = 64

/** The longest a timer may be set for (setTimeout's bound); longer waits re-arm. */
const timerMsMax = 2 ** 31 - 1

/**
 * One client connection: the handshake, then requests answered in any order by id, watch events
 * and notices pushed. Everything it receives is validated before it reaches a store; nothing a
 * client sends can throw out of it. Bounded: requests in flight, requests per second, watches and
 * subscriptions, bytes held for a slow reader, time to handshake, time without traffic. With
 * authentication on, the handshake checks the client's credentials, every request is checked against
 * the role they grant on the store, and the connection ends (UNAUTHENTICATED) when they expire.
 */
export class ClientConnection implements WatchOwner {
  readonly #outbox: Outbox
  readonly #watches = new Map<number, ServerWatch>()
  readonly #topics = new Map<string, () => void>()
  #state: State = 'handshake'
  #host: StoreHost | undefined
  #inFlight = 0
  #idle: (() => void)[] = []
  #timer: Timer | undefined
  #lastReceivedAt: number
  #principal: Principal = openPrincipal
  #role: Role = 'admin'
  #early: unknown[] = []
  #expiry: Timer | undefined
  /** Set once the credentials expired: requests are refused with it until the connection closes. */
  #revoked: ClustronError | undefined
  readonly #bucket: TokenBucket

  constructor(
    private readonly socket: ConnectionSocket,
    private readonly context: ConnectionContext,
    private readonly logger: Logger,
    /** The client certificate TLS verified (undefined: none, or no TLS). */
    private readonly certificate?: CertificateIdentity,
  ) {
    const { limits } = context
    this.#bucket = new TokenBucket(limits.requestsPerSecondMax, context.clock.now())
    this.#outbox = new Outbox(socket, {
      frameBytesMax: limits.frameBytesMax,
      highWaterBytes: 2 * limits.frameBytesMax,
      heldBytesMax: 4 * limits.frameBytesMax,
      onOverflow: (held) => this.close(closeCodes.slowConsumer, `client reads too slowly: ${held} bytes held for it`),
    })
    this.#lastReceivedAt = context.clock.now()
    this.#timer = context.clock.setTimer(limits.handshakeTimeoutMs, () => {
      if (this.#state === 'handshake' || this.#state === 'authenticating') this.close(closeCodes.handshakeTimeout, `no hello within ${limits.handshakeTimeoutMs} ms`)
    })
  }

  get messageBytesMax(): number {
    return this.#outbox.messageBytesMax
  }

  get backlogEventsMax(): number {
    return this.#host?.replica.limits.watchBacklogEventsMax ?? this.context.limits.watchBacklogEventsMax
  }

  get store(): string | undefined {
    return this.#host?.name
  }

  /** A binary frame arrived. */
  receive(frame: Uint8Array): void {
    if (this.#state === 'closed') return
    this.#lastReceivedAt = this.context.clock.now()
    this.context.metrics?.bytes('in', frame.length)
    let messages: unknown[]
    try {
      messages = decodeFrame(frame)
    } catch (error) {
      if (!(error instanceof FrameError)) throw error
      return this.#protocolError(error.message)
    }
    for (const raw of messages) {
      // A message may close the connection (a refused hello, a message without a usable id).
      if ((this.#state as State) === 'closed') return
      if (this.#state === 'handshake') this.#hello(raw)
      else if (this.#state === 'authenticating') this.#hold(raw)
      else this.#message(raw)
    }
    this.#outbox.flushSoon()
  }

  /** The peer broke the protocol in a way no response can point at: close with `badFrame`. */
  protocolError(reason: string): void {
    this.#protocolError(reason)
  }

  #protocolError(reason: string): void {
    this.logger.warn({ reason }, 'closing a connection that broke the protocol')
    this.close(closeCodes.badFrame, reason)
  }

  #hello(raw: unknown): void {
    const parsed = helloSchema.safeParse(raw)
    if (!parsed.success) {
      const type = typeof raw === 'object' && raw !== null ? (raw as { type?: unknown }).type : undefined
      const verdict = parseClientMessage(raw)
      const message =
        type === 'hello' && !verdict.ok ? verdict.error.message : `the first message must be 'hello', got ${typeof type === 'string' ? `'${type.slice(0, 40)}'` : 'something else'}`
      return this.#refuse(new InvalidArgumentError(message))
    }
    const hello = parsed.data
    if (hello.protocol !== protocolVersion) {
      return this.#refuse(
        new InvalidArgumentError(`protocol version ${String(hello.protocol)} is not supported: node ${this.context.nodeId} speaks protocol ${protocolVersion}; use a client of the same release as the node`),
      )
    }
    const auth = this.context.auth
    if (auth === undefined) return this.#admit(hello, openPrincipal)
    // Verifying a token may take a turn (a signature check): messages arriving meanwhile wait.
    this.#state = 'authenticating'
    auth.authenticate(hello.token, this.certificate, this.context.clock.now()).then(
      (principal) => {
        if (this.#state !== 'authenticating') return
        this.#admit(hello, principal)
        const early = this.#early
        this.#early = []
        for (const raw of early) if ((this.#state as State) === 'open') this.#message(raw)
        this.#outbox.flushSoon()
      },
      (error: unknown) => {
        if (this.#state !== 'authenticating') return
        this.#refuse(error instanceof ClustronError ? error : new UnauthenticatedError('the credentials could not be checked', { cause: error }))
      },
    )
  }

  /** A message that arrived while the handshake's credentials are checked. */
  #hold(raw: unknown): void {
    if (this.#early.length >= earlyMessagesMax) return this.#protocolError(`more than ${earlyMessagesMax} messages before the welcome; wait for it`)
    this.#early.push(raw)
  }

  /** The credentials are good: open the connection on the store if they grant a role on it. */
  #admit(hello: Hello, principal: Principal): void {
    const host = this.context.stores.get(hello.store) ?? this.context.catalog?.systemHost(hello.store)
    if (host === undefined && this.context.catalog !== undefined) return this.#refuse(this.context.catalog.missingStore(hello.store))
    if (host === undefined) {
      const names = [...this.context.stores.keys()].map((name) => `'${name}'`).join(', ')
      return this.#refuse(new NotFoundError(`store '${hello.store}' is not hosted by node ${this.context.nodeId} (it hosts ${names}); declare it in the node's stores`))
    }
    const role = principalRole(principal, host.name)
    if (role === undefined) return this.#refuse(new PermissionDeniedError(`'${principal.subject}' has no role on store '${host.name}'`))
    if (principal.expiresAtMs !== undefined && principal.expiresAtMs <= this.context.clock.now()) {
      return this.#refuse(new UnauthenticatedError(`the credentials of '${principal.subject}' expired at ${new Date(principal.expiresAtMs).toISOString()}`))
    }
    this.#principal = principal
    this.#role = role
    this.#host = host
    this.#state = 'open'
    this.socket.welcomed?.()
    this.#timer?.cancel()
    this.#armIdle()
    if (principal.expiresAtMs !== undefined) this.#armExpiry(principal.expiresAtMs)
    this.logger.debug({ store: host.name, client: hello.client, subject: principal.subject, role }, 'client connected')
    const replicaStatus = host.replica.status()
    const leader = host.replica.cluster?.leaderAddress()
    const members = host.replica.cluster?.membership().map((member) => member.address).filter((address) => address !== '')
    this.#outbox.push(
      encodeMessage({
        type: 'welcome',
        protocol: protocolVersion,
        node: this.context.nodeId,
        store: host.name,
        limits: host.replica.limits,
        revision: host.replica.revision,
        role: replicaStatus.role,
        ...(leader === undefined ? {} : { leader }),
        ...(members === undefined ? {} : { members }),
      }),
    )
  }

  #refuse(error: ClustronError): void {
    this.logger.info({ code: error.code, reason: error.message }, 'refused a handshake')
    this.#outbox.push(encodeMessage({ type: 'refused', error: errorToData(error) }))
    this.#outbox.flushNow()
    this.close(closeCodes.refused, error.message)
  }

  #message(raw: unknown): void {
    // Every message counts against the rate, valid or not: answering junk costs as much as answering requests.
    const waitMs = this.#bucket.take(this.context.clock.now())
    if (waitMs > 0) {
      const limit = this.#bucket.ratePerSecond
      const error = new ResourceExhaustedError(`more than ${limit} requests a second on this connection; slow down (retry after ${waitMs} ms)`, { details: { limit, retryAfterMs: waitMs } })
      return this.#fail(usableId(raw), errorToData(error))
    }
    const parsed = parseClientMessage(raw)
    if (!parsed.ok) {
      if (parsed.id === undefined) return this.#protocolError(parsed.error.message)
      return this.#fail(parsed.id, parsed.error)
    }
    const message = parsed.message
    if (message.type === 'hello') return this.#fail(undefined, { code: 'INVALID_ARGUMENT', message: 'hello was already received on this connection' })
    if (this.#revoked !== undefined) return this.#fail(message.id, errorToData(this.#revoked))
    if (this.#state === 'draining') {
      return this.#fail(message.id, errorToData(new UnavailableError(`node ${this.context.nodeId} is shutting down; reconnect to another node`)))
    }
    const required = requiredRole(message)
    if (!roleAllows(this.#role, required)) {
      const what = message.type === 'write' ? message.command.type : message.type === 'admin' ? message.action.kind : message.type
      const error = new PermissionDeniedError(`'${this.#principal.subject}' may ${this.#role} store '${this.#host!.name}'; '${what}' needs the ${required} role`)
      return this.#fail(message.id, errorToData(error))
    }
    try {
      this.#request(message, this.#host!)
    } catch (error) {
      this.#fail(message.id, this.#errorData(error))
    }
  }

  #request(message: Request, host: StoreHost): void {
    switch (message.type) {
      case 'write':
        return this.#track(message.id, () => host.replica.propose(message.command), message.command.type, message.reqId)
      case 'read':
        return this.#track(message.id, () => host.replica.read(message.query, message.consistency ?? 'linearizable'), message.query.type, message.reqId)
      case 'status':
        return this.#track(message.id, () => this.#status(host), 'status')
      case 'watch':
        return this.#watch(message.id, message.watchId, message.request, host)
      case 'unwatch': {
        const watch = this.#watches.get(message.watchId)
        if (watch !== undefined) this.#forget(watch, host)
        return this.#respond(message.id, { removed: watch !== undefined })
      }
      case 'subscribe':
        return this.#subscribe(message.id, message.topic, host)
      case 'unsubscribe': {
        const key = topicKey(message.topic)
        this.#topics.get(key)?.()
        this.#topics.delete(key)
        return this.#respond(message.id, null)
      }
      case 'ping':
        return this.#respond(message.id, null)
      case 'admin':
        return this.#track(message.id, () => this.#admin(message.action, host), message.action.kind)
    }
  }

  async #admin(action: AdminAction, host: StoreHost): Promise<unknown> {
    if (action.kind.startsWith('stores.')) {
      const catalog = this.context.catalog
      if (catalog === undefined || catalog.systemHost(host.name) === undefined) {
        throw new InvalidArgumentError(`store administration goes through the system store: connect to '/_system' on a node started with --data (this connection is to store '${host.name}' on node ${this.context.nodeId})`)
      }
      return catalog.admin(action as Extract<AdminAction, { kind: `stores.${string}` }>)
    }
    const cluster = host.replica.cluster
    if (cluster === undefined) {
      throw new UnavailableError(`store '${host.name}' on node ${this.context.nodeId} is not replicated (the node runs in memory); membership needs a node started with --data`)
    }
    if (action.kind === 'members.add') await cluster.addMember(action.nodeId, action.address, action.voter)
    else if (action.kind === 'members.remove') await cluster.removeMember(action.nodeId)
    return { members: cluster.membership() }
  }

  /**
   * Runs an asynchronous request within the in-flight bound and answers it when it settles. At debug
   * level each answer is logged with the client's `reqId` (kept across a follower's redirect to the
   * leader, so the follower's and the leader's lines about one request share it).
   */
  #track(id: number, run: () => Promise<unknown>, op: string, reqId?: string): void {
    const limit = this.context.limits.requestsInFlightMax
    if (this.#inFlight >= limit) {
      throw new ResourceExhaustedError(`${this.#inFlight} requests are in flight on this connection (limit ${limit}); wait for answers before sending more`, {
        details: { limit, size: this.#inFlight + 1, retryAfterMs: 10 },
      })
    }
    let running: Promise<unknown>
    try {
      running = run()
    } catch (error) {
      running = Promise.reject(error)
    }
    this.#inFlight++
    const metrics = this.context.metrics
    const logged = this.logger.isLevelEnabled('debug')
    const startedAt = metrics === undefined && !logged ? 0 : performance.now()
    const store = this.#host?.name ?? ''
    running.then(
      (result) => {
        metrics?.request(store, op, 'ok', (performance.now() - startedAt) / 1000)
        if (logged) this.logger.debug({ reqId, id, store, op, outcome: 'ok', durationMs: performance.now() - startedAt }, 'request')
        this.#settled(() => this.#respond(id, result))
      },
      (error: unknown) => {
        const data = this.#errorData(error)
        metrics?.request(store, op, data.code, (performance.now() - startedAt) / 1000)
        if (logged) this.logger.debug({ reqId, id, store, op, outcome: data.code, leader: data.details?.leader, durationMs: performance.now() - startedAt }, data.details?.leader === undefined ? 'request failed' : 'request refused: not the leader (the client goes to it)')
        this.#settled(() => this.#fail(id, data))
      },
    )
  }

  #settled(answer: () => void): void {
    this.#inFlight--
    answer()
    if (this.#inFlight === 0) this.#wakeIdle()
  }

  /** Resolves once no request is in flight. */
  #whenIdle(): Promise<void> {
    if (this.#inFlight === 0 || this.#state === 'closed') return Promise.resolve()
    return new Promise((resolve) => this.#idle.push(resolve))
  }

  #wakeIdle(): void {
    const waiters = this.#idle
    this.#idle = []
    for (const wake of waiters) wake()
  }

  /** Ends the connection when its credentials expire (re-armed in steps: timers have a longest delay). */
  #armExpiry(expiresAtMs: number): void {
    const clock = this.context.clock
    this.#expiry = clock.setTimer(Math.min(timerMsMax, Math.max(0, expiresAtMs - clock.now())), () => {
      this.#expiry = undefined
      if (this.#state === 'closed') return
      if (clock.now() < expiresAtMs) return this.#armExpiry(expiresAtMs)
      void this.#expire(new UnauthenticatedError(`the credentials of '${this.#principal.subject}' expired at ${new Date(expiresAtMs).toISOString()}; connect again with a new token`))
    })
  }

  /**
   * The credentials expired: refuse new requests with UNAUTHENTICATED, end watches and notice
   * subscriptions, let the requests in flight finish (their outcome is known), then say why
   * (`refused`) and close with `unauthenticated`.
   */
  async #expire(error: ClustronError): Promise<void> {
    if (this.#state !== 'open') return
    this.#revoked = error
    this.logger.info({ subject: this.#principal.subject }, 'credentials expired; closing the connection')
    for (const watch of [...this.#watches.values()]) this.end(watch, error)
    for (const unlisten of this.#topics.values()) unlisten()
    this.#topics.clear()
    await this.#whenIdle()
    if ((this.#state as State) === 'closed') return
    this.#outbox.push(encodeMessage({ type: 'refused', error: errorToData(error) }))
    this.#outbox.flushNow()
    this.close(closeCodes.unauthenticated, error.message)
  }

  async #status(host: StoreHost): Promise<StatusResult> {
    const machine = await host.replica.read({ type: 'status' }, 'linearizable')
    const replica = host.replica.status()
    const status: StatusResult = { ...machine, store: host.name, node: this.context.nodeId, term: replica.term, commitIndex: replica.commitIndex, appliedIndex: replica.appliedIndex }
    if (replica.leader !== undefined) status.leader = replica.leader
    status.role = replica.role
    const members = host.replica.cluster?.membership()
    if (members !== undefined) status.members = members
    return status
  }

  #watch(id: number, watchId: number, request: WatchRequest, host: StoreHost): void {
    if (this.#watches.has(watchId)) throw new InvalidArgumentError(`watch id ${watchId} is already open on this connection`)
    const limit = this.context.limits.watchersPerConnectionMax
    if (this.#watches.size >= limit) {
      throw new ResourceExhaustedError(`${this.#watches.size} watches are open on this connection (limit ${limit}); close some first`, { details: { limit, size: this.#watches.size + 1 } })
    }
    if (request.fromRevision !== undefined) {
      if (!Number.isSafeInteger(request.fromRevision) || request.fromRevision < 1) throw new InvalidArgumentError(`fromRevision must be a positive integer, got ${String(request.fromRevision)}`)
      if (request.initial) throw new InvalidArgumentError('give either fromRevision or initial, not both')
    }
    host.checkWatchKey(request)
    const watch = new ServerWatch(watchId, request, this)
    // Read state and join the hub in this one turn: nothing can apply in between (no gap, no repeat).
    if (request.initial) {
      const entries = host.currentEntries(request)
      const messages = watch.encodeInitial(entries, host.replica.revision)
      if (messages === undefined) throw tooLarge(watchId, 'an entry of the initial snapshot')
      for (const message of messages) this.#outbox.push(message)
    } else if (request.fromRevision !== undefined) {
      const replay = host.replica.eventsSince(request.fromRevision).filter((event) => watch.matches(event))
      // Replayed events go out ahead of the response, which names the revision they lead up to.
      if (replay.length > 0) for (const message of watch.encodeEvents(replay)) this.#outbox.push(message)
    }
    host.hub.add(watch)
    this.#watches.set(watchId, watch)
    this.#respond(id, { revision: host.replica.revision })
  }

  #subscribe(id: number, topic: NoticeTopic, host: StoreHost): void {
    const key = topicKey(topic)
    if (!this.#topics.has(key)) {
      const limit = this.context.limits.watchersPerConnectionMax
      if (this.#topics.size >= limit) {
        throw new ResourceExhaustedError(`${this.#topics.size} notice subscriptions are open on this connection (limit ${limit})`, { details: { limit, size: this.#topics.size + 1 } })
      }
      this.#topics.set(
        key,
        host.hub.listen(key, (notice) => {
          if (notice.type !== 'resync') this.#notice(notice)
        }),
      )
    }
    this.#respond(id, null)
  }

  #notice(notice: Notice): void {
    // Encoded now: a notice's bytes (an election value) may be a view of the machine's memory.
    this.#outbox.push(encodeMessage({ type: 'notice', notice }))
  }

  mark(watch: ServerWatch): void {
    this.#outbox.mark(watch)
  }

  end(watch: ServerWatch, error: ClustronError): void {
    if (this.#host !== undefined) this.#forget(watch, this.#host)
    this.#outbox.push(encodeMessage({ type: 'watch-error', watchId: watch.watchId, error: errorToData(error) }))
  }

  #forget(watch: ServerWatch, host: StoreHost): void {
    watch.end()
    host.hub.remove(watch)
    this.#outbox.unmark(watch)
    this.#watches.delete(watch.watchId)
  }

  #respond(id: number, result: unknown): void {
    let message: Uint8Array
    try {
      message = encodeMessage({ type: 'result', id, result })
    } catch (error) {
      return this.#fail(id, this.#errorData(error))
    }
    if (message.length > this.#outbox.messageBytesMax) {
      const limit = this.#outbox.messageBytesMax
      return this.#fail(id, errorToData(new TooLargeError(`the answer is ${message.length} bytes, above the frame limit of ${limit}; ask for less (a smaller list limit or fewer keys)`, { details: { limit, size: message.length } })))
    }
    this.#outbox.push(message)
  }

  #fail(id: number | undefined, error: ErrorData): void {
    if (id === undefined) return this.#protocolError(error.message)
    this.#outbox.push(encodeMessage({ type: 'error', id, error }))
  }

  #errorData(error: unknown): ErrorData {
    if (!(error instanceof ClustronError)) this.logger.error({ err: error }, 'internal error while serving a request')
    return errorToData(error)
  }

  #armIdle(): void {
    const idleMs = this.context.limits.idleTimeoutMs
    const clock = this.context.clock
    this.#timer = clock.setTimer(this.#lastReceivedAt + idleMs - clock.now(), () => {
      if (this.#state === 'closed') return
      if (clock.now() - this.#lastReceivedAt >= idleMs) this.close(closeCodes.idleTimeout, `no traffic for ${idleMs} ms`)
      else this.#armIdle()
    })
  }

  /**
   * Graceful end (node shutdown): refuse new requests, let those in flight finish, send what is
   * pending, end every watch with UNAVAILABLE (the client resumes elsewhere), then close.
   */
  async drain(): Promise<void> {
    if (this.#state === 'closed') return
    if (this.#state === 'handshake' || this.#state === 'authenticating') return this.close(closeCodes.shuttingDown, 'node is shutting down')
    this.#state = 'draining'
    await this.#whenIdle()
    this.#outbox.flushNow()
    const unavailable = new UnavailableError(`node ${this.context.nodeId} is shutting down; the watch resumes on reconnect`)
    for (const watch of [...this.#watches.values()]) this.end(watch, unavailable)
    this.#outbox.flushNow()
    await this.#outbox.whenDrained()
    this.close(closeCodes.shuttingDown, `node ${this.context.nodeId} is shutting down`)
  }

  /** Closes the connection (idempotent) and releases its watches and subscriptions. */
  close(code: number, reason: string): void {
    if (this.#state === 'closed') return
    this.#release()
    this.socket.close(code, truncateReason(reason))
  }

  /** The socket closed (either side). */
  closed(): void {
    if (this.#state === 'closed') return
    this.#release()
  }

  #release(): void {
    this.#state = 'closed'
    this.#timer?.cancel()
    this.#timer = undefined
    this.#expiry?.cancel()
    this.#expiry = undefined
    this.#early = []
    const host = this.#host
    if (host !== undefined) for (const watch of [...this.#watches.values()]) this.#forget(watch, host)
    for (const unlisten of this.#topics.values()) unlisten()
    this.#topics.clear()
    this.#outbox.close()
    this.#wakeIdle()
    this.logger.debug({ store: host?.name }, 'connection closed')
  }
}

/** A WebSocket close reason is at most 123 bytes of UTF-8. */
function truncateReason(reason: string): string {
  const encoder = new TextEncoder()
  if (encoder.encode(reason).length <= 123) return reason
  let cut = reason.slice(0, 120)
  while (encoder.encode(cut + '…').length > 123) cut = cut.slice(0, -1)
  return cut + '…'
}
