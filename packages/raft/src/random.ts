/**
 * A small seeded PRNG (mulberry32). Raft needs randomness only to spread election timeouts; taking it from a
 * seed keeps every run replayable, which the simulator and the interaction tests rely on.
 */
export class SeededRandom {
  private state: number

  constructor(seed: number) {
    // Mix the seed so that small consecutive seeds (1, 2, 3: one per node) give unrelated sequences.
    this.state = (Math.imul(seed ^ 0x9e3779b9, 0x85ebca6b) ^ 0xc2b2ae35) >>> 0
  }

  /** A uniformly distributed 32-bit unsigned integer. */
  nextUint32(): number {
    this.state = (this.state + 0x6d2b79f5) >>> 0
    let t = this.state
    t = Math.imul(t ^ (t >>> 15), t | 1)
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61)
    return (t ^ (t >>> 14)) >>> 0
  }

  /** An integer in [0, bound). */
  nextInt(bound: number): number {
    return Math.floor((this.nextUint32() / 0x1_0000_0000) * bound)
  }
}

/** Derives a numeric seed from a node id, so that nodes sharing one config seed still time out differently. */
export function hashNodeId(id: string): number {
  let hash = 0x811c9dc5
  for (let position = 0; position < id.length; position++) {
    hash = Math.imul(hash ^ id.charCodeAt(position), 0x01000193)
  }
  return hash >>> 0
}
