/**
 * A simulated client connection. It sends each request to the node it believes leads (reads
 * sometimes to any node: followers serve linearizable reads through ReadIndex), follows
 * UNAVAILABLE's `details.leader`, backs off and tries elsewhere when a node is down or has no
 * leader, and gives up on an attempt after a timeout. Every request and response crosses a client
 * link with its own latency; a crash of the node mid-request is seen as a lost connection.
 *
 * A write whose attempt may have been applied (TIMEOUT, lost connection, client timeout) is never
 * retried: its outcome is unknown. Reads have no effect, so they are retried freely.
 */
import { ClustronError, type ErrorCode } from '@clustron/core'
import type { Command, CommandResult, Query, QueryResult } from '@clustron/core/internal'
import type { SimCluster } from './cluster.js'
import type { EventLoop } from './event-loop.js'
import { simulatorLimits } from './limits.js'
import type { Random } from './random.js'

export type Outcome<T> =
  | { kind: 'ok'; value: T }
  /** The machine (or the replica's validation) refused it: deterministic, nothing changed. */
  | { kind: 'refused'; code: ErrorCode }
  /** It may or may not have taken effect. */
  | { kind: 'unknown' }
  /** Definitely not applied: every attempt was turned away before reaching the log. */
  | { kind: 'failed' }

type AttemptResult =
  | { kind: 'ok'; value: unknown }
  | { kind: 'error'; code: ErrorCode; leader: string | undefined }
  | { kind: 'down' }
  | { kind: 'lost' }
  | { kind: 'timeout' }

export interface ClientStats {
  attempts: number
  redirects: number
  clientTimeouts: number
  lostConnections: number
}

export class SimClient {
  leaderGuess: string | undefined
  readonly stats: ClientStats = { attempts: 0, redirects: 0, clientTimeouts: 0, lostConnections: 0 }
  #sequence = 0

  constructor(
    readonly id: number,
    private readonly loop: EventLoop,
    readonly random: Random,
    private readonly cluster: SimCluster,
    private readonly onUnexpected: (message: string) => void,
  ) {}

  /** A fresh id for values and waiters, unique across clients. */
  nextId(): string {
    return `c${this.id}.${++this.#sequence}`
  }

  now(): number {
    return this.loop.now
  }

  sleep(delayMs: number): Promise<void> {
    return new Promise((resolve) => this.loop.schedule(delayMs, `client ${this.id} wakes`, resolve))
  }

  write<C extends Command>(command: C): Promise<Outcome<CommandResult<C>>> {
    return this.#call({ kind: 'write', command }, command.type) as Promise<Outcome<CommandResult<C>>>
  }

  read<Q extends Query>(query: Q): Promise<Outcome<QueryResult<Q>>> {
    return this.#call({ kind: 'read', query }, query.type) as Promise<Outcome<QueryResult<Q>>>
  }

  async #call(request: Request, label: string): Promise<Outcome<unknown>> {
    const start = this.loop.now
    for (let attempt = 0; attempt < simulatorLimits.clientAttemptsMax; attempt++) {
      if (this.loop.now - start > simulatorLimits.clientOperationDeadlineMs) break
      const node = this.#target(request)
      const result = await this.#attempt(node, request, label)
      switch (result.kind) {
        case 'ok':
          this.leaderGuess = request.kind === 'write' ? node : this.leaderGuess
          return { kind: 'ok', value: result.value }
        case 'down':
          this.leaderGuess = undefined
          await this.sleep(this.random.between(5, 50))
          continue
        case 'lost':
        case 'timeout':
          this.leaderGuess = undefined
          if (request.kind === 'write') return { kind: 'unknown' }
          continue
        case 'error':
          if (result.code === 'TIMEOUT' && request.kind === 'write') return { kind: 'unknown' }
          if (result.code !== 'UNAVAILABLE' && result.code !== 'TIMEOUT') return { kind: 'refused', code: result.code }
          this.#redirect(result.leader)
          if (result.leader === undefined) await this.sleep(this.random.between(20, 150))
          continue
      }
    }
    return { kind: 'failed' }
  }

  #redirect(leader: string | undefined): void {
    this.stats.redirects++
    this.leaderGuess = leader !== undefined && this.cluster.ids.includes(leader) ? leader : undefined
  }

  #target(request: Request): string {
    if (request.kind === 'read' && this.random.chance(0.4)) return this.random.pick(this.cluster.ids)
    return this.leaderGuess ?? this.random.pick(this.cluster.ids)
  }

  /** One request to one node: resolves with its response, or with why none came. */
  #attempt(node: string, request: Request, label: string): Promise<AttemptResult> {
    this.stats.attempts++
    return new Promise<AttemptResult>((resolve) => {
      let settled = false
      const timeout = this.loop.schedule(simulatorLimits.clientAttemptTimeoutMs, `client ${this.id} timeout`, () => finish({ kind: 'timeout' }))
      const finish = (result: AttemptResult) => {
        if (settled) return
        settled = true
        timeout.cancel()
        if (result.kind === 'timeout') this.stats.clientTimeouts++
        if (result.kind === 'lost') this.stats.lostConnections++
        resolve(result)
      }
      const respond = (result: AttemptResult) => this.loop.schedule(this.#linkDelay(), `${node}>client ${this.id} ${result.kind}`, () => finish(result))
      this.loop.schedule(this.#linkDelay(), `client ${this.id}>${node} ${label}`, () => {
        // The request waits in the socket while the process is paused; it is lost if the node crashes.
        const release = this.cluster.onCrashOf(node, () => respond({ kind: 'lost' }))
        const accepted = this.cluster.runOn(node, (replica) => {
          const promise: Promise<unknown> = request.kind === 'write' ? replica.propose(request.command) : replica.read(request.query, 'linearizable')
          promise.then(
            (value) => {
              release()
              respond({ kind: 'ok', value })
            },
            (error: unknown) => {
              release()
              respond(this.#classify(error))
            },
          )
        })
        if (!accepted) {
          release()
          respond({ kind: 'down' })
        }
      })
    })
  }

  #classify(error: unknown): AttemptResult {
    if (error instanceof ClustronError) return { kind: 'error', code: error.code, leader: error.details.leader }
    this.onUnexpected(`client ${this.id} got a non-Clustron error: ${String(error)}`)
    return { kind: 'error', code: 'INTERNAL', leader: undefined }
  }

  #linkDelay(): number {
    return 0.1 + this.random.next() * 1.5
  }
}

type Request = { kind: 'write'; command: Command } | { kind: 'read'; query: Query }
