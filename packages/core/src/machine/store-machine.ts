import { InvalidArgumentError } from '../errors.js'
import { resolveLimits, type Limits } from '../limits.js'
import {
  applyElectionProclaim,
  applyExpire,
  applyLeaseExtend,
  applyLeaseGrant,
  applyLeaseRenew,
  applyLeaseRevoke,
  applyLockAcquire,
  applyLockCancel,
  applyLockRelease,
} from './apply-coordination.js'
import {
  applyClear,
  applyCounterAdd,
  applyCounterSet,
  applyDelete,
  applyDeleteMany,
  applyPersist,
  applyPut,
  applyPutMany,
  applySetTtl,
} from './apply-kv.js'
import { applyTxn } from './apply-txn.js'
import { get, runQuery } from './reads.js'
import { readSnapshot, writeSnapshot } from './snapshot.js'
import { MachineState } from './state.js'
import type { ApplyContext, ApplyOutput, Command, DecodedEntry, CommandResult, Query, QueryResult, RawEntry, RawWatchEvent } from './types.js'
import { Checks } from './validate.js'

export interface StoreMachineOptions {
  limits?: Partial<Limits> | undefined
}

type Handler = (state: MachineState, check: Checks, command: never) => unknown

const handlers: Record<Command['type'], Handler> = {
  put: applyPut,
  delete: applyDelete,
  putMany: applyPutMany,
  deleteMany: applyDeleteMany,
  clear: applyClear,
  setTtl: applySetTtl,
  persist: applyPersist,
  txn: applyTxn,
  counterAdd: applyCounterAdd,
  counterSet: applyCounterSet,
  leaseGrant: applyLeaseGrant,
  leaseRenew: applyLeaseRenew,
  leaseRevoke: applyLeaseRevoke,
  lockAcquire: applyLockAcquire,
  lockCancel: applyLockCancel,
  lockRelease: applyLockRelease,
  electionProclaim: applyElectionProclaim,
  expire: applyExpire,
  leaseExtend: applyLeaseExtend,
}

/**
 * The deterministic state machine of one store. `apply(command, { now })` is the only way to change
 * it; `now` is the only time it knows. The same commands in the same order give the same state,
 * results, events and notices on every replica. A command that throws (a typed ClustronError:
 * invalid argument, missing lease, quota, ...) changes nothing.
 */
export class StoreMachine {
  readonly #state: MachineState
  readonly #check: Checks

  constructor(options: StoreMachineOptions = {}) {
    const limits = resolveLimits(options.limits)
    this.#state = new MachineState(limits)
    this.#check = new Checks(this.#state)
  }

  /** A machine holding the state of `snapshot` (from {@link StoreMachine.snapshot}). */
  static restore(snapshot: Uint8Array, options: StoreMachineOptions = {}): StoreMachine {
    const machine = new StoreMachine(options)
    readSnapshot(machine.#state, snapshot)
    return machine
  }

  get limits(): Readonly<Limits> {
    return this.#state.limits
  }

  /** The store revision: advances once per command that changed keys, locks or elections. */
  get revision(): number {
    return this.#state.revision
  }

  /** Revisions at or below this one are no longer retained for `fromRevision`. */
  get compactRevision(): number {
    return this.#state.history.compactRevision
  }

  get keyCount(): number {
    return this.#state.records.size
  }

  apply<C extends Command>(command: C, context: ApplyContext): ApplyOutput<C> {
    const handler = typeof command === 'object' && command !== null ? handlers[command.type] : undefined
    if (handler === undefined) {
      throw new InvalidArgumentError(`unknown command '${String((command as { type?: unknown } | null)?.type)}'`)
    }
    if (typeof context.now !== 'number' || !Number.isFinite(context.now)) {
      throw new InvalidArgumentError('the apply context needs a finite time (now)')
    }
    const state = this.#state
    state.begin(context.now)
    let result: unknown
    try {
      result = handler(state, this.#check, command as never)
    } catch (error) {
      // Handlers validate before changing anything; an error after a change would be a bug.
      if (state.changed) throw new Error(`assertion failed: command '${command.type}' threw after changing state`, { cause: error })
      throw error
    }
    const revision = state.commit()
    return { result: result as CommandResult<C>, events: state.events, notices: state.notices, revision }
  }

  /** Reads the state; `now` is used for remaining-time answers (ttl, leaseInfo). */
  query<Q extends Query>(query: Q, now: number): QueryResult<Q> {
    if (typeof query !== 'object' || query === null) throw new InvalidArgumentError('a query must be an object')
    return runQuery(this.#state, this.#check, query, now) as QueryResult<Q>
  }

  /** Fast path of `query({ type: 'get', key })` for the in-process store. */
  get(key: string): RawEntry | undefined {
    return get(this.#state, this.#check.key(key))
  }

  /** The in-process read path: the entry of `key` (not validated: the caller did) with its value decoded. */
  getDecoded(key: string): DecodedEntry | undefined {
    const record = this.#state.records.get(key)
    return record === undefined ? undefined : this.#state.decodedEntry(key, record)
  }

  /** Retained events with revision >= fromRevision; throws COMPACTED when they are gone. */
  eventsSince(fromRevision: number): RawWatchEvent[] {
    return this.#state.history.since(fromRevision)
  }

  /** The earliest TTL or lease deadline; the driver proposes `expire` when it passes. */
  nextDeadline(): number | undefined {
    return this.#state.nextDeadline()
  }

  snapshot(): Uint8Array {
    return writeSnapshot(this.#state)
  }

  /** Memory held by values (live and allocated), for stats and benchmarks. */
  arenaStats(): { bytesLive: number; bytesAllocated: number } {
    return { bytesLive: this.#state.arena.bytesLive, bytesAllocated: this.#state.arena.bytesAllocated }
  }
}
