/**
 * Watch: writers put and delete keys under `watch/`, several watchers (each with its own client,
 * seeded with a different node first) watch the prefix from the revision the workload started at.
 * When a watch iterator fails (the client gave up resuming), the watcher re-opens it from the
 * revision after the last event it got and marks the reconnect in its stream. After the heal each
 * watcher must catch up to a final marker; then every stream is validated against the committed
 * history: strictly increasing revisions, no gap, no duplicate, values as committed, reconnects
 * that neither skip nor repeat.
 */
import { ClustronError, type Store } from '@clustron/client'
import { formatWatchAnomalies, validateWatches, watchReconnect, type WatcherRecord, type WatchStreamItem } from '../checker/index.js'
import { History, newStats, recordWrite, sleep } from './recorder.js'
import { countsOf, newClientId, writeText, type Anomaly, type CheckContext, type FaultWorkload, type WorkloadContext, type WorkloadVerdict } from './workload.js'

export const watchPrefix = 'watch/'
const endKey = `${watchPrefix}end`

export interface WatchOptions {
  writers: number
  keys: number
  thinkMs: number
  /** URLs of the watchers' clients (e.g. one per node, that node first among the seeds). */
  watcherUrls: readonly string[]
  /** After the heal: how long a watcher may take to deliver the final marker. */
  catchUpTimeoutMs: number
}

class Watcher {
  readonly received: WatchStreamItem[] = []
  lastRevision = 0
  reopened = 0
  #closed = false
  #close: (() => void) | undefined
  readonly done: Promise<void>

  constructor(
    readonly name: string,
    private readonly store: Store,
    readonly fromRevision: number,
    private readonly onEvent: (revision: number) => void,
  ) {
    this.done = this.#loop()
  }

  async #loop(): Promise<void> {
    let from = this.fromRevision
    while (!this.#closed) {
      try {
        const watch = this.store.watch(watchPrefix, { prefix: true, fromRevision: from })
        this.#close = () => watch.close()
        for await (const event of watch) {
          const item: WatchStreamItem = { type: event.type, key: event.key, version: event.version, revision: event.revision }
          if (event.type === 'put') item.value = event.value
          if (event.reason !== undefined) item.reason = event.reason
          this.received.push(item)
          this.lastRevision = Math.max(this.lastRevision, event.revision)
          this.onEvent(event.revision)
        }
      } catch (error) {
        // The store was closed (the run ended): stop. Otherwise the client could not resume by
        // itself (its deadline passed): re-open below.
        if (error instanceof ClustronError && error.code === 'CLOSED') return
      }
      if (this.#closed) return
      this.received.push(watchReconnect)
      this.reopened++
      // Resume after the last complete revision: a revision's events arrive together.
      from = this.lastRevision + 1
      await sleep(100)
    }
  }

  close(): Promise<void> {
    this.#closed = true
    this.#close?.()
    return this.done
  }
}

export class WatchWorkload implements FaultWorkload {
  readonly name = 'watch'
  readonly history = new History<{ type: 'write' }, { revision: number }>('watch', newStats())
  readonly #keys: string[]
  readonly #watchers: Watcher[] = []
  #startRevision = 0
  #endRevision: number | undefined

  constructor(private readonly options: WatchOptions) {
    this.#keys = Array.from({ length: options.keys }, (_, index) => `${watchPrefix}${index}`)
  }

  async setup(context: WorkloadContext): Promise<void> {
    const store = await context.connect()
    const result = await store.put(`${watchPrefix}start`, true)
    if (!result.ok) throw new Error('assertion failed: an unconditional put failed')
    this.#startRevision = result.revision
    for (const [index, url] of this.options.watcherUrls.entries()) {
      const watcherStore = await context.connect(url)
      this.#watchers.push(new Watcher(`watcher-${index}`, watcherStore, this.#startRevision, (revision) => context.timeline.seen(revision, context.clock.now())))
    }
  }

  async run(context: WorkloadContext): Promise<void> {
    await Promise.all(Array.from({ length: this.options.writers }, async () => this.#writer(context, await context.connect())))
  }

  async #writer(context: WorkloadContext, store: Store): Promise<void> {
    const id = newClientId()
    const random = context.random.fork(`watch-${id}`)
    for (let sequence = 0; context.isActive(); sequence++) {
      await sleep(random.exponential(this.options.thinkMs))
      const key = random.pick(this.#keys)
      if (random.chance(0.2)) {
        await recordWrite(this.history, context.clock, id, { type: 'write' }, () => store.delete(key), () => ({ revision: 0 }))
      } else {
        await recordWrite(this.history, context.clock, id, { type: 'write' }, () => store.put(key, `${id}.${sequence}`), (result) => ({ revision: result.ok ? result.revision : 0 }))
      }
    }
  }

  /** After the heal: a final marker, which every watcher must deliver in time. */
  async finalReads(context: WorkloadContext): Promise<void> {
    const store = await context.connect()
    for (let attempt = 0; attempt < 40 && this.#endRevision === undefined; attempt++) {
      try {
        const result = await store.put(endKey, true)
        if (result.ok) this.#endRevision = result.revision
      } catch {
        await sleep(250)
      }
    }
    const deadline = performance.now() + this.options.catchUpTimeoutMs
    while (this.#endRevision !== undefined && this.#watchers.some((watcher) => watcher.lastRevision < this.#endRevision!) && performance.now() < deadline) await sleep(50)
    await Promise.all(this.#watchers.map((watcher) => watcher.close()))
  }

  async check(context: CheckContext): Promise<WorkloadVerdict> {
    const anomalies: Anomaly[] = []
    if (this.#endRevision === undefined) anomalies.push({ workload: this.name, kind: 'no-final-marker', detail: 'the final marker could not be written' })
    const records: WatcherRecord[] = this.#watchers.map((watcher) => {
      const record: WatcherRecord = { watcher: watcher.name, key: watchPrefix, prefix: true, start: { kind: 'fromRevision', revision: this.#startRevision }, received: watcher.received }
      if (this.#endRevision !== undefined && watcher.lastRevision >= this.#endRevision) record.caughtUpToRevision = this.#endRevision
      else anomalies.push({ workload: this.name, kind: 'watch-stalled', detail: `${watcher.name} got to revision ${watcher.lastRevision}, not to the final marker's ${this.#endRevision ?? '?'} within ${this.options.catchUpTimeoutMs} ms` })
      return record
    })
    const started = performance.now()
    const watchAnomalies = validateWatches(context.committed.under(watchPrefix), records)
    const elapsedMs = performance.now() - started
    if (watchAnomalies.length > 0) {
      const report = await writeText(context.reportDirectory, `${context.reportName}-watch.txt`, formatWatchAnomalies(watchAnomalies))
      for (const anomaly of watchAnomalies.slice(0, 20)) anomalies.push({ workload: this.name, kind: `watch-${anomaly.kind}`, detail: `${anomaly.watcher} revision ${anomaly.revision} ${anomaly.key}: ${anomaly.detail}`, report })
    }
    const events = this.#watchers.reduce((sum, watcher) => sum + watcher.received.length, 0)
    const reopened = this.#watchers.reduce((sum, watcher) => sum + watcher.reopened, 0)
    return {
      workload: this.name,
      counts: countsOf(this.history.stats),
      models: [{ model: `watch validator (${this.#watchers.length} watchers, ${events} events, ${reopened} re-opened)`, outcome: watchAnomalies.length === 0 ? 'ok' : 'illegal', operations: events, elapsedMs }],
      anomalies,
    }
  }
}
