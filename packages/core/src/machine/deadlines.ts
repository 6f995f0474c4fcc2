/**
 * Deadlines of TTL keys and leases: a binary min-heap with lazy deletion. Setting a new deadline
 * pushes an entry; the old one stays until it surfaces and is found stale (the owner's current
 * deadline differs). Expiring k of n items costs O(k log n), never a scan. When stale entries
 * outnumber live ones the heap is rebuilt from the live set, so it stays O(live).
 */

export type DeadlineKind = 'key' | 'lease'

export interface Deadline {
  at: number
  kind: DeadlineKind
  id: string
}

export class DeadlineHeap {
  #heap: Deadline[] = []

  get size(): number {
    return this.#heap.length
  }

  push(at: number, kind: DeadlineKind, id: string): void {
    const heap = this.#heap
    heap.push({ at, kind, id })
    let index = heap.length - 1
    const item = heap[index]!
    while (index > 0) {
      const parent = (index - 1) >> 1
      const parentItem = heap[parent]!
      if (parentItem.at <= item.at) break
      heap[index] = parentItem
      index = parent
    }
    heap[index] = item
  }

  peek(): Deadline | undefined {
    return this.#heap[0]
  }

  pop(): Deadline | undefined {
    const heap = this.#heap
    const top = heap[0]
    if (top === undefined) return undefined
    const last = heap.pop()!
    if (heap.length > 0) {
      heap[0] = last
      this.#siftDown(0)
    }
    return top
  }

  /** Replaces the contents with `live` (heapified in O(n)). */
  rebuild(live: Deadline[]): void {
    this.#heap = live
    for (let index = (live.length >> 1) - 1; index >= 0; index--) this.#siftDown(index)
  }

  clear(): void {
    this.#heap = []
  }

  #siftDown(start: number): void {
    const heap = this.#heap
    const length = heap.length
    const item = heap[start]!
    let index = start
    for (;;) {
      const left = 2 * index + 1
      if (left >= length) break
      const right = left + 1
      let child = left
      if (right < length && heap[right]!.at < heap[left]!.at) child = right
      if (heap[child]!.at >= item.at) break
      heap[index] = heap[child]!
      index = child
    }
    heap[index] = item
  }
}
