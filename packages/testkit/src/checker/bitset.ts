/**
 * The set of linearized operations during the search, with an incremental hash.
 *
 * The memo table is keyed by (this set, model state). Rehashing all words on every step would cost
 * O(n) per step, so each operation gets two random 32-bit tokens and the hash is their running XOR:
 * setting or clearing a bit is O(1). Buckets compare words exactly, so hash collisions cost time,
 * never correctness.
 */
export class LinearizedSet {
  readonly words: Uint32Array
  hashHigh = 0
  hashLow = 0
  private readonly tokensHigh: Uint32Array
  private readonly tokensLow: Uint32Array

  constructor(size: number) {
    this.words = new Uint32Array(Math.ceil(size / 32))
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

  equalsWords(other: Uint32Array): boolean {
    for (let index = 0; index < this.words.length; index++) {
      if (this.words[index] !== other[index]) return false
    }
    return true
  }
}

/** mulberry32: a tiny deterministic PRNG, enough to spread hash tokens. */
export function seededUint32(seed: number): () => number {
  let state = seed >>> 0
  return () => {
    state = (state + 0x6d2b79f5) >>> 0
    let mixed = state
    mixed = Math.imul(mixed ^ (mixed >>> 15), mixed | 1)
    mixed ^= mixed + Math.imul(mixed ^ (mixed >>> 7), mixed | 61)
    return (mixed ^ (mixed >>> 14)) >>> 0
  }
}
