/**
 * Bank transfers: a few accounts, clients move money between two of them with `transaction()`
 * (optimistic, retried on conflict) and read all balances in one snapshot (`getMany`). The total
 * never changes: every snapshot read, the final read, and the committed history after every
 * revision must show the same total, and no balance goes negative (transfers check the balance).
 *
 * A transfer whose commit timed out may be re-run by `transaction()` or may have applied: either
 * way each applied transfer is balanced, so the invariant holds whatever the unknowns did.
 */
import { ClustronError, type Store } from '@clustron/client'
import { History, newStats, recordRead, recordWrite, sleep } from './recorder.js'
import { countsOf, newClientId, type Anomaly, type CheckContext, type FaultWorkload, type WorkloadContext, type WorkloadVerdict } from './workload.js'

export const bankPrefix = 'bank/'

export interface BankOptions {
  clients: number
  accounts: number
  initialBalance: number
  thinkMs: number
}

type BankInput = { type: 'transfer'; from: string; to: string; amount: number } | { type: 'read' }
type BankOutput = { moved: boolean } | { balances: number[] }

export class BankWorkload implements FaultWorkload {
  readonly name = 'bank'
  readonly history = new History<BankInput, BankOutput>('bank', newStats())
  readonly #accounts: string[]
  readonly #anomalies: Anomaly[] = []
  #finalReads = 0

  constructor(private readonly options: BankOptions) {
    this.#accounts = Array.from({ length: options.accounts }, (_, index) => `${bankPrefix}${index}`)
  }

  get total(): number {
    return this.options.accounts * this.options.initialBalance
  }

  async setup(context: WorkloadContext): Promise<void> {
    const store = await context.connect()
    await store.putMany(this.#accounts.map((key): [string, number] => [key, this.options.initialBalance]))
  }

  async run(context: WorkloadContext): Promise<void> {
    await Promise.all(Array.from({ length: this.options.clients }, async () => this.#client(context, await context.connect())))
  }

  async #client(context: WorkloadContext, store: Store): Promise<void> {
    const id = newClientId()
    const random = context.random.fork(`bank-${id}`)
    while (context.isActive()) {
      await sleep(random.exponential(this.options.thinkMs))
      if (random.chance(0.3)) {
        await this.#read(context, store, id)
        continue
      }
      const [from, to] = random.shuffle(this.#accounts)
      const amount = random.int(1, 30)
      await recordWrite(this.history, context.clock, id, { type: 'transfer', from: from!, to: to!, amount }, () => this.#transfer(store, from!, to!, amount), (moved) => ({ moved }))
    }
  }

  async #transfer(store: Store, from: string, to: string, amount: number): Promise<boolean> {
    try {
      return await store.transaction(async (tx) => {
        const source = (await tx.get<number>(from))?.value ?? 0
        const target = (await tx.get<number>(to))?.value ?? 0
        if (source < amount) return false
        tx.put(from, source - amount)
        tx.put(to, target + amount)
        return true
      }, { retries: 5 })
    } catch (error) {
      // Ran out of retries: nothing committed (the last commit attempt was refused).
      if (error instanceof ClustronError && error.code === 'CONFLICT') return false
      throw error
    }
  }

  async #read(context: WorkloadContext, store: Store, id: number, final = false): Promise<boolean> {
    const answered = await recordRead(this.history, context.clock, id, { type: 'read' }, () => store.getMany<number>(this.#accounts), (entries) => ({ balances: entries.map((entry) => entry?.value ?? 0) }))
    if (answered === undefined) return false
    const balances = answered.value.map((entry) => entry?.value ?? 0)
    const anomaly = this.#checkBalances(balances, final ? 'final read' : 'snapshot read')
    if (anomaly !== undefined) this.#anomalies.push(anomaly)
    return true
  }

  #checkBalances(balances: readonly number[], where: string): Anomaly | undefined {
    const sum = balances.reduce((total, balance) => total + balance, 0)
    if (sum === this.total && balances.every((balance) => balance >= 0)) return undefined
    return { workload: this.name, kind: 'total-not-conserved', detail: `${where}: balances ${balances.join(',')} sum to ${sum}, expected ${this.total}` }
  }

  async finalReads(context: WorkloadContext): Promise<void> {
    const store = await context.connect()
    const id = newClientId()
    for (let attempt = 0; attempt < 40; attempt++) {
      if (await this.#read(context, store, id, true)) {
        this.#finalReads++
        return
      }
      await sleep(250)
    }
  }

  async check(context: CheckContext): Promise<WorkloadVerdict> {
    const anomalies = [...this.#anomalies]
    if (this.#finalReads === 0) anomalies.push({ workload: this.name, kind: 'no-final-read', detail: 'the final read never got an answer' })
    // Replay the committed history: after every revision the accounts hold the total.
    const balances = new Map<string, number>()
    const changes = context.committed.under(bankPrefix)
    for (const [index, change] of changes.entries()) {
      if (change.type === 'put') balances.set(change.key, change.value as number)
      else balances.delete(change.key)
      const next = changes[index + 1]
      if (next !== undefined && next.revision === change.revision) continue
      // Before the setup's putMany (one revision) there is nothing to check.
      if (balances.size < this.#accounts.length) continue
      const anomaly = this.#checkBalances([...balances.values()], `committed revision ${change.revision}`)
      if (anomaly !== undefined) anomalies.push(anomaly)
    }
    const transfers = this.history.checked().filter((operation) => operation.input.type === 'transfer').length
    return {
      workload: this.name,
      counts: countsOf(this.history.stats),
      models: [{ model: 'bank total', outcome: anomalies.length === 0 ? 'ok' : 'illegal', operations: transfers, elapsedMs: 0 }],
      anomalies,
    }
  }
}
