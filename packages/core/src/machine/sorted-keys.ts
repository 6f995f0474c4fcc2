import { compareKeys } from '../keys.js'

/**
 * The ordered index of keys for list/scan/clear: a sorted list of sorted leaves (the layout of
 * Python's SortedContainers). Lookups are two binary searches; an insert shifts at most one leaf
 * (<= 2 * leafSize keys) and, on a split, the short list of leaves. At 1M keys that is ~2k leaves
 * and no per-key node object, which keeps memory to about one pointer per key.
 */
const leafSize = 512

export class SortedKeys {
  /** Leaves in order; every leaf is non-empty and sorted. */
  #leaves: string[][] = []
  /** The first key of each leaf, for the outer binary search. */
  #firsts: string[] = []
  #size = 0

  get size(): number {
    return this.#size
  }

  /** Inserts `key`; returns false when it was already present. */
  insert(key: string): boolean {
    if (this.#leaves.length === 0) {
      this.#leaves.push([key])
      this.#firsts.push(key)
      this.#size = 1
      return true
    }
    const leafIndex = Math.max(0, this.#leafFor(key))
    const leaf = this.#leaves[leafIndex]!
    const position = lowerBound(leaf, key)
    if (position < leaf.length && leaf[position] === key) return false
    leaf.splice(position, 0, key)
    if (position === 0) this.#firsts[leafIndex] = key
    this.#size++
    if (leaf.length > 2 * leafSize) {
      const upper = leaf.splice(leafSize)
      this.#leaves.splice(leafIndex + 1, 0, upper)
      this.#firsts.splice(leafIndex + 1, 0, upper[0]!)
    }
    return true
  }

  /** Removes `key`; returns false when it was absent. */
  remove(key: string): boolean {
    const leafIndex = this.#leafFor(key)
    if (leafIndex < 0) return false
    const leaf = this.#leaves[leafIndex]!
    const position = lowerBound(leaf, key)
    if (position >= leaf.length || leaf[position] !== key) return false
    leaf.splice(position, 1)
    this.#size--
    if (leaf.length === 0) {
      this.#leaves.splice(leafIndex, 1)
      this.#firsts.splice(leafIndex, 1)
    } else if (position === 0) {
      this.#firsts[leafIndex] = leaf[0]!
    }
    return true
  }

  has(key: string): boolean {
    const leafIndex = this.#leafFor(key)
    if (leafIndex < 0) return false
    const leaf = this.#leaves[leafIndex]!
    const position = lowerBound(leaf, key)
    return position < leaf.length && leaf[position] === key
  }

  clear(): void {
    this.#leaves = []
    this.#firsts = []
    this.#size = 0
  }

  /**
   * Keys in [start, end) in ascending order (`end` undefined = no upper bound). The callback returns
   * false to stop. The set must not change during the walk.
   */
  forEachAscending(start: string, end: string | undefined, visit: (key: string) => boolean | void): void {
    let leafIndex = Math.max(0, this.#leafFor(start))
    let position = this.#leaves.length === 0 ? 0 : lowerBound(this.#leaves[leafIndex]!, start)
    for (; leafIndex < this.#leaves.length; leafIndex++, position = 0) {
      const leaf = this.#leaves[leafIndex]!
      for (; position < leaf.length; position++) {
        const key = leaf[position]!
        if (end !== undefined && compareKeys(key, end) >= 0) return
        if (visit(key) === false) return
      }
    }
  }

  /** Keys in [start, end) in descending order (from the greatest key below `end`). */
  forEachDescending(start: string, end: string | undefined, visit: (key: string) => boolean | void): void {
    if (this.#leaves.length === 0) return
    let leafIndex: number
    let position: number
    if (end === undefined) {
      leafIndex = this.#leaves.length - 1
      position = this.#leaves[leafIndex]!.length - 1
    } else {
      leafIndex = this.#leafFor(end)
      if (leafIndex < 0) return
      position = lowerBound(this.#leaves[leafIndex]!, end) - 1
    }
    for (; leafIndex >= 0; leafIndex--) {
      const leaf = this.#leaves[leafIndex]!
      if (position === Number.POSITIVE_INFINITY) position = leaf.length - 1
      for (; position >= 0; position--) {
        const key = leaf[position]!
        if (compareKeys(key, start) < 0) return
        if (visit(key) === false) return
      }
      position = Number.POSITIVE_INFINITY
    }
  }

  /** Number of keys in [start, end) (0 when end <= start). */
  countRange(start: string, end: string | undefined): number {
    // Clamped: with end below start the ranks subtract to a negative count (count({start: 'b', end: 'a'})
    // answered -n), while list/clear of the same range are empty.
    return Math.max(0, this.#rank(end) - this.#rank(start))
  }

  /** Number of keys strictly below `key` (undefined = all keys). */
  #rank(key: string | undefined): number {
    if (key === undefined) return this.#size
    const leafIndex = this.#leafFor(key)
    if (leafIndex < 0) return 0
    let rank = 0
    for (let i = 0; i < leafIndex; i++) rank += this.#leaves[i]!.length
    return rank + lowerBound(this.#leaves[leafIndex]!, key)
  }

  /** Index of the last leaf whose first key is <= key, or -1 when key sorts before every leaf. */
  #leafFor(key: string): number {
    let low = 0
    let high = this.#firsts.length
    while (low < high) {
      const middle = (low + high) >>> 1
      if (compareKeys(this.#firsts[middle]!, key) <= 0) low = middle + 1
      else high = middle
    }
    return low - 1
  }
}

/** First index in sorted `keys` whose key is >= `key`. */
function lowerBound(keys: string[], key: string): number {
  let low = 0
  let high = keys.length
  while (low < high) {
    const middle = (low + high) >>> 1
    if (compareKeys(keys[middle]!, key) < 0) low = middle + 1
    else high = middle
  }
  return low
}
