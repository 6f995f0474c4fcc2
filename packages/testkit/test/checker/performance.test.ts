import { describe, expect, it } from 'vitest'
import { checkOperations, createKvRegisterModel } from '../../src/checker/index.js'
import { generateRegisterHistory } from './generate.js'

/** Runtimes are printed, never asserted: CI machines vary too much for a timing bound to mean anything. */
describe('checker performance', () => {
  const kv = createKvRegisterModel()

  it('checks a 10k-operation register history (10 keys, 8 clients)', () => {
    const history = generateRegisterHistory({ operationCount: 10_000, keyCount: 10, clientCount: 8, seed: 42, unknownRate: 0.005 })
    const startedMs = performance.now()
    const result = checkOperations(kv, history, { timeoutMs: 20_000 })
    const elapsedMs = performance.now() - startedMs
    const searchSteps = result.partitions.reduce((total, partition) => total + partition.searchSteps, 0)
    console.log(`10k ops, 10 keys, 8 clients: ${result.result} in ${elapsedMs.toFixed(0)} ms (${searchSteps} search steps)`)
    expect(result.result).toBe('ok')
    expect(result.partitions).toHaveLength(10)
  })

  it('checks 2k operations of 8 clients on one key', () => {
    const history = generateRegisterHistory({ operationCount: 2_000, keyCount: 1, clientCount: 8, seed: 7, unknownRate: 0.005 })
    const startedMs = performance.now()
    const result = checkOperations(kv, history, { timeoutMs: 20_000 })
    const searchSteps = result.partitions.reduce((total, partition) => total + partition.searchSteps, 0)
    console.log(`2k ops, 1 key, 8 clients: ${result.result} in ${(performance.now() - startedMs).toFixed(0)} ms (${searchSteps} search steps)`)
    expect(result.result).toBe('ok')
  })
})
