import { ClosedError, UnauthenticatedError, UnavailableError, type ClustronError, type Clock, type Limits, type StoreStatus, type Timer } from '@clustron/core'
import {
  errorFromData,
  systemEnvironment,
  topicKey,
  WatchHub,
  type Command,
  type CommandResult,
  type Environment,
  type NoticeListener,
  type NoticeTopic,
  type Query,
  type QueryResult,
  type StoreBackend,
  type WatchRequest,
  type WatchSink,
  type WatchSubscription,
} from '@clustron/core/internal'
import { adminResultSchema, clientPath, protocolVersion, statusResultSchema, storesResultSchema, type AdminAction, type Member, type StatusResult, type StoreAdminAction, type StoresResult } from '@clustron/protocol'
import type { RemoteTlsOptions, TokenProvider } from '../connect.js'
import type { TransportFactory } from '../transport/transport.js'
import { acceptCommandResult, acceptQueryResult, acceptWatchResult, acceptWith } from './accept.js'
import { backoffDelayMs, type BackoffOptions } from './backoff.js'
import { CallDeadlines, type Call } from './calls.js'
import { RemoteWatch, type WatchHost } from './remote-watch.js'
import { handshakeRedirect } from './discovery.js'
import { HandshakeRefused, Session, type Push } from './session.js'

export interface RemoteBackendOptions {
  seeds: readonly string[]
  store: string
  token: string | TokenProvider | undefined
  tls: boolean
  /** CA, client certificate and key for wss:// (Node). */
  tlsFiles: RemoteTlsOptions
  requestTimeoutMs: number
  /** How long the first connection may take across all seeds before connect() gives up. */
  connectTimeoutMs: number
  /** The store's time as the shared Store code sees it (lease keep-alive, lock waits). */
  clock: Clock
  /** Times requests, handshakes, keep-alive pings and reconnect backoff. */
  connectionClock: Clock
  transport: TransportFactory
  backoff: BackoffOptions
  random: () => number
}

/**
 * The remote mode behind core's Store code: requests to a node over one connection at a time,
 * reconnecting with backoff across the seeds. Calls wait while no connection is up (bounded by
 * the request timeout); calls in flight when a connection drops fail with UNAVAILABLE. On every
 * new connection the topic subscriptions are sent again, watches resume from their last revision,
 * and topic listeners get `resync` so leases, locks and elections re-check their state.
 */
export class RemoteBackend implements StoreBackend, WatchHost {
  readonly mode = 'remote' as const
  readonly env: Environment
  #limits: Limits | undefined
  #session: Session | undefined
  readonly #waiting = new Set<Call>()
  readonly #deadlines: CallDeadlines
  readonly #watches = new Map<number, RemoteWatch>()
  readonly #topics = new Map<string, { topic: NoticeTopic; listeners: number }>()
  readonly #listeners = new WatchHub()
  #watchSequence = 0
  #connectedOnce = false
  #closed = false
  #sleep: { timer: Timer; wake: () => void } | undefined
  #ready: { resolve: () => void; reject: (error: Error) => void } | undefined
  /** The address to connect to next (the store's leader, as a node told us); tried once, then the seeds. */
  #preferred: string | undefined
  /** The address of the current (or last) connection. */
  #address: string | undefined
  /** Member addresses nodes told us about, tried after the seeds (so a cluster outlives its seeds). */
  readonly #learned = new Set<string>()
  /** Redirects followed without reaching a leader: past a few, back off (nodes disagreeing during an election). */
  #redirects = 0
  /** The credentials were refused or expired for good: every call fails with this. */
  #fatal: ClustronError | undefined
  /** The token of the current (or last) connection attempt, and the last one a node refused. */
  #token: string | undefined
  #refusedToken: string | undefined
  /** Credential refusals since the last welcome (a token provider gets a few chances to give a good one). */
  #authFailures = 0
  /**
   * Request ids (`reqId`) of writes and reads: this handle's random prefix and a sequence. A call keeps
   * its id when it is retried on another node, so the nodes' logs show one request across them.
   */
  #reqIdPrefix: string | undefined
  #reqIdSequence = 0

