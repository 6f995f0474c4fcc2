/**
 * Runs a range of seeds and fails with every failing seed and its replay command. Shared by the
 * CI seed-range tests (one file per cluster size, so vitest runs them on both cores).
 */
import { expect } from 'vitest'
import { describeFailure, runSimulation, writeFailureReport, type SimulationResult } from '../../src/simulator/index.js'

export async function runSeedRange(nodes: number, first: number, count: number): Promise<void> {
  const startedMs = performance.now()
  const failed: SimulationResult[] = []
  let operations = 0
  let unknown = 0
  let faults = 0
  for (let seed = first; seed < first + count; seed++) {
    const result = await runSimulation({ seed, nodes })
    operations += result.operations.recorded
    unknown += result.operations.unknown
    faults += result.faults.total
    if (!result.ok) {
      failed.push(result)
      await writeFailureReport(result)
    }
  }
  const seconds = (performance.now() - startedMs) / 1000
  console.log(`simulator: ${count} seeds (${first}..${first + count - 1}) with ${nodes} nodes in ${seconds.toFixed(1)} s: ${operations} operations (${unknown} unknown), ${faults} faults, ${failed.length} failed`)
  expect(failed.map(describeFailure).join('\n')).toBe('')
}
