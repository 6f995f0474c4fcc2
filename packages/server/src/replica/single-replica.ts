import { StoreMachine, UnavailableError, type Clock, type Consistency, type Limits, type Timer } from '@clustron/core'
import type { ApplyOutput, Command, CommandResult, Query, QueryResult, RawWatchEvent } from '@clustron/core/internal'
import type { AppliedOutput, ReplicaStatus, StoreReplica } from './store-replica.js'
import { machineSnapshots } from './machine-access.js'

export interface SingleReplicaOptions {
  store: string
  /** The node that hosts it (reported as the leader). */
  nodeId: string
  limits: Partial<Limits>
  /** The node's clock: stamps commands and schedules expiry (a ManualClock in tests). */
  clock: Clock
}

/**
 * A store on one node, no log: a StoreMachine, the node's clock, and a timer that proposes
 * `expire` at the machine's next deadline — exactly what core's InProcEngine does in-process. Its
 * one replica is trivially the leader of term 1; every applied command is one log index.
 */
export class SingleReplica implements StoreReplica {
  readonly store: string
  readonly #machine: StoreMachine
  readonly #clock: Clock
  readonly #nodeId: string
  readonly #listeners = new Set<(applied: AppliedOutput) => void>()
  #appliedIndex = 0
  #timer: Timer | undefined
  #timerAt: number | undefined
  #closed = false

  constructor(options: SingleReplicaOptions) {
    this.store = options.store
    this.#machine = new StoreMachine({ limits: options.limits })
    this.#clock = options.clock
    this.#nodeId = options.nodeId
    machineSnapshots.set(this, () => this.#machine.snapshot())
  }

  get limits(): Readonly<Limits> {
    return this.#machine.limits
  }

  get revision(): number {
    return this.#machine.revision
  }

  propose<C extends Command>(command: C): Promise<CommandResult<C>> {
    try {
      return Promise.resolve(this.apply(command))
    } catch (error) {
      return Promise.reject(error)
    }
  }

  /** Applies a command now (the synchronous core of `propose`). */
  apply<C extends Command>(command: C): CommandResult<C> {
    this.#assertOpen()
    const now = this.#clock.now()
    this.#expireDue(now)
    const output = this.#machine.apply(command, { now })
    this.#publish(output)
    this.#reschedule()
    return output.result
  }

  read<Q extends Query>(query: Q, _consistency?: Consistency): Promise<QueryResult<Q>> {
    // One replica: its state is the committed state, so both consistencies read it directly.
    try {
      return Promise.resolve(this.readLocal(query))
    } catch (error) {
      return Promise.reject(error)
    }
  }

  readLocal<Q extends Query>(query: Q): QueryResult<Q> {
    this.#assertOpen()
    const now = this.#clock.now()
    this.#expireDue(now)
    return this.#machine.query(query, now)
  }

  eventsSince(fromRevision: number): RawWatchEvent[] {
    this.#expireDue(this.#clock.now())
    return this.#machine.eventsSince(fromRevision)
  }

  onApplied(listener: (applied: AppliedOutput) => void): () => void {
    this.#listeners.add(listener)
    return () => this.#listeners.delete(listener)
  }

  status(): ReplicaStatus {
    return { role: 'leader', leader: this.#nodeId, term: 1, commitIndex: this.#appliedIndex, appliedIndex: this.#appliedIndex, revision: this.#machine.revision }
  }

  async close(): Promise<void> {
    this.#closed = true
    this.#timer?.cancel()
    this.#timer = undefined
    this.#timerAt = undefined
  }

  /** Applies `expire` when a deadline has passed (also before every call, so TTLs are exact). */
  #expireDue(now: number): void {
    const deadline = this.#machine.nextDeadline()
    if (deadline === undefined || deadline > now) return
    this.#publish(this.#machine.apply({ type: 'expire' }, { now }))
  }

  #publish(output: ApplyOutput): void {
    this.#appliedIndex++
    if (output.events.length === 0 && output.notices.length === 0) return
    for (const listener of this.#listeners) listener(output)
  }

  #reschedule(): void {
    const next = this.#machine.nextDeadline()
    if (next === this.#timerAt || this.#closed) return
    this.#timer?.cancel()
    this.#timer = undefined
    this.#timerAt = next
    if (next === undefined) return
    this.#timer = this.#clock.setTimer(next - this.#clock.now(), () => {
      this.#timer = undefined
      this.#timerAt = undefined
      if (this.#closed) return
      this.#expireDue(this.#clock.now())
      this.#reschedule()
    })
  }

  #assertOpen(): void {
    if (this.#closed) throw new UnavailableError(`store '${this.store}' is closed on node ${this.#nodeId} (the node is shutting down)`)
  }
}
