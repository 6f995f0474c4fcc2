/**
 * The clients' workload: each client runs sessions back to back (a random mix of register, counter,
 * set, lock, lease and transaction operations) while the safety phase lasts, then finishes what it
 * started. Afterwards one more client performs the final reads (every key, lock and set), which go
 * into the histories too: linearizability then implies that every acknowledged write is visible.
 */
import type { Outcome, SimClient } from './client.js'
import { Histories, type PendingOperation } from './histories.js'
import { counterKeys, counterOperation, kvKeys, observeEntry, registerOperation, setOperation, setPrefix, settle } from './workload-keys.js'
import { leaseOperation, lockNames, lockOperation } from './workload-locks.js'
import { accountKeys, txnOperation } from './workload-txn.js'

type Session = (client: SimClient, workload: Workload) => Promise<void>

const sessions: readonly { weight: number; run: Session }[] = [
  { weight: 30, run: registerOperation },
  { weight: 15, run: counterOperation },
  { weight: 10, run: setOperation },
  { weight: 20, run: lockOperation },
  { weight: 8, run: leaseOperation },
  { weight: 17, run: txnOperation },
]
const totalWeight = sessions.reduce((sum, session) => sum + session.weight, 0)

export interface AcknowledgedWrite {
  key: string
  revision: number
  version: number | undefined
}

export interface WorkloadOptions {
  /** Mean pause between a client's sessions. */
  thinkMeanMs: number
}

export class Workload {
  readonly histories = new Histories()
  readonly acknowledgedWrites: AcknowledgedWrite[] = []
  /** New sessions start only while active (the safety phase). */
  active = true
  readonly #leases = new Map<number, string>()
  #running = 0

  constructor(private readonly options: WorkloadOptions) {}

  /** Sessions still running (the liveness phase waits for zero). */
  get running(): number {
    return this.#running
  }

  leaseOf(client: SimClient): string | undefined {
    return this.#leases.get(client.id)
  }

  setLease(client: SimClient, lease: string | undefined): void {
    if (lease === undefined) this.#leases.delete(client.id)
    else this.#leases.set(client.id, lease)
  }

  acknowledged(key: string, revision: number, version: number | undefined): void {
    this.acknowledgedWrites.push({ key, revision, version })
  }

  /** Runs one client until the workload stops; failures inside end up in the histories, not here. */
  async runClient(client: SimClient): Promise<void> {
    this.#running++
    try {
      while (this.active) {
        await client.sleep(client.random.exponential(this.options.thinkMeanMs))
        if (!this.active) break
        await this.#pick(client)(client, this)
      }
    } finally {
      this.#running--
    }
  }

  /** The final reads: every register, counter, lock, account and the set, retried until answered. */
  async finalReads(client: SimClient): Promise<boolean> {
    const reads: (() => Promise<boolean>)[] = [
      ...kvKeys.map((key) => () => this.#finalRead(client, this.histories.kv, { type: 'get', key }, async () => client.read({ type: 'get', key }), (entry) => ({ entry: observeEntry(entry) }))),
      ...counterKeys.map((key) => () => this.#finalRead(client, this.histories.counter, { type: 'get', key }, async () => client.read({ type: 'get', key }), (entry) => ({ value: entry === undefined ? 0 : (observeEntry(entry)!.value as number) }))),
      ...accountKeys.map((key) => () => this.#finalRead(client, this.histories.txn, { type: 'get', key }, async () => client.read({ type: 'get', key }), (entry) => ({ entry: observeEntry(entry) }))),
      ...lockNames.map((name) => () => this.#finalRead(client, this.histories.lock, { type: 'holder', name }, async () => client.read({ type: 'lockHolder', kind: 'lock', name }), (holder) => ({ holder: holder === undefined ? undefined : { token: holder.token } }))),
      () => this.#finalRead(client, this.histories.set, { type: 'list', prefix: setPrefix }, async () => client.read({ type: 'list', prefix: setPrefix, keysOnly: true }), (result) => ({ keys: result.entries.map((entry) => entry.key) })),
    ]
    for (const read of reads) if (!(await read())) return false
    return true
  }

  async #finalRead<I, O, T>(
    client: SimClient,
    history: { begin(clientId: number, input: I, callMs: number): PendingOperation<I, O> },
    input: I,
    run: () => Promise<Outcome<T>>,
    output: (value: T) => O,
  ): Promise<boolean> {
    for (let attempt = 0; attempt < 20; attempt++) {
      const call = client.now()
      const outcome = await run()
      if (outcome.kind === 'ok') {
        const pending = history.begin(client.id, input, call)
        settle(pending, outcome, client, output)
        return true
      }
      await client.sleep(200)
    }
    return false
  }

  #pick(client: SimClient): Session {
    let roll = client.random.next() * totalWeight
    for (const session of sessions) {
      roll -= session.weight
      if (roll < 0) return session.run
    }
    return sessions[0]!.run
  }
}
