import type { Entry, HardState, Snapshot } from '@clustron/raft'
import type { DurableLog } from '../../src/replica/raft/raft-replica.js'

/** A DurableLog in memory that survives "restarts" of a replica (the object outlives it). */
export class MemoryLog implements DurableLog {
  entries: Entry[] = []
  hardState: HardState = { term: 0, vote: undefined, commit: 0 }
  snapshot: Snapshot | undefined
  syncs = 0
  #buffered: { entries: Entry[]; hardState: HardState | undefined }[] = []

  async open() {
    return { hardState: { ...this.hardState }, snapshot: this.snapshot, entries: [...this.entries] }
  }

  append(entries: readonly Entry[], hardState: HardState | undefined): void {
    this.#buffered.push({ entries: [...entries], hardState })
  }

  async sync(): Promise<void> {
    for (const { entries, hardState } of this.#buffered.splice(0)) {
      for (const entry of entries) {
        const position = this.entries.findIndex((stored) => stored.index >= entry.index)
        if (position >= 0) this.entries.length = position
        this.entries.push(entry)
      }
      if (hardState !== undefined) this.hardState = { ...hardState }
    }
    this.syncs++
  }

  async saveSnapshot(snapshot: Snapshot): Promise<void> {
    this.snapshot = snapshot
    this.entries = this.entries.filter((entry) => entry.index > snapshot.metadata.index)
  }

  async compact(index: number): Promise<void> {
    this.entries = this.entries.filter((entry) => entry.index > index)
  }

  async close(): Promise<void> {
    await this.sync()
  }
}
