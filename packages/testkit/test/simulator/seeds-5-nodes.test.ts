import { describe, it } from 'vitest'
import { runSeedRange } from './seed-range.js'

/** The CI seed range for 5 nodes: about 65 s on the 2-core machine (a run costs ~1.5× a 3-node run). */
export const ciSeeds5 = { first: 1, count: 700 }

describe('simulator, 5 nodes', () => {
  it(`seeds ${ciSeeds5.first}..${ciSeeds5.first + ciSeeds5.count - 1} pass every invariant and check`, async () => {
    await runSeedRange(5, ciSeeds5.first, ciSeeds5.count)
  }, 600_000)
})
