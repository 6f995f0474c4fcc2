/**
 * Lease timing: clients grant leases without keep-alive, bind a key to each, renew some of them
 * once, and let them expire. The guarantee checked: a lease never expires before `ttlMs` after the
 * call of its last acknowledged grant or renewal (the leader stamps the deadline when it applies
 * the command, which is after the call). Clock offsets between nodes must not break this
 * (docs/consistency.md: leases do not depend on clocks agreeing between nodes).
 *
 * When the expiry happened is bounded from the committed history: the key's `lease` delete has a
 * revision E, and E was applied before the return of any operation that took effect at a revision
 * above E, and before any watcher received such a revision (`RevisionTimeline`). An expiry proven
 * to have happened before the deadline is an anomaly.
 */
import type { Lease, Store } from '@clustron/client'
import { classifyWriteError, History, newStats, sleep } from './recorder.js'
import { countsOf, newClientId, type Anomaly, type CheckContext, type FaultWorkload, type WorkloadContext, type WorkloadVerdict } from './workload.js'

export const leasePrefix = 'lease/'

export interface LeaseOptions {
  clients: number
  ttlMs: number
  thinkMs: number
  /** Slack for timer granularity between the test's clock and the nodes'. */
  toleranceMs?: number
}

interface Observed {
  key: string
  /** Call time of the last acknowledged grant or renewal. */
  lastCall: number
}

export class LeaseWorkload implements FaultWorkload {
  readonly name = 'lease'
  readonly history = new History<{ type: 'grant' | 'put' | 'renew' }, { ok: true }>('lease', newStats())
  readonly #observed = new Map<string, Observed>()

  constructor(private readonly options: LeaseOptions) {}

  async run(context: WorkloadContext): Promise<void> {
    await Promise.all(Array.from({ length: this.options.clients }, async () => this.#client(context, await context.connect())))
  }

  async #client(context: WorkloadContext, store: Store): Promise<void> {
    const id = newClientId()
    const random = context.random.fork(`lease-${id}`)
    for (let sequence = 0; context.isActive(); sequence++) {
      await sleep(random.exponential(this.options.thinkMs))
      const grantCall = context.clock.now()
      const lease = await this.#step(id, 'grant', grantCall, () => store.leases.grant(this.options.ttlMs, { keepAlive: false }), context)
      if (lease === undefined) continue
      const key = `${leasePrefix}${id}-${sequence}`
      const putCall = context.clock.now()
      const put = await this.#step(id, 'put', putCall, () => store.put(key, sequence, { lease }), context)
      if (put === undefined || !put.ok) continue
      context.acknowledged.push({ key, revision: put.revision, version: put.version, value: sequence })
      context.timeline.add(put.revision, putCall, context.clock.now())
      const observed: Observed = { key, lastCall: grantCall }
      this.#observed.set(key, observed)
      // Half of them renewed once, part-way through their TTL.
      if (random.chance(0.5)) {
        await sleep(random.between(0.2, 0.7) * this.options.ttlMs)
        const renewCall = context.clock.now()
        if ((await this.#step(id, 'renew', renewCall, () => renew(lease), context)) !== undefined) observed.lastCall = renewCall
      }
    }
  }

  /** Runs one step, counting it; undefined when it failed (the lease is then left to expire). */
  async #step<T>(id: number, type: 'grant' | 'put' | 'renew', call: number, run: () => Promise<T>, context: WorkloadContext): Promise<T | undefined> {
    const pending = this.history.begin(id, { type }, call)
    try {
      const value = await run()
      pending.complete({ ok: true }, context.clock.now())
      return value
    } catch (error) {
      if (classifyWriteError(error) === 'unknown') pending.unknown()
      else pending.drop()
      return undefined
    }
  }

  /** The leases expire by themselves (a TTL after the last renewal): wait for that before the final reads. */
  async teardown(): Promise<void> {
    await sleep(this.options.ttlMs + 500)
  }

  async finalReads(): Promise<void> {}

  async check(context: CheckContext): Promise<WorkloadVerdict> {
    const anomalies: Anomaly[] = []
    const tolerance = this.options.toleranceMs ?? 25
    let checked = 0
    for (const observed of this.#observed.values()) {
      const end = context.committed.leaseEndOf(observed.key)
      if (end === undefined) continue
      checked++
      const { return: expiredBefore } = context.timeline.intervalOf(end, context.endTime)
      const deadline = observed.lastCall + this.options.ttlMs
      if (expiredBefore < deadline - tolerance) {
        anomalies.push({
          workload: this.name,
          kind: 'early-lease-expiry',
          detail: `${observed.key}: lease (ttl ${this.options.ttlMs} ms) last granted/renewed at ${observed.lastCall.toFixed(0)} ms expired at revision ${end}, before ${expiredBefore.toFixed(0)} ms: ${(deadline - expiredBefore).toFixed(0)} ms early`,
        })
      }
    }
    return {
      workload: this.name,
      counts: countsOf(this.history.stats),
      models: [{ model: 'lease expiry not early', outcome: anomalies.length === 0 ? 'ok' : 'illegal', operations: checked, elapsedMs: 0 }],
      anomalies,
    }
  }
}

async function renew(lease: Lease): Promise<true> {
  await lease.renew()
  return true
}
