import { describe, it } from 'vitest'
import { runSeedRange } from './seed-range.js'

/** The CI seed range for 3 nodes: about 60 s on the 2-core machine (with the 5-node range, ~2 min 10 s). */
export const ciSeeds3 = { first: 1, count: 1000 }

describe('simulator, 3 nodes', () => {
  it(`seeds ${ciSeeds3.first}..${ciSeeds3.first + ciSeeds3.count - 1} pass every invariant and check`, async () => {
    await runSeedRange(3, ciSeeds3.first, ciSeeds3.count)
  }, 600_000)
})
