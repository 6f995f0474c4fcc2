/**
 * Locks: many contenders per lock name acquire (with a bounded wait), do fenced writes to the
 * lock's data key, and release. Lease expiry under faults happens without any client operation,
 * so the lock model runs in `anytime` mode: what it proves is the property fencing exists for —
 * once a later token was granted (or the loss observed), a write fenced by the old token fails —
 * plus tokens growing strictly in grant order. The committed history adds a direct check: the
 * fenced writes that were committed to a lock's data key carry non-decreasing tokens (a write by
 * an older holder never lands after a newer holder's).
 *
 * Mutual exclusion is checked in revision space. Each acquire binds the lock to a lease of its own,
 * and the holder puts a marker key `lockmark/<name>/<token>` bound to that lease. A holder lets go
 * by revoking the lease, so the lock's release and the marker's delete (reason `lease`) are one
 * command whether the holder revoked it or the lease expired under a fault: the marker's delete
 * revision is exactly when the holding ended. A token is the revision of its grant, so for each
 * lock, in token order, the next grant's token must not be below the previous holder's end.
 */
import { ClustronError, type Lease, type Lock, type Store } from '@clustron/client'
import { createLockModel, type LockInput, type LockOutput } from '../checker/index.js'
import { finalRead, History, newStats, recordWrite, sleep } from './recorder.js'
import { checkHistory, countsOf, newClientId, type Anomaly, type CheckContext, type FaultWorkload, type WorkloadContext, type WorkloadVerdict } from './workload.js'

export const lockDataPrefix = 'lockdata/'
export const lockMarkerPrefix = 'lockmark/'

export interface LockOptions {
  clients: number
  names: number
  /** TTL of each lock's lease: short, so a holder cut off by a fault loses it during the run. */
  ttlMs: number
  waitMs: number
  thinkMs: number
}

interface FencedValue {
  token: number
  client: number
  sequence: number
}

export class LockWorkload implements FaultWorkload {
  readonly name = 'lock'
  readonly history = new History<LockInput, LockOutput>('lock', newStats())
  readonly #names: string[]
  /** Leases of locks still held at the end of `run`, revoked in `teardown`. */
  readonly #leases = new Set<Lease>()

  constructor(private readonly options: LockOptions) {
    this.#names = Array.from({ length: options.names }, (_, index) => `lock-${index}`)
  }

  async run(context: WorkloadContext): Promise<void> {
    await Promise.all(Array.from({ length: this.options.clients }, async () => this.#client(context, await context.connect())))
  }

  async #client(context: WorkloadContext, store: Store): Promise<void> {
    const id = newClientId()
    const random = context.random.fork(`lock-${id}`)
    for (let sequence = 0; context.isActive(); sequence++) {
      await sleep(random.exponential(this.options.thinkMs))
      const name = random.pick(this.#names)
      let lease: Lease
      try {
        lease = await store.leases.grant(this.options.ttlMs)
      } catch {
        continue
      }
      this.#leases.add(lease)
      const acquired = await this.#acquire(context, store, id, name, lease)
      if (acquired !== undefined) {
        await this.#put(context, store, `${lockMarkerPrefix}${name}/${acquired.token}`, id, { lease })
        const writes = random.int(1, 3)
        for (let write = 0; write < writes; write++) {
          await this.#fencedWrite(context, store, id, acquired, { token: acquired.token, client: id, sequence: sequence * 10 + write })
          await sleep(random.exponential(this.options.thinkMs))
        }
      }
      // Revoking the lease releases the lock and deletes the marker in one command.
      const revoke = async () => {
        await lease.revoke()
        this.#leases.delete(lease)
      }
      if (acquired === undefined) await revoke().catch(() => undefined)
      else await recordWrite(this.history, context.clock, id, { type: 'release', name, token: acquired.token }, revoke, () => ({}))
    }
  }

  /** An unfenced put of the workload's own bookkeeping; acknowledged ones are checked against the committed history. */
  async #put(context: WorkloadContext, store: Store, key: string, value: unknown, options: { lease: Lease }): Promise<void> {
    const call = context.clock.now()
    try {
      const result = await store.put(key, value, options)
      if (result.ok) {
        context.acknowledged.push({ key, revision: result.revision, version: result.version, value })
        context.timeline.add(result.revision, call, context.clock.now())
      }
    } catch {
      // The lease may be gone already (LEASE_NOT_FOUND) or the outcome unknown: the committed history tells.
    }
  }

  async #acquire(context: WorkloadContext, store: Store, id: number, name: string, lease: Lease): Promise<Lock | undefined> {
    const call = context.clock.now()
    const pending = this.history.begin(id, { type: 'acquire', name }, call)
    try {
      const lock = await store.locks.acquire(name, { lease, waitMs: this.options.waitMs })
      pending.complete({ granted: true, token: lock.token }, context.clock.now())
      return lock
    } catch (error) {
      // Gave up waiting: the store queued the acquire (the lock was held) and the cancel found it
      // still waiting. Anything else may have been granted, even UNAVAILABLE: a waiter whose lease
      // ended lost its place, possibly after a grant it never heard of.
      if (error instanceof ClustronError && error.code === 'LOCK_TIMEOUT') pending.complete({ granted: false }, context.clock.now())
      else pending.unknown()
      return undefined
    }
  }

