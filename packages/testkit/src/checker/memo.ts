/**
 * The search's memory: the set of linearized operations, and the table of explored
 * (set, model state) configurations.
 */

/**
 * The set of linearized operations, with an incremental hash. Rehashing all words on every step
 * would cost O(n), so each operation gets two random 32-bit tokens and the hash is their running
 * XOR: setting or clearing a bit is O(1).
 */
export class LinearizedSet {
  readonly words: Uint32Array
  hashHigh = 0
  hashLow = 0
  private readonly tokensHigh: Uint32Array
  private readonly tokensLow: Uint32Array

  constructor(size: number) {
    this.words = new Uint32Array(Math.max(1, Math.ceil(size / 32)))
    this.tokensHigh = new Uint32Array(size)
    this.tokensLow = new Uint32Array(size)
    // A fixed seed keeps runs reproducible; the tokens only need to be well spread, not secret.
    const next = seededUint32(0x9e3779b9 ^ size)
    for (let index = 0; index < size; index++) {
      this.tokensHigh[index] = next()
      this.tokensLow[index] = next()
    }
  }

  /** Flips membership of `index`; the caller knows whether it is setting or clearing. */
  toggle(index: number): void {
    const wordIndex = index >>> 5
    this.words[wordIndex] = (this.words[wordIndex] ?? 0) ^ (1 << (index & 31))
    this.hashHigh = (this.hashHigh ^ (this.tokensHigh[index] ?? 0)) >>> 0
    this.hashLow = (this.hashLow ^ (this.tokensLow[index] ?? 0)) >>> 0
  }
}

/** Per-entry overhead of the index (key string, map slot), for the memory bound. */
const INDEX_ENTRY_BYTES = 100

/**
 * Explored configurations. Keys are the set's hash plus the state hash; the exact sets live in one
 * growing arena, so a hash collision costs a comparison, never a wrong prune, and each entry costs
 * its words plus a map slot instead of a typed array object of its own.
 */
export class ExploredConfigurations {
  private arena: Uint32Array
  private usedWords = 0
  private readonly offsetsByKey = new Map<string, number | number[]>()
  private readonly wordsPerSet: number

  constructor(set: LinearizedSet) {
    this.wordsPerSet = set.words.length
    this.arena = new Uint32Array(this.wordsPerSet * 1024)
  }

  get approximateBytes(): number {
    return this.usedWords * 4 + this.offsetsByKey.size * INDEX_ENTRY_BYTES
  }

  /** Records (set, state); false when it was already recorded. */
  add(set: LinearizedSet, stateHash: string): boolean {
    const key = `${set.hashHigh}.${set.hashLow}.${stateHash}`
    const existing = this.offsetsByKey.get(key)
    const offsets = existing === undefined ? [] : typeof existing === 'number' ? [existing] : existing
    if (offsets.some((offset) => this.equalsAt(set.words, offset))) return false
    const offset = this.store(set.words)
    if (existing === undefined) this.offsetsByKey.set(key, offset)
    else if (typeof existing === 'number') this.offsetsByKey.set(key, [existing, offset])
    else existing.push(offset)
    return true
  }

  private equalsAt(words: Uint32Array, offset: number): boolean {
    for (let index = 0; index < words.length; index++) {
      if (this.arena[offset + index] !== words[index]) return false
    }
    return true
  }

  private store(words: Uint32Array): number {
    if (this.usedWords + words.length > this.arena.length) {
      // 1.5x rather than 2x: the arena is most of the memo, so growth overshoots the bound less.
      const grown = new Uint32Array(Math.ceil(this.arena.length * 1.5))
      grown.set(this.arena)
      this.arena = grown
    }
    const offset = this.usedWords
    this.arena.set(words, offset)
    this.usedWords += words.length
    return offset
  }
}

/** mulberry32: a tiny deterministic PRNG, enough to spread hash tokens. */
function seededUint32(seed: number): () => number {
  let state = seed >>> 0
  return () => {
    state = (state + 0x6d2b79f5) >>> 0
    let mixed = state
    mixed = Math.imul(mixed ^ (mixed >>> 15), mixed | 1)
    mixed ^= mixed + Math.imul(mixed ^ (mixed >>> 7), mixed | 61)
    return (mixed ^ (mixed >>> 14)) >>> 0
  }
}
