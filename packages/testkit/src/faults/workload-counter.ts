/**
 * Counters: add with and without bounds, set, get on a few keys, checked with the counter model
 * (a bounded add that would leave its range must change nothing and report the current value).
 */
import type { Store } from '@clustron/client'
import { createCounterModel, type CounterInput, type CounterOutput } from '../checker/index.js'
import { finalRead, History, newStats, recordRead, recordWrite, sleep } from './recorder.js'
import { checkHistory, countsOf, newClientId, type CheckContext, type FaultWorkload, type WorkloadContext, type WorkloadVerdict } from './workload.js'

export const counterPrefix = 'ctr/'

export interface CounterOptions {
  clients: number
  keys: number
  thinkMs: number
}

export class CounterWorkload implements FaultWorkload {
  readonly name = 'counter'
  readonly history = new History<CounterInput, CounterOutput>('counter', newStats())
  readonly #keys: string[]

  constructor(private readonly options: CounterOptions) {
    this.#keys = Array.from({ length: options.keys }, (_, index) => `${counterPrefix}${index}`)
  }

  async run(context: WorkloadContext): Promise<void> {
    await Promise.all(Array.from({ length: this.options.clients }, async () => this.#client(context, await context.connect())))
  }

  async #client(context: WorkloadContext, store: Store): Promise<void> {
    const id = newClientId()
    const random = context.random.fork(`counter-${id}`)
    while (context.isActive()) {
      await sleep(random.exponential(this.options.thinkMs))
      const key = random.pick(this.#keys)
      const roll = random.next()
      if (roll < 0.25) {
        await recordRead(this.history, context.clock, id, { type: 'get', key }, () => store.counters.get(key), (value) => ({ value }))
      } else if (roll < 0.3) {
        const value = random.int(0, 6)
        await recordWrite(this.history, context.clock, id, { type: 'set', key, value }, () => store.counters.set(key, value), (previous) => ({ previous }))
      } else {
        const delta = random.pick([-3, -2, -1, 1, 1, 2, 3])
        const bounds = random.chance(0.6) ? { min: 0, max: 10 } : {}
        await recordWrite(
          this.history,
          context.clock,
          id,
          { type: 'add', key, delta, ...bounds },
          () => store.counters.add(key, delta, bounds),
          (result): CounterOutput => (result.ok ? { ok: true, value: result.value, previous: result.previous } : { ok: false, value: result.value }),
        )
      }
    }
  }

  async finalReads(context: WorkloadContext): Promise<void> {
    const store = await context.connect()
    const id = newClientId()
    for (const key of this.#keys) await finalRead(this.history, context.clock, id, { type: 'get', key }, () => store.counters.get(key), (value) => ({ value }))
  }

  async check(context: CheckContext): Promise<WorkloadVerdict> {
    const { verdict, anomalies } = await checkHistory(this.name, createCounterModel(), this.history, context)
    return { workload: this.name, counts: countsOf(this.history.stats), models: [verdict], anomalies }
  }
}