  async #fencedWrite(context: WorkloadContext, store: Store, id: number, lock: Lock, value: FencedValue): Promise<void> {
    const key = `${lockDataPrefix}${lock.name}`
    const outcome = await recordWrite(
      this.history,
      context.clock,
      id,
      { type: 'fenced-write', name: lock.name, token: lock.token },
      () => store.put(key, value, { fence: lock }),
      (result): LockOutput => (result.ok ? { ok: true } : { ok: false, reason: 'fenced' }),
    )
    if ('value' in outcome && outcome.value.ok) {
      context.acknowledged.push({ key, revision: outcome.value.revision, version: outcome.value.version, value })
      context.timeline.add(outcome.value.revision, outcome.call, outcome.return)
    }
    if ('value' in outcome && !outcome.value.ok && outcome.value.reason !== 'fenced') throw new Error(`assertion failed: a fenced put failed with ${outcome.value.reason}`)
  }

  async teardown(): Promise<void> {
    await Promise.allSettled([...this.#leases].map((lease) => lease.revoke()))
    this.#leases.clear()
  }

  async finalReads(context: WorkloadContext): Promise<void> {
    const store = await context.connect()
    const id = newClientId()
    for (const name of this.#names) {
      await finalRead(this.history, context.clock, id, { type: 'holder', name }, () => store.locks.holder(name), (holder) => ({ holder: holder === undefined ? undefined : { token: holder.token } }))
    }
  }

  async check(context: CheckContext): Promise<WorkloadVerdict> {
    const { verdict, anomalies } = await checkHistory(this.name, createLockModel({ expiry: 'anytime', partitionByName: false }), this.history, context)
    return { workload: this.name, counts: countsOf(this.history.stats), models: [verdict], anomalies: [...anomalies, ...this.#checkCommittedTokens(context), ...this.#checkMutualExclusion(context)] }
  }

  /** Per lock, in token order: a grant's token is at or above the end (marker delete) of the previous holding. */
  #checkMutualExclusion(context: CheckContext): Anomaly[] {
    const holdings = new Map<string, { token: number; end: number }[]>()
    for (const change of context.committed.under(lockMarkerPrefix)) {
      if (change.type !== 'put') continue
      const [name, token] = change.key.slice(lockMarkerPrefix.length).split('/')
      const list = holdings.get(name!) ?? []
      list.push({ token: Number(token), end: context.committed.leaseEndOf(change.key) ?? Number.POSITIVE_INFINITY })
      holdings.set(name!, list)
    }
    const anomalies: Anomaly[] = []
    for (const [name, list] of holdings) {
      list.sort((left, right) => left.token - right.token)
      for (let index = 1; index < list.length; index++) {
        const previous = list[index - 1]!
        const next = list[index]!
        if (next.token < previous.end) {
          anomalies.push({ workload: this.name, kind: 'double-grant', detail: `${name}: token ${next.token} granted while token ${previous.token} held it (its holding ended at revision ${previous.end})` })
        }
      }
    }
    return anomalies
  }

  /** In revision order, the committed fenced writes of each lock carry non-decreasing tokens. */
  #checkCommittedTokens(context: CheckContext): Anomaly[] {
    const anomalies: Anomaly[] = []
    const last = new Map<string, { token: number; revision: number }>()
    for (const change of context.committed.under(lockDataPrefix)) {
      if (change.type !== 'put') continue
      const token = (change.value as FencedValue).token
      const previous = last.get(change.key)
      if (previous !== undefined && token < previous.token) {
        anomalies.push({ workload: this.name, kind: 'fencing', detail: `${change.key}: token ${token} written at revision ${change.revision} after token ${previous.token} at revision ${previous.revision}` })
      }
      last.set(change.key, { token, revision: change.revision })
    }
    return anomalies
  }
}
