import { ClustronError } from '../../src/errors.js'
import { StoreMachine, type StoreMachineOptions } from '../../src/machine/store-machine.js'
import type { LockKind, RawEntry } from '../../src/machine/types.js'
import type { Outcome } from './model.js'
import type { Action } from './model-steps.js'
import { hex } from './render.js'

/** Plain data with every Uint8Array as `hex:...` and no undefined fields, for deep comparison. */
export function canon(value: unknown): unknown {
  if (value instanceof Uint8Array) return `hex:${hex(value)}`
  if (Array.isArray(value)) return value.map(canon)
  if (typeof value === 'object' && value !== null) {
    const out: Record<string, unknown> = {}
    for (const [key, item] of Object.entries(value)) if (item !== undefined) out[key] = canon(item)
    return out
  }
  return value
}

/** A StoreMachine with its own clock, driven by the actions of the property tests. */
export class Driver {
  constructor(
    public machine: StoreMachine,
    public now: number,
    readonly options: StoreMachineOptions = {},
  ) {}

  run(action: Action): Outcome {
    try {
      if (action.kind === 'time') {
        this.now += action.ms
        if (!action.expire) return { ok: true, result: undefined, events: [], notices: [] }
        return this.#apply({ type: 'expire' })
      }
      if (action.kind === 'query') return { ok: true, result: this.machine.query(action.query, this.now), events: [], notices: [] }
      return this.#apply(action.command)
    } catch (error) {
      if (error instanceof ClustronError) return { ok: false, code: error.code }
      throw error
    }
  }

  #apply(command: Parameters<StoreMachine['apply']>[0]): Outcome {
    const output = this.machine.apply(command, { now: this.now })
    return { ok: true, result: output.result, events: [...output.events], notices: [...output.notices] }
  }

  /** Replaces the machine with one restored from its snapshot; returns the snapshot. */
  restore(): Uint8Array {
    const snapshot = this.machine.snapshot()
    this.machine = StoreMachine.restore(snapshot, this.options)
    return snapshot
  }

  /** Every entry, in order, paged through list. */
  all(): RawEntry[] {
    const entries: RawEntry[] = []
    let start = ''
    for (;;) {
      const page = this.machine.query({ type: 'list', start }, this.now)
      entries.push(...page.entries)
      if (!page.more) return entries
      start = page.entries[page.entries.length - 1]!.key + '\u0000'
    }
  }

  /** Everything observable through queries (with the given lock names and waiter ids). */
  observe(lockNames: readonly string[], waiterIds: readonly string[]): unknown {
    const machine = this.machine
    const leases = machine.query({ type: 'leaseList' }, this.now)
    const locks: unknown[] = []
    for (const kind of ['lock', 'election'] as LockKind[]) {
      for (const name of lockNames) {
        locks.push(machine.query({ type: 'lockHolder', kind, name }, this.now))
        for (const waiterId of waiterIds) locks.push(machine.query({ type: 'lockWaiter', kind, name, waiterId }, this.now))
      }
    }
    for (const name of lockNames) locks.push(machine.query({ type: 'electionLeader', name }, this.now))
    return canon({
      revision: machine.revision,
      status: machine.query({ type: 'status' }, this.now),
      next: machine.nextDeadline(),
      entries: this.all(),
      leases,
      leaseInfo: leases.map((id) => machine.query({ type: 'leaseInfo', id }, this.now)),
      locks,
      history: machine.revision > machine.compactRevision ? machine.eventsSince(machine.compactRevision + 1) : [],
    })
  }
}
