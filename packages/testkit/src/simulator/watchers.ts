/**
 * Watchers the way the server builds them on a replica: registered through `onApplied` (which
 * publishes every applied command's events synchronously, in log order, including the events a
 * snapshot install skipped), resumed after their node crashes on another node from the last
 * revision delivered (`eventsSince`, then `onApplied` with duplicates filtered). What they received
 * is validated against the committed history: in order, no gap, no duplicate, equal to what was
 * committed, and no skip or repeat across a reconnect.
 */
import { decodeValue, type RawWatchEvent } from '@clustron/core/internal'
import { watchReconnect, type WatcherRecord, type WatchStart, type WatchStreamItem } from '../checker/index.js'
import type { SimCluster, SimNode } from './cluster.js'
import type { Random } from './random.js'

export class SimWatcher {
  readonly received: WatchStreamItem[] = []
  start: WatchStart | undefined
  /** Set when the watcher could not resume (its revision was compacted everywhere it tried). */
  ended: string | undefined
  reconnects = 0
  #lastRevision = 0
  #node: string | undefined
  #detach: (() => void) | undefined

  constructor(
    readonly name: string,
    readonly prefix: string,
    private readonly cluster: SimCluster,
    private readonly random: Random,
  ) {
    cluster.onNodeUp(() => {
      if (this.#node === undefined) this.attach()
    })
  }

  get node(): string | undefined {
    return this.#node
  }

  get lastRevision(): number {
    return this.#lastRevision
  }

  /** Attaches to a random up node (resuming if it was attached before). */
  attach(): void {
    if (this.ended !== undefined || this.#node !== undefined) return
    const candidates = this.cluster.nodes.filter((node) => node.up)
    if (candidates.length === 0) return
    this.#attachTo(this.random.pick(candidates))
  }

  /** Moves to another node now (a client reconnecting elsewhere). */
  move(): void {
    this.#detachNow()
    this.attach()
  }

  record(caughtUpToRevision: number | undefined): WatcherRecord {
    const record: WatcherRecord = { watcher: this.name, key: this.prefix, prefix: true, start: this.start ?? { kind: 'now', registeredRevision: 0 }, received: this.received }
    if (caughtUpToRevision !== undefined) record.caughtUpToRevision = caughtUpToRevision
    return record
  }

  #attachTo(node: SimNode): void {
    const replica = node.replica!
    if (this.start === undefined) {
      this.start = { kind: 'now', registeredRevision: replica.revision }
      this.#lastRevision = replica.revision
    } else {
      this.received.push(watchReconnect)
      this.reconnects++
      let backlog: RawWatchEvent[]
      try {
        backlog = replica.eventsSince(this.#lastRevision + 1)
      } catch (error) {
        this.ended = `resume from ${this.#lastRevision + 1} on ${node.id} failed: ${String(error)}`
        return
      }
      this.#deliver(backlog)
    }
    this.#node = node.id
    const unsubscribe = replica.onApplied((applied) => this.#deliver(applied.events))
    const release = this.cluster.onCrashOf(node.id, () => {
      this.#detachNow()
      this.attach()
    })
    this.#detach = () => {
      unsubscribe()
      release()
    }
  }

  #detachNow(): void {
    this.#detach?.()
    this.#detach = undefined
    this.#node = undefined
  }

  /** Delivers events past the last delivered revision (a resumed watch must not repeat). */
  #deliver(events: readonly RawWatchEvent[]): void {
    let newest = this.#lastRevision
    for (const event of events) {
      if (event.revision <= this.#lastRevision || !event.key.startsWith(this.prefix)) {
        newest = Math.max(newest, event.revision)
        continue
      }
      const item: WatchStreamItem = { type: event.type, key: event.key, version: event.version, revision: event.revision }
      if (event.value !== undefined) item.value = decodeValue(event.value)
      if (event.reason !== undefined) item.reason = event.reason
      this.received.push(item)
      newest = Math.max(newest, event.revision)
    }
    this.#lastRevision = newest
  }
}
