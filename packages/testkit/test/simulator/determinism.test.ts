import { describe, expect, it } from 'vitest'
import { runSimulation } from '../../src/simulator/index.js'

describe('simulator determinism', () => {
  it('the same seed gives the same trace hash, histories and verdicts; another seed does not', async () => {
    const first = await runSimulation({ seed: 4242, nodes: 3 })
    const again = await runSimulation({ seed: 4242, nodes: 3 })
    const other = await runSimulation({ seed: 4243, nodes: 3 })
    expect(again.traceHash).toBe(first.traceHash)
    expect(again.events).toBe(first.events)
    expect(again.operations).toEqual(first.operations)
    expect(again.faults).toEqual(first.faults)
    expect(again.checks.map((check) => check.outcome)).toEqual(first.checks.map((check) => check.outcome))
    expect(other.traceHash).not.toBe(first.traceHash)
    expect(first.ok, first.failures.map((failure) => failure.message).join('\n')).toBe(true)
  }, 120_000)

  it('is deterministic with 5 nodes too', async () => {
    const first = await runSimulation({ seed: 77, nodes: 5, skipLinearizability: true })
    const again = await runSimulation({ seed: 77, nodes: 5, skipLinearizability: true })
    expect(again.traceHash).toBe(first.traceHash)
    expect(again.events).toBe(first.events)
  }, 120_000)
})
