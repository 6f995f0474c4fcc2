/**
 * The simulator's only source of randomness: a seeded PRNG (mulberry32) with the helpers the
 * simulation needs. Components take their own stream (`fork`) so that adding a draw in one of them
 * does not shift every other component's choices, which keeps old failing seeds meaningful longer.
 */
export class Random {
  #state: number

  constructor(seed: number) {
    // Mix the seed so that consecutive seeds give unrelated streams.
    this.#state = (Math.imul((seed >>> 0) ^ 0x9e3779b9, 0x85ebca6b) ^ 0xc2b2ae35) >>> 0
  }

  /** A uniformly distributed 32-bit unsigned integer. */
  uint32(): number {
    this.#state = (this.#state + 0x6d2b79f5) >>> 0
    let mixed = this.#state
    mixed = Math.imul(mixed ^ (mixed >>> 15), mixed | 1)
    mixed ^= mixed + Math.imul(mixed ^ (mixed >>> 7), mixed | 61)
    return (mixed ^ (mixed >>> 14)) >>> 0
  }

  /** A float in [0, 1). */
  next(): number {
    return this.uint32() / 0x1_0000_0000
  }

  /** An integer in [low, high] (both inclusive). */
  int(low: number, high: number): number {
    return low + Math.floor(this.next() * (high - low + 1))
  }

  /** A float in [low, high). */
  between(low: number, high: number): number {
    return low + this.next() * (high - low)
  }

  chance(probability: number): boolean {
    return this.next() < probability
  }

  pick<T>(items: readonly T[]): T {
    if (items.length === 0) throw new Error('Random.pick: no items')
    return items[Math.floor(this.next() * items.length)]!
  }

  /** A new array with the items in random order (Fisher–Yates). */
  shuffle<T>(items: readonly T[]): T[] {
    const copy = [...items]
    for (let index = copy.length - 1; index > 0; index--) {
      const other = Math.floor(this.next() * (index + 1))
      const item = copy[index]!
      copy[index] = copy[other]!
      copy[other] = item
    }
    return copy
  }

  /** Exponentially distributed with the given mean (heavy-ish tails for delays). */
  exponential(mean: number): number {
    return -Math.log(1 - this.next()) * mean
  }

  /** An independent stream derived from this one and a label. */
  fork(label: string): Random {
    return new Random(this.uint32() ^ hashString(label))
  }
}

/** FNV-1a of a string, 32 bits. */
export function hashString(text: string, hash = 0x811c9dc5): number {
  let value = hash
  for (let position = 0; position < text.length; position++) {
    value = Math.imul(value ^ text.charCodeAt(position), 0x01000193)
  }
  return value >>> 0
}

/** FNV-1a of bytes, 32 bits. */
export function hashBytes(bytes: Uint8Array, hash = 0x811c9dc5): number {
  let value = hash
  for (const byte of bytes) value = Math.imul(value ^ byte, 0x01000193)
  return value >>> 0
}
