/**
 * Registers: get, put, compare-and-set (`ifVersion` from the client's last observation), `ifAbsent`
 * and deletes on a few hot keys, checked with the KV register model (versions and revisions
 * included). Every value is unique, so a read names the write it saw.
 */
import type { Entry, Store, WriteResult } from '@clustron/client'
import { createKvRegisterModel, type KvEntryObservation, type KvInput, type KvOutput } from '../checker/index.js'
import { finalRead, History, newStats, recordRead, recordWrite, sleep } from './recorder.js'
import { checkHistory, countsOf, newClientId, type CheckContext, type FaultWorkload, type WorkloadContext, type WorkloadVerdict } from './workload.js'

export const registerPrefix = 'reg/'

export function observe(entry: Entry | undefined): KvEntryObservation | undefined {
  return entry === undefined ? undefined : { value: entry.value, version: entry.version, modRevision: entry.modRevision }
}

export function writeOutput(result: WriteResult): KvOutput {
  if (result.ok) return { ok: true, version: result.version, revision: result.revision }
  if (result.reason === 'fenced') throw new Error('assertion failed: an unfenced put was refused as fenced')
  const current = observe(result.current)
  return current === undefined ? { ok: false, reason: result.reason } : { ok: false, reason: result.reason, current }
}

export interface RegisterOptions {
  clients: number
  keys: number
  /** Mean pause between a client's operations. */
  thinkMs: number
}

export class RegisterWorkload implements FaultWorkload {
  readonly name = 'register'
  readonly history = new History<KvInput, KvOutput>('register', newStats())
  readonly #keys: string[]

  constructor(private readonly options: RegisterOptions) {
    this.#keys = Array.from({ length: options.keys }, (_, index) => `${registerPrefix}${index}`)
  }

  async run(context: WorkloadContext): Promise<void> {
    await Promise.all(Array.from({ length: this.options.clients }, async () => this.#client(context, await context.connect())))
  }

  async #client(context: WorkloadContext, store: Store): Promise<void> {
    const id = newClientId()
    const random = context.random.fork(`register-${id}`)
    const versions = new Map<string, number>()
    for (let sequence = 0; context.isActive(); sequence++) {
      await sleep(random.exponential(this.options.thinkMs))
      const key = random.pick(this.#keys)
      const roll = random.next()
      if (roll < 0.35) {
        const read = await recordRead(this.history, context.clock, id, { type: 'get', key }, () => store.get(key), (value) => ({ entry: observe(value) }))
        if (read?.value !== undefined) versions.set(key, read.value.version)
        continue
      }
      if (roll < 0.85) {
        const value = `${id}.${sequence}`
        const condition = roll < 0.6 ? {} : roll < 0.8 ? { ifVersion: versions.get(key) ?? random.int(0, 2) } : { ifAbsent: true }
        const input: KvInput = { type: 'put', key, value, ...condition }
        const outcome = await recordWrite(this.history, context.clock, id, input, () => store.put(key, value, condition), writeOutput)
        if ('value' in outcome) {
          if (outcome.value.ok) {
            versions.set(key, outcome.value.version)
            context.acknowledged.push({ key, revision: outcome.value.revision, version: outcome.value.version, value })
            context.timeline.add(outcome.value.revision, outcome.call, outcome.return)
          } else if (outcome.value.current !== undefined) versions.set(key, outcome.value.current.version)
        }
        continue
      }
      const condition = random.chance(0.5) && versions.has(key) ? { ifVersion: versions.get(key)! } : {}
      await recordWrite(this.history, context.clock, id, { type: 'delete', key, ...condition }, () => store.delete(key, condition), (deleted) => ({ deleted }))
    }
  }

  async finalReads(context: WorkloadContext): Promise<void> {
    const store = await context.connect()
    const id = newClientId()
    for (const key of this.#keys) await finalRead(this.history, context.clock, id, { type: 'get', key }, () => store.get(key), (value) => ({ entry: observe(value) }))
  }

  async check(context: CheckContext): Promise<WorkloadVerdict> {
    const { verdict, anomalies } = await checkHistory(this.name, createKvRegisterModel(), this.history, context)
    return { workload: this.name, counts: countsOf(this.history.stats), models: [verdict], anomalies }
  }
}
