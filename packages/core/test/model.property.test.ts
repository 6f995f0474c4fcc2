import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { bytesEqual } from '../src/codec.js'
import { StoreMachine } from '../src/machine/store-machine.js'
import { canon, Driver } from './support/machine-driver.js'
import { ModelStore } from './support/model-store.js'
import { actionOf, stepArbitrary } from './support/model-steps.js'
import { lockNames, replicaActionArbitrary, waiterIds } from './support/replica-steps.js'

/** Runs per property: CLUSTRON_PROPERTY_RUNS scales them (e.g. 10 for a long soak, 0.2 for a quick look). */
function runs(base: number): number {
  const factor = Number(process.env.CLUSTRON_PROPERTY_RUNS ?? 1)
  return Math.max(1, Math.round(base * (Number.isFinite(factor) && factor > 0 ? factor : 1)))
}

/**
 * Model-based property tests (fast-check prints the seed, the path and the shrunk counterexample
 * of a failure; replay with `fc.assert(..., { seed, path })`).
 */
const startMs = 1_000

describe('StoreMachine against a naive model (Map, linear scans, TextEncoder order)', { timeout: 180_000 }, () => {
  it('agrees on every result, event, notice and error, the revision, and the whole state after every step', () => {
    fc.assert(
      fc.property(fc.array(stepArbitrary, { minLength: 1, maxLength: 80, size: 'max' }), (steps) => {
        const model = new ModelStore(startMs)
        const driver = new Driver(new StoreMachine(), startMs)
        for (const [index, step] of steps.entries()) {
          const where = `step ${index}: ${JSON.stringify(step)}`
          const expected = model.step(step)
          const actual = driver.run(actionOf(step))
          expect(canon(actual), where).toEqual(canon(expected))
          expect(driver.machine.revision, where).toBe(model.revision)
          expect(canon(driver.all()), where).toEqual(canon(model.all()))
          expect(driver.machine.nextDeadline(), where).toBe(model.nextDeadline())
          expect([...driver.machine.query({ type: 'leaseList' }, driver.now)].sort(), where).toEqual([...model.leases.keys()].sort())
        }
      }),
      { numRuns: runs(300) },
    )
  })

  it('a failed command changes nothing (snapshot bytes identical)', () => {
    fc.assert(
      fc.property(fc.array(stepArbitrary, { minLength: 1, maxLength: 60, size: 'max' }), (steps) => {
        const driver = new Driver(new StoreMachine(), startMs)
        for (const step of steps) {
          const before = driver.machine.snapshot()
          const outcome = driver.run(actionOf(step))
          if (!outcome.ok) expect(bytesEqual(driver.machine.snapshot(), before), `${outcome.code} after ${JSON.stringify(step)}`).toBe(true)
        }
      }),
      { numRuns: runs(100) },
    )
  })
})

describe('replicas: snapshot/restore and determinism', { timeout: 180_000 }, () => {
  const plan = fc.array(fc.record({ action: replicaActionArbitrary, restoreBefore: fc.boolean() }), { minLength: 1, maxLength: 100, size: 'max' })

  it('a machine restored at random points answers exactly like one that never was, with byte-identical snapshots', () => {
    fc.assert(
      fc.property(plan, (steps) => {
        const original = new Driver(new StoreMachine(), startMs)
        const restored = new Driver(new StoreMachine(), startMs)
        for (const [index, { action, restoreBefore }] of steps.entries()) {
          const where = `step ${index}: ${JSON.stringify(canon(action))}`
          if (restoreBefore) {
            const snapshot = restored.restore()
            expect(bytesEqual(restored.machine.snapshot(), snapshot), `restore(snapshot).snapshot() at ${where}`).toBe(true)
            // The restored machine owns its state: reusing the snapshot buffer changes nothing.
            snapshot.fill(0)
          }
          expect(canon(restored.run(action)), where).toEqual(canon(original.run(action)))
          expect(bytesEqual(restored.machine.snapshot(), original.machine.snapshot()), `snapshots differ after ${where}`).toBe(true)
          expect(restored.observe(lockNames, waiterIds), where).toEqual(original.observe(lockNames, waiterIds))
        }
      }),
      { numRuns: runs(150) },
    )
  })

  it('two machines fed the same commands stay identical (outputs and snapshots)', () => {
    fc.assert(
      fc.property(plan, (steps) => {
        const first = new Driver(new StoreMachine(), startMs)
        const second = new Driver(new StoreMachine(), startMs)
        for (const [index, { action }] of steps.entries()) {
          const where = `step ${index}: ${JSON.stringify(canon(action))}`
          expect(canon(second.run(action)), where).toEqual(canon(first.run(action)))
          expect(bytesEqual(second.machine.snapshot(), first.machine.snapshot()), where).toBe(true)
        }
        expect(second.observe(lockNames, waiterIds)).toEqual(first.observe(lockNames, waiterIds))
      }),
      { numRuns: runs(100) },
    )
  })
})
