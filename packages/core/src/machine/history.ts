import { CompactedError } from '../errors.js'
import type { RawWatchEvent } from './types.js'

export interface HistoryBounds {
  revisions: number
  events: number
  bytes: number
}

export interface HistoryBatch {
  revision: number
  events: readonly RawWatchEvent[]
}

/**
 * The events of the last `bounds.revisions` revisions, for `watch({ fromRevision })`. It is part
 * of the replicated state (and of snapshots), so every replica can resume a watch identically.
 * Also bounded by event count and bytes: one revision may hold a million events (a clear).
 */
export class WatchHistory {
  #batches: HistoryBatch[] = []
  #head = 0
  #events = 0
  #bytes = 0
  #compactRevision = 0

  constructor(readonly bounds: HistoryBounds) {}

  /** Revisions at or below this one are no longer retained. */
  get compactRevision(): number {
    return this.#compactRevision
  }

  get eventCount(): number {
    return this.#events
  }

  append(revision: number, events: readonly RawWatchEvent[]): void {
    if (events.length > 0) {
      this.#batches.push({ revision, events })
      this.#events += events.length
      this.#bytes += eventsBytes(events)
    }
    this.#compactTo(Math.max(this.#compactRevision, revision - this.bounds.revisions))
    while (this.#head < this.#batches.length && (this.#events > this.bounds.events || this.#bytes > this.bounds.bytes)) {
      this.#compactTo(this.#batches[this.#head]!.revision)
    }
  }

  /** Events with revision >= fromRevision; throws COMPACTED when fromRevision is no longer retained. */
  since(fromRevision: number): RawWatchEvent[] {
    if (fromRevision <= this.#compactRevision) {
      throw new CompactedError(
        `revision ${fromRevision} is compacted: the store retains revisions above ${this.#compactRevision}; watch from a newer revision or read the current state (initial: true)`,
        { details: { compactRevision: this.#compactRevision } },
      )
    }
    const out: RawWatchEvent[] = []
    for (let index = this.#firstAtOrAbove(fromRevision); index < this.#batches.length; index++) {
      for (const event of this.#batches[index]!.events) out.push(event)
    }
    return out
  }

  /** All retained batches, oldest first (for snapshots). */
  batches(): HistoryBatch[] {
    return this.#batches.slice(this.#head)
  }

  /** Restores retained batches and the compact revision exactly (snapshot restore). */
  restore(compactRevision: number, batches: HistoryBatch[]): void {
    this.#batches = batches
    this.#head = 0
    this.#events = batches.reduce((sum, batch) => sum + batch.events.length, 0)
    this.#bytes = batches.reduce((sum, batch) => sum + eventsBytes(batch.events), 0)
    this.#compactRevision = compactRevision
  }

  #compactTo(revision: number): void {
    this.#compactRevision = revision
    while (this.#head < this.#batches.length && this.#batches[this.#head]!.revision <= revision) {
      const batch = this.#batches[this.#head]!
      this.#events -= batch.events.length
      this.#bytes -= eventsBytes(batch.events)
      // Drop the reference now: the slot stays in the array until the next compaction slice.
      this.#batches[this.#head] = undefined as unknown as HistoryBatch
      this.#head++
    }
    // Reclaim the consumed head once it dominates the array (amortized O(1) per batch).
    if (this.#head > 1024 && this.#head * 2 > this.#batches.length) {
      this.#batches = this.#batches.slice(this.#head)
      this.#head = 0
    }
  }

  #firstAtOrAbove(revision: number): number {
    let low = this.#head
    let high = this.#batches.length
    while (low < high) {
      const middle = (low + high) >>> 1
      if (this.#batches[middle]!.revision < revision) low = middle + 1
      else high = middle
    }
    return low
  }
}

function eventsBytes(events: readonly RawWatchEvent[]): number {
  let bytes = 0
  for (const event of events) {
    bytes += 64 + event.key.length + (event.value?.length ?? 0) + (event.prev === undefined ? 0 : 48 + event.prev.value.length)
  }
  return bytes
}
