/**
 * A set of keys per prefix: clients put unique keys (some with `ifAbsent`) and now and then list a
 * prefix; after the heal a final list of each prefix. Checked with the key-set model: every
 * acknowledged add is in every later list, nothing appears that was not added.
 */
import type { Store } from '@clustron/client'
import { createKeySetModel, type KeySetInput, type KeySetOutput } from '../checker/index.js'
import { finalRead, History, newStats, recordRead, recordWrite, sleep } from './recorder.js'
import { checkHistory, countsOf, newClientId, type CheckContext, type FaultWorkload, type WorkloadContext, type WorkloadVerdict } from './workload.js'

export const setPrefix = 'set/'

export interface SetOptions {
  clients: number
  /** Independent sets (prefixes `set/0/`, `set/1/`, …): smaller lists, smaller checker partitions. */
  prefixes: number
  thinkMs: number
  /** Chance that an operation lists its prefix rather than adding to it. */
  listChance: number
}

/** A list is one snapshot only when it fits a page: the sets stay far below this. */
const listLimit = 10_000

export class SetWorkload implements FaultWorkload {
  readonly name = 'set'
  readonly history = new History<KeySetInput, KeySetOutput>('set', newStats())
  readonly #prefixes: string[]

  constructor(private readonly options: SetOptions) {
    this.#prefixes = Array.from({ length: options.prefixes }, (_, index) => `${setPrefix}${index}/`)
  }

  async run(context: WorkloadContext): Promise<void> {
    await Promise.all(Array.from({ length: this.options.clients }, async () => this.#client(context, await context.connect())))
  }

  async #client(context: WorkloadContext, store: Store): Promise<void> {
    const id = newClientId()
    const random = context.random.fork(`set-${id}`)
    for (let sequence = 0; context.isActive(); sequence++) {
      await sleep(random.exponential(this.options.thinkMs))
      const prefix = random.pick(this.#prefixes)
      if (random.chance(this.options.listChance)) {
        await this.#list(context, store, id, prefix, recordRead)
        continue
      }
      const key = `${prefix}${String(id).padStart(3, '0')}-${String(sequence).padStart(6, '0')}`
      const ifAbsent = random.chance(0.2)
      const outcome = await recordWrite(
        this.history,
        context.clock,
        id,
        { type: 'add', prefix, key, ...(ifAbsent ? { ifAbsent } : {}) },
        () => store.put(key, id, ifAbsent ? { ifAbsent } : {}),
        (result) => ({ ok: result.ok }),
      )
      if ('value' in outcome && outcome.value.ok) {
        context.acknowledged.push({ key, revision: outcome.value.revision, version: outcome.value.version, value: id })
        context.timeline.add(outcome.value.revision, outcome.call, outcome.return)
      }
    }
  }

  #list(context: WorkloadContext, store: Store, id: number, prefix: string, read: typeof recordRead): ReturnType<typeof recordRead> {
    return read(this.history, context.clock, id, { type: 'list', prefix }, async () => {
      const result = await store.list({ prefix, keysOnly: true, limit: listLimit })
      if (result.more) throw new Error(`set ${prefix} outgrew one list page`)
      return result
    }, (result) => ({ keys: result.entries.map((entry) => entry.key) }))
  }

  async finalReads(context: WorkloadContext): Promise<void> {
    const store = await context.connect()
    const id = newClientId()
    for (const prefix of this.#prefixes) await this.#list(context, store, id, prefix, (history, clock, clientId, input, run, output) => finalRead(history, clock, clientId, input, run, output))
  }

  async check(context: CheckContext): Promise<WorkloadVerdict> {
    const { verdict, anomalies } = await checkHistory(this.name, createKeySetModel(), this.history, context)
    return { workload: this.name, counts: countsOf(this.history.stats), models: [verdict], anomalies }
  }
}
