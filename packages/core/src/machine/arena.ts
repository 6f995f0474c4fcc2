import { pooledCopy } from '../codec.js'

/**
 * Value bytes live in large shared chunks instead of one Uint8Array per key: a Uint8Array costs
 * V8 ~130 bytes of bookkeeping, more than a typical small value. Chunks are filled by bumping an
 * offset and never written twice, so a view handed out stays valid. When a chunk other than the
 * current one holds less than a quarter of live bytes, its live values move to the current chunk
 * and the chunk is dropped (log-structured compaction); memory stays within ~4x of live bytes
 * in the worst case and near 1x in the common one.
 */

export interface ArenaChunk {
  readonly bytes: Uint8Array
  used: number
  live: number
  /** Slots allocated in this chunk; entries whose slot moved away are skipped on compaction. */
  readonly slots: ArenaSlot[]
}

/** What a record needs to find its bytes; records implement it directly (no extra object). */
export interface ArenaSlot {
  chunk: ArenaChunk | null
  offset: number
  length: number
}

export const arenaChunkBytes = 1 << 20
/** Values at least this large get a chunk of their own (freed as a whole). */
export const arenaLargeValueBytes = 1 << 16

export class ValueArena {
  #current: ArenaChunk = newChunk(arenaChunkBytes)
  #bytesAllocated = arenaChunkBytes
  #bytesLive = 0

  /** Copies `bytes` into the arena and points `slot` at them. The slot must be empty. */
  store(slot: ArenaSlot, bytes: Uint8Array): void {
    const length = bytes.length
    if (length >= arenaLargeValueBytes) {
      const chunk = newChunk(length)
      this.#bytesAllocated += length
      this.#place(chunk, slot, bytes)
      return
    }
    if (this.#current.used + length > this.#current.bytes.length) {
      const previous = this.#current
      this.#current = newChunk(arenaChunkBytes)
      this.#bytesAllocated += arenaChunkBytes
      // The chunk just filled was exempt from release and compaction while it was current, and
      // only a later free() into it would revisit it: without this, a chunk whose values were all
      // overwritten stayed counted in bytesAllocated forever, and one kept by a few small cold
      // values stayed pinned (1 MiB for 100 bytes). Its live bytes (< 1/4 chunk when compacted)
      // fit in the fresh chunk, so the value below still does.
      this.#release(previous)
    }
    this.#place(this.#current, slot, bytes)
  }

  /** Releases the bytes of `slot` (it becomes empty). */
  free(slot: ArenaSlot): void {
    const chunk = slot.chunk
    if (chunk === null) return
    chunk.live -= slot.length
    this.#bytesLive -= slot.length
    slot.chunk = null
    if (chunk === this.#current) return
    this.#release(chunk)
  }

  /** Drops a chunk (not the current one) with no live bytes; compacts one that is mostly dead. */
  #release(chunk: ArenaChunk): void {
    if (chunk.live === 0) {
      this.#bytesAllocated -= chunk.bytes.length
      chunk.slots.length = 0
    } else if (chunk.live * 4 < chunk.used) {
      this.#compact(chunk)
    }
  }

  /** A read-only view of the slot's bytes. */
  view(slot: ArenaSlot): Uint8Array {
    const chunk = slot.chunk
    if (chunk === null) throw new Error('assertion failed: view of an empty arena slot')
    return chunk.bytes.subarray(slot.offset, slot.offset + slot.length)
  }

  /** A copy of the slot's bytes that pins no chunk. */
  copy(slot: ArenaSlot): Uint8Array {
    return pooledCopy(this.view(slot))
  }

  get bytesAllocated(): number {
    return this.#bytesAllocated
  }

  get bytesLive(): number {
    return this.#bytesLive
  }

  #place(chunk: ArenaChunk, slot: ArenaSlot, bytes: Uint8Array): void {
    chunk.bytes.set(bytes, chunk.used)
    slot.chunk = chunk
    slot.offset = chunk.used
    slot.length = bytes.length
    chunk.used += bytes.length
    chunk.live += bytes.length
    chunk.slots.push(slot)
    this.#bytesLive += bytes.length
  }

  #compact(chunk: ArenaChunk): void {
    const slots = chunk.slots.splice(0)
    for (const slot of slots) {
      if (slot.chunk !== chunk) continue
      const bytes = chunk.bytes.subarray(slot.offset, slot.offset + slot.length)
      chunk.live -= slot.length
      this.#bytesLive -= slot.length
      slot.chunk = null
      this.store(slot, bytes)
    }
    this.#bytesAllocated -= chunk.bytes.length
  }
}

function newChunk(size: number): ArenaChunk {
  return { bytes: new Uint8Array(size), used: 0, live: 0, slots: [] }
}