  constructor(private readonly options: RemoteBackendOptions) {
    this.env = systemEnvironment(options.clock)
    this.#deadlines = new CallDeadlines(options.connectionClock, options.requestTimeoutMs)
  }

  get storeName(): string {
    return this.options.store
  }

  get limits(): Readonly<Limits> {
    if (this.#limits === undefined) throw new Error('assertion failed: limits read before the first connection')
    return this.#limits
  }

  /** Starts connecting; resolves on the first welcome, rejects when no seed can be used in time. */
  start(): Promise<void> {
    const ready = new Promise<void>((resolve, reject) => (this.#ready = { resolve, reject }))
    void this.#supervise()
    return ready
  }

  write<C extends Command>(command: C): Promise<CommandResult<C>> {
    return this.#call({ type: 'write', command, reqId: this.#nextReqId() }, acceptCommandResult(command.type), true) as Promise<CommandResult<C>>
  }

  read<Q extends Query>(query: Q, consistency?: 'linearizable' | 'serializable'): Promise<QueryResult<Q>> {
    const reqId = this.#nextReqId()
    const body = consistency === undefined ? { type: 'read', query, reqId } : { type: 'read', query, consistency, reqId }
    return this.#call(body, acceptQueryResult(query.type), true) as Promise<QueryResult<Q>>
  }

  watch(request: WatchRequest, sink: WatchSink): WatchSubscription {
    if (this.#closed) throw closedError()
    const watch = new RemoteWatch(++this.#watchSequence, request, sink, this, this.options.connectionClock, this.options.requestTimeoutMs)
    this.#watches.set(watch.watchId, watch)
    if (this.#fatal !== undefined) watch.fail(this.#fatal)
    else if (this.#session !== undefined) this.register(watch)
    return watch
  }

  subscribe(topic: NoticeTopic, listener: NoticeListener): () => void {
    const key = topicKey(topic)
    const unlisten = this.#listeners.listen(key, listener)
    let entry = this.#topics.get(key)
    if (entry === undefined) {
      this.#topics.set(key, (entry = { topic, listeners: 0 }))
      this.#fireAndForget({ type: 'subscribe', topic })
    }
    entry.listeners++
    let subscribed = true
    return () => {
      if (!subscribed) return
      subscribed = false
      unlisten()
      if (--entry.listeners > 0 || this.#topics.get(key) !== entry) return
      this.#topics.delete(key)
      this.#fireAndForget({ type: 'unsubscribe', topic })
    }
  }

  async status(): Promise<StoreStatus> {
    const status = (await this.#call({ type: 'status' }, acceptWith(statusResultSchema, 'status'), true)) as StatusResult
    const out: StoreStatus = {
      mode: 'remote',
      store: status.store,
      revision: status.revision,
      compactRevision: status.compactRevision,
      keys: status.keys,
      leases: status.leases,
      locks: status.locks,
      elections: status.elections,
      lockWaiters: status.lockWaiters,
      node: status.node,
      term: status.term,
      commitIndex: status.commitIndex,
      appliedIndex: status.appliedIndex,
    }
    if (status.leader !== undefined) out.leader = status.leader
    if (status.role !== undefined) out.role = status.role
    if (status.members !== undefined) out.members = status.members.map((member) => ({ ...member }))
    return out
  }

  /** A cluster administration request for this store (membership); goes to the leader like a write. */
  admin(action: Exclude<AdminAction, StoreAdminAction>): Promise<{ members: Member[] }> {
    return this.#call({ type: 'admin', action }, acceptWith(adminResultSchema, 'admin'), true) as Promise<{ members: Member[] }>
  }

  /** A store catalog request (`stores.*`, on a connection to the system store); changes go to its leader. */
  storesAdmin(action: StoreAdminAction): Promise<StoresResult> {
    return this.#call({ type: 'admin', action }, acceptWith(storesResultSchema, 'stores admin'), true) as Promise<StoresResult>
  }

  async close(): Promise<void> {
    if (this.#closed) return
    this.#closed = true
    this.#sleep?.timer.cancel()
    this.#sleep?.wake()
    const error = closedError()
    for (const call of [...this.#waiting]) call.reject(error)
    this.#waiting.clear()
    this.#deadlines.clear()
    for (const watch of [...this.#watches.values()]) watch.close()
    this.#ready?.reject(error)
    const session = this.#session
    this.#session = undefined
    if (session === undefined) return
    session.close(1000, 'store closed', error)
    await session.closed
  }

  // ---------------------------------------------------------------------------------------------
  // Watches (WatchHost)

  register(watch: RemoteWatch): void {
    const session = this.#session
    if (session === undefined || watch.ended) return
    session.send({
      body: { type: 'watch', watchId: watch.watchId, request: watch.registration() },
      accept: acceptWatchResult,
      bounded: false,
      deadline: 0,
      resolve: (result) => watch.registeredAt((result as { revision: number }).revision),
      // UNAVAILABLE: the connection dropped or the node is going away; the next connection registers it again.
      reject: (error) => {
        const retryAfterMs = error.code === 'RESOURCE_EXHAUSTED' ? error.details.retryAfterMs : undefined
        // Over the connection's request rate: not registered; try again when the node says.
        if (retryAfterMs !== undefined) this.options.connectionClock.setTimer(retryAfterMs, () => this.register(watch))
        else if (error.code !== 'UNAVAILABLE' && error.code !== 'CLOSED') watch.fail(error)
      },
    })
  }

  release(watch: RemoteWatch, unwatch: boolean): void {
    if (this.#watches.get(watch.watchId) !== watch) return
    this.#watches.delete(watch.watchId)
    if (unwatch) this.#fireAndForget({ type: 'unwatch', watchId: watch.watchId })
  }

  // ---------------------------------------------------------------------------------------------
  // Calls

  #nextReqId(): string {
    this.#reqIdPrefix ??= Math.floor(this.options.random() * 36 ** 8).toString(36).padStart(8, '0')
    return `${this.#reqIdPrefix}-${(++this.#reqIdSequence).toString(36)}`
  }

  #call(body: Call['body'], accept: Call['accept'], bounded: boolean): Promise<unknown> {
    if (this.#closed) return Promise.reject(closedError())
    if (this.#fatal !== undefined) return Promise.reject(this.#fatal)
    return new Promise((resolve, reject) => {
      const call: Call = {
        body,
        accept,
        bounded,
        deadline: 0,
        resolve: (value) => {
          this.#deadlines.remove(call)
          resolve(value)
        },
        reject: (error) => {
          if (this.#retry(call, error)) return
          this.#deadlines.remove(call)
          this.#waiting.delete(call)
          reject(error)
        },
      }
      this.#deadlines.add(call)
      const session = this.#session
      if (session !== undefined && this.#waiting.size === 0 && session.boundedInFlight < this.limits.requestsInFlightMax) session.send(call)
      else this.#waiting.add(call)
    })
  }

  /**
   * UNAVAILABLE means the request was not applied (a write cut mid-flight is TIMEOUT instead): a
   * follower refusing with the leader's address, an election in progress, a node going away. Such a
   * call goes again — to the leader when one was named — until its deadline.
   */
  #retry(call: Call, error: ClustronError): boolean {
    if (this.#closed || this.#fatal !== undefined) return false
    const { connectionClock } = this.options
    const retryAfterMs = error.code === 'RESOURCE_EXHAUSTED' ? error.details.retryAfterMs : undefined
    if (retryAfterMs !== undefined) {
      // Refused for the rate or in-flight bound before it ran (nothing applied): go again once the node says, within the deadline.
      const delayMs = Math.ceil(retryAfterMs * (1 + this.options.random() / 4))
      if (connectionClock.now() + delayMs >= call.deadline) return false
      connectionClock.setTimer(delayMs, () => {
        if (this.#closed || this.#fatal !== undefined) return call.reject(this.#fatal ?? closedError())
        this.#waiting.add(call)
        this.#pump()
      })
      return true
    }
    // Credentials are checked at the handshake only: a request refused with UNAUTHENTICATED was not run
    // (the token expired just before). With a token provider the next connection carries a new token.
    const reauthenticating = error.code === 'UNAUTHENTICATED' && typeof this.options.token === 'function'
    if (error.code !== 'UNAVAILABLE' && !reauthenticating) return false
    if (connectionClock.now() >= call.deadline) return false
    const leader = error.code === 'UNAVAILABLE' ? error.details.leader : undefined
    if (leader !== undefined && leader !== this.#address) this.#follow(leader)
    // No leader known (an election): wait a little rather than spin; a leader hint goes at once.
    const delayMs = leader !== undefined ? 0 : 20 + Math.floor(this.options.random() * 80)
    connectionClock.setTimer(delayMs, () => {
      if (this.#closed) return
      if (this.#fatal !== undefined) return call.reject(this.#fatal)
      this.#waiting.add(call)
      this.#pump()
    })
    return true
  }

  /** Moves this client's connection to the store's leader. */
  #follow(address: string): void {
    if (this.#closed || address === this.#address) return
    this.#preferred = address
    const session = this.#session
    // New calls wait for the next connection; those in flight here finish first (a write cut mid-flight would be in doubt).
    this.#session = undefined
    if (session !== undefined) session.closeWhenIdle(1000, 'following the store leader')
    this.#sleep?.timer.cancel()
    this.#sleep?.wake()
  }

  /** Sends a request whose answer nobody waits for, on the current connection only (subscriptions are re-sent on the next). */
  #fireAndForget(body: Call['body']): void {
    this.#session?.send({ body, accept: undefined, bounded: false, deadline: 0, resolve: () => undefined, reject: () => undefined })
  }

  /** Sends waiting calls while the node's in-flight bound allows. */
  #pump(): void {
    const session = this.#session
    if (session === undefined) return
    const limit = this.limits.requestsInFlightMax
    for (const call of this.#waiting) {
      if (session.boundedInFlight >= limit) return
      this.#waiting.delete(call)
      session.send(call)
    }
  }

  #push(push: Push): void {
    switch (push.type) {
      case 'watch-initial':
        return this.#watches.get(push.watchId)?.initial(push)
      case 'watch-events':
        return this.#watches.get(push.watchId)?.events(push)
      case 'watch-error': {
        const watch = this.#watches.get(push.watchId)
        if (watch === undefined) return
        // The token expired and a provider gives new ones: the watch resumes on the next connection (registered there).
        if (push.error.code === 'UNAUTHENTICATED' && typeof this.options.token === 'function') return watch.disconnected()
        watch.nodeEnded(push, errorFromData(push.error))
        // UNAVAILABLE leaves the watch open: register again (a node going away answers UNAVAILABLE and the next connection retries).
        if (!watch.ended) this.register(watch)
        return
      }
      case 'notice':
        return this.#listeners.notify([push.notice])
    }
  }

  // ---------------------------------------------------------------------------------------------
  // Connections

  async #supervise(): Promise<void> {
    const { seeds, connectionClock } = this.options
    const startedAt = connectionClock.now()
    let attempt = 0
    let next = Math.floor(this.options.random() * seeds.length)
    let lastError: unknown
    /** Where the last connection was, and since when the reconnects after it have been failing. */
    let resumeAt: string | undefined
    let failingSince: number | undefined
    while (!this.#closed) {
      const preferred = this.#preferred
      this.#preferred = undefined
      // After a lost connection: the same node first, then the seeds. Member addresses learned from
      // nodes join only once the seeds have failed for a while (a seed may be a proxy or a load balancer).
      const useLearned = failingSince !== undefined && connectionClock.now() - failingSince >= learnedFallbackMs(this.options.connectTimeoutMs)
      const candidates = useLearned ? [...seeds, ...[...this.#learned].filter((address) => !seeds.includes(address))] : seeds
      const seed = preferred ?? resumeAt ?? candidates[next++ % candidates.length]!
      resumeAt = undefined
      this.#address = seed
      try {
        const session = await this.#open(seed)
        if (this.#closed) {
          session.close(1000, 'store closed')
          return
        }
        attempt = 0
        failingSince = undefined
        this.#established(session)
        await session.closed
        this.#lost(session)
        if (this.#preferred === undefined) {
          resumeAt = seed
          failingSince = connectionClock.now()
        }
        if (session.refusal !== undefined && this.#refused(session.refusal)) return
      } catch (caught) {
        // A node that does not host the store names one that does: go there (not a refusal).
        const redirect = caught instanceof HandshakeRefused ? handshakeRedirect(caught.error) : undefined
        if (redirect !== undefined && !this.#closed) this.#preferred = redirect.address
        const error = redirect?.error ?? caught
        lastError = error
        if (!this.#connectedOnce && this.#giveUp(error, connectionClock.now() - startedAt)) return
        if (error instanceof HandshakeRefused && this.#refused(error.error)) return
      }
      if (this.#closed) return
      // Going to a leader we were just told about needs no back-off (unless redirects go round in circles).
      if (this.#preferred === undefined || ++this.#redirects > 3) await this.#pause(backoffDelayMs(attempt++, this.options.random(), this.options.backoff))
    }
    void lastError
  }

  /**
   * A node refused this client's credentials (at a handshake, or when they expired). With a fixed
   * token that is final: everything fails with the node's error, and no reconnect loop runs with a
   * dead token. A token provider is asked for a new token, a few times. Returns true when final.
   */
  #refused(error: ClustronError): boolean {
    if (error.code !== 'UNAUTHENTICATED' && error.code !== 'PERMISSION_DENIED') return false
    this.#refusedToken = this.#token
    if (typeof this.options.token === 'function' && ++this.#authFailures <= 3) return false
    this.#failAll(error)
    return true
  }

  /** Ends the handle: waiting calls, watches and the first connect fail with `error`, and so does every later call. */
  #failAll(error: ClustronError): void {
    this.#fatal = error
    for (const call of [...this.#waiting]) call.reject(error)
    this.#waiting.clear()
    for (const watch of [...this.#watches.values()]) watch.fail(error)
    this.#ready?.reject(error)
    this.#ready = undefined
  }

  /** The token for a new connection (a provider is asked each time); a provider that repeats a refused token ends the handle. */
  async #nextToken(): Promise<string | undefined> {
    const option = this.options.token
    if (typeof option !== 'function') return option
    let token: unknown
    try {
      token = await option()
    } catch (error) {
      throw new HandshakeRefused(new UnauthenticatedError(`the token provider failed: ${(error as Error).message}`, { cause: error }))
    }
    if (typeof token !== 'string' || token === '') throw new HandshakeRefused(new UnauthenticatedError('the token provider returned no token'))
    if (token === this.#refusedToken) throw new HandshakeRefused(new UnauthenticatedError('the token provider returned the token the node just refused'))
    return token
  }

  /** Before the first connection: stop on a refusal, or once the connect timeout has passed. */
  #giveUp(error: unknown, elapsedMs: number): boolean {
    const ready = this.#ready
    if (ready === undefined) return false
    if (error instanceof HandshakeRefused) {
      ready.reject(error.error)
      return true
    }
    if (elapsedMs < this.options.connectTimeoutMs) return false
    const reason = error instanceof Error ? error.message : String(error)
    ready.reject(new UnavailableError(`cannot connect to store '${this.options.store}' at ${this.options.seeds.join(', ')} within ${this.options.connectTimeoutMs} ms: ${reason}`, { cause: error }))
    return true
  }

  async #open(seed: string): Promise<Session> {
    const { connectionClock, requestTimeoutMs } = this.options
    const url = `${this.options.tls ? 'wss' : 'ws'}://${withDefaultPort(seed)}${clientPath}`
    const token = await this.#nextToken()
    this.#token = token
    const { ca, cert, key } = this.options.tlsFiles
    let timer: Timer | undefined
    const opening = this.options.transport({
      url,
      frameBytesMax: 64 * 1024 * 1024,
      ...(ca === undefined ? {} : { ca }),
      ...(cert === undefined ? {} : { cert }),
      ...(key === undefined ? {} : { key }),
    })
    const timeout = new Promise<never>((_, reject) => {
      timer = connectionClock.setTimer(requestTimeoutMs, () => {
        reject(new UnavailableError(`connecting to ${seed} took longer than ${requestTimeoutMs} ms`))
        // A transport that opens after all is closed at once.
        opening.then((transport) => transport.close(1000, 'too late'), () => undefined)
      })
    })
    try {
      const transport = await Promise.race([opening, timeout])
      const hello = { type: 'hello' as const, protocol: protocolVersion, store: this.options.store, client: { name: '@clustron/client' }, ...(token === undefined ? {} : { token }) }
      return await Session.open({
        transport,
        hello,
        clock: connectionClock,
        handshakeTimeoutMs: requestTimeoutMs,
        onPush: (push) => this.#push(push),
        onSettled: () => {
          if (this.#waiting.size > 0) this.#pump()
        },
      })
    } finally {
      timer?.cancel()
    }
  }

  #established(session: Session): void {
    const { role, leader, members } = session.welcome
    for (const address of members ?? []) this.#learned.add(address)
    // Connected to a follower that knows the leader: go there (writes and linearizable reads are served by the leader).
    if (role !== undefined && role !== 'leader' && leader !== undefined && leader !== this.#address) {
      this.#preferred = leader
      session.close(1000, 'following the store leader')
      return
    }
    this.#redirects = 0
    this.#authFailures = 0
    this.#refusedToken = undefined
    this.#session = session
    this.#limits ??= session.limits
    for (const { topic } of this.#topics.values()) this.#fireAndForget({ type: 'subscribe', topic })
    for (const watch of this.#watches.values()) this.register(watch)
    this.#pump()
    const reconnected = this.#connectedOnce
    this.#connectedOnce = true
    this.#ready?.resolve()
    this.#ready = undefined
    // Whatever was pushed while disconnected is lost: every lease, lock and election re-reads its state.
    if (reconnected) this.#listeners.resyncAll()
  }

  #lost(session: Session): void {
    if (this.#session === session) this.#session = undefined
    for (const watch of this.#watches.values()) watch.disconnected()
  }

  #pause(delayMs: number): Promise<void> {
    return new Promise((resolve) => {
      const wake = () => {
        this.#sleep = undefined
        resolve()
      }
      this.#sleep = { timer: this.options.connectionClock.setTimer(delayMs, wake), wake }
    })
  }
}

/** A seed without a port means the default port. */
function withDefaultPort(seed: string): string {
  return /:\d+$/.test(seed) ? seed : `${seed}:7861`
}

function closedError(): ClustronError {
  return new ClosedError('the store handle is closed; connect() again')
}

/** How long the seeds must fail before member addresses learned from nodes are tried too. */
function learnedFallbackMs(connectTimeoutMs: number): number {
  return Math.max(5_000, connectTimeoutMs)
}
