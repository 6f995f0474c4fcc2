import { checkKey, WatchHub, type RawEntry, type WatchRequest } from '@clustron/core/internal'
import type { StoreReplica } from './replica/store-replica.js'

/**
 * A store as one node hosts it: its replica, and a watch hub that routes what the replica applies
 * to the watches and notice subscriptions of this node's connections. Every applied output goes
 * through the hub synchronously, so registering a watch (read state, then join the hub) in one
 * turn can never miss or repeat an event.
 */
export class StoreHost {
  readonly hub = new WatchHub()
  readonly #detach: () => void

  constructor(readonly replica: StoreReplica) {
    this.#detach = replica.onApplied((applied) => {
      this.hub.publish(applied.events)
      if (applied.notices.length > 0) this.hub.notify(applied.notices)
    })
  }

  get name(): string {
    return this.replica.store
  }

  /** Every entry a watch covers, at the current revision (paged internally, one snapshot: no turn passes). */
  currentEntries(request: WatchRequest): RawEntry[] {
    const replica = this.replica
    if (!request.prefix) {
      const entry = replica.readLocal({ type: 'get', key: request.key })
      return entry === undefined ? [] : [entry]
    }
    const entries: RawEntry[] = []
    const limit = replica.limits.listLimitMax
    let start: string | undefined
    for (;;) {
      const page = replica.readLocal(start === undefined ? { type: 'list', prefix: request.key, limit } : { type: 'list', start, limit })
      for (const entry of page.entries) {
        if (!entry.key.startsWith(request.key)) return entries
        entries.push(entry)
      }
      if (!page.more || page.entries.length === 0) return entries
      // The next page starts just above the last key: the key followed by U+0000 sorts right after it.
      start = page.entries[page.entries.length - 1]!.key + '\u0000'
    }
  }

  /** Checks a watch request's key like the machine checks keys ('' is a valid prefix: everything). */
  checkWatchKey(request: WatchRequest): void {
    if (request.prefix && request.key === '') return
    checkKey(request.key, this.replica.limits.keyBytesMax, request.prefix ? 'prefix' : 'key')
  }

  async close(): Promise<void> {
    this.#detach()
    await this.replica.close()
  }
}
