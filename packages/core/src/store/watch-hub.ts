import type { Notice, RawWatchEvent } from '../machine/types.js'
import { noticeTopicKey, type NoticeListener } from './backend.js'

/** A registered watcher: a key, or a key prefix, and where its events go. */
export interface HubWatcher {
  readonly key: string
  readonly prefix: boolean
  /** The matching events of one revision, in order. Must not throw. */
  deliver(events: RawWatchEvent[]): void
}

/**
 * Routes one replica's committed changes to local listeners: key events to watchers (by exact key
 * or by prefix) and notices to topic listeners. Used by the in-process engine and by each store
 * replica of a node, so both deliver exactly the same events.
 */
export class WatchHub {
  readonly #exact = new Map<string, Set<HubWatcher>>()
  readonly #prefixed = new Set<HubWatcher>()
  readonly #topics = new Map<string, Set<NoticeListener>>()
  #watchers = 0

  get watcherCount(): number {
    return this.#watchers
  }

  add(watcher: HubWatcher): void {
    if (watcher.prefix) {
      if (this.#prefixed.has(watcher)) return
      this.#prefixed.add(watcher)
    } else {
      let set = this.#exact.get(watcher.key)
      if (set === undefined) this.#exact.set(watcher.key, (set = new Set()))
      if (set.has(watcher)) return
      set.add(watcher)
    }
    this.#watchers++
  }

  remove(watcher: HubWatcher): void {
    if (watcher.prefix) {
      if (this.#prefixed.delete(watcher)) this.#watchers--
      return
    }
    const set = this.#exact.get(watcher.key)
    if (set?.delete(watcher) !== true) return
    this.#watchers--
    if (set.size === 0) this.#exact.delete(watcher.key)
  }

  /** Delivers the events of one command (one revision) to the watchers they match. */
  publish(events: readonly RawWatchEvent[]): void {
    if (this.#watchers === 0 || events.length === 0) return
    if (events.length === 1) {
      const event = events[0]!
      this.#exact.get(event.key)?.forEach((watcher) => watcher.deliver([event]))
      for (const watcher of this.#prefixed) if (event.key.startsWith(watcher.key)) watcher.deliver([event])
      return
    }
    const batches = new Map<HubWatcher, RawWatchEvent[]>()
    const add = (watcher: HubWatcher, event: RawWatchEvent) => {
      const batch = batches.get(watcher)
      if (batch === undefined) batches.set(watcher, [event])
      else batch.push(event)
    }
    for (const event of events) {
      this.#exact.get(event.key)?.forEach((watcher) => add(watcher, event))
      for (const watcher of this.#prefixed) if (event.key.startsWith(watcher.key)) add(watcher, event)
    }
    for (const [watcher, batch] of batches) watcher.deliver(batch)
  }

  listen(topic: string, listener: NoticeListener): () => void {
    let set = this.#topics.get(topic)
    if (set === undefined) this.#topics.set(topic, (set = new Set()))
    set.add(listener)
    return () => {
      const current = this.#topics.get(topic)
      if (current?.delete(listener) === true && current.size === 0) this.#topics.delete(topic)
    }
  }

  notify(notices: readonly Notice[]): void {
    if (this.#topics.size === 0) return
    for (const notice of notices) {
      const listeners = this.#topics.get(noticeTopicKey(notice))
      if (listeners === undefined) continue
      for (const listener of [...listeners]) listener(notice)
    }
  }

  /** Sends `resync` to every topic listener (after a reconnect). */
  resyncAll(): void {
    for (const listeners of [...this.#topics.values()]) for (const listener of [...listeners]) listener({ type: 'resync' })
  }
}
