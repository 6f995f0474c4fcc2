import { describe, expect, it } from 'vitest'
import { Simulation } from './support/simulation.js'

/**
 * Seeded randomized network tests. A failure message starts with `seed=N nodes=M`; replay one run with
 * RAFT_SIMULATION_SEED=N (and RAFT_SIMULATION_NODES=M). RAFT_SIMULATION_SEEDS raises the seed count.
 */
const seedCount = Number(process.env['RAFT_SIMULATION_SEEDS'] ?? '150')
const onlySeed = process.env['RAFT_SIMULATION_SEED']
const onlyNodes = process.env['RAFT_SIMULATION_NODES']

function runSeeds(nodeCount: number): { runs: number; committed: number; terms: number; reads: number } {
  const seeds = onlySeed === undefined ? Array.from({ length: seedCount }, (_, position) => position + 1) : [Number(onlySeed)]
  let committed = 0
  let terms = 0
  let reads = 0
  for (const seed of seeds) {
    const simulation = new Simulation({ seed, nodeCount, faultTicks: 400, livenessTicksBound: 600 })
    try {
      simulation.run()
    } catch (error) {
      // Name the seed on every failure, including assertion errors thrown inside the library.
      const message = error instanceof Error ? error.message : String(error)
      throw new Error(message.startsWith('seed=') ? message : `seed=${seed} nodes=${nodeCount}: ${message}`, { cause: error })
    }
    const summary = simulation.summary()
    committed += summary.committedEntries
    terms += summary.terms
    reads += summary.readsServed
  }
  return { runs: seeds.length, committed, terms, reads }
}

describe('randomized network simulation', () => {
  for (const nodeCount of [3, 5]) {
    if (onlyNodes !== undefined && Number(onlyNodes) !== nodeCount) continue
    it(`keeps safety and makes progress with ${nodeCount} nodes`, () => {
      const totals = runSeeds(nodeCount)
      // The runs must have exercised something: many commits, several leaders, some reads.
      expect(totals.committed).toBeGreaterThan(totals.runs * 20)
      expect(totals.terms).toBeGreaterThan(totals.runs)
      expect(totals.reads).toBeGreaterThan(0)
    })
  }
})
