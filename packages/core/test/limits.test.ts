import { describe, expect, it } from 'vitest'
import { ClustronError } from '../src/errors.js'
import { defaultLimits, resolveLimits, type Limits } from '../src/limits.js'
import { StoreMachine } from '../src/machine/store-machine.js'

function codeOf(action: () => unknown): string {
  try {
    action()
  } catch (error) {
    if (error instanceof ClustronError) return `${error.code}: ${error.message}`
    throw error
  }
  return 'no error'
}

describe('limits', () => {
  it('defaults to the spec: 1 KiB keys, 1 MiB values, 128 txn ops, 10,000 revisions of watch history', () => {
    expect(defaultLimits.keyBytesMax).toBe(1024)
    expect(defaultLimits.valueBytesMax).toBe(1024 * 1024)
    expect(defaultLimits.txnOpsMax).toBe(128)
    expect(defaultLimits.watchHistoryRevisions).toBe(10_000)
    expect(Object.isFrozen(defaultLimits)).toBe(true)
    expect(resolveLimits()).toEqual(defaultLimits)
    expect(new StoreMachine().limits).toEqual(defaultLimits)
  })

  it('merges overrides and leaves the defaults alone', () => {
    // An explicit undefined (as a config layer may pass) keeps the default.
    const limits = resolveLimits({ watchHistoryRevisions: 5, keysMax: Number.POSITIVE_INFINITY, txnOpsMax: undefined } as unknown as Partial<Limits>)
    expect(limits.watchHistoryRevisions).toBe(5)
    expect(limits.keysMax).toBe(Number.POSITIVE_INFINITY)
    expect(limits.txnOpsMax).toBe(128)
    expect(defaultLimits.watchHistoryRevisions).toBe(10_000)
    expect(new StoreMachine({ limits: { keysMax: 3 } }).limits.keysMax).toBe(3)
  })

  it('rejects unknown names, non-positive or non-integer values and inconsistent sets, naming the limit', () => {
    expect(codeOf(() => resolveLimits({ nope: 1 } as Partial<Limits>))).toMatch(/^INVALID_ARGUMENT: unknown limit 'nope'/)
    for (const value of [0, -1, 1.5, Number.NaN, Number.POSITIVE_INFINITY, '5' as unknown as number]) {
      expect(codeOf(() => resolveLimits({ txnOpsMax: value }))).toMatch(/^INVALID_ARGUMENT: limit 'txnOpsMax'/)
    }
    expect(codeOf(() => resolveLimits({ valueBytesMax: 4 * 1024 * 1024 }))).toMatch(/^INVALID_ARGUMENT: limit 'valueBytesMax'/)
    expect(codeOf(() => resolveLimits({ ttlMsMin: 10, ttlMsMax: 5 }))).toMatch(/^INVALID_ARGUMENT: limit 'ttlMsMin'/)
    expect(codeOf(() => new StoreMachine({ limits: { leasesMax: 0 } }))).toMatch(/^INVALID_ARGUMENT/)
  })
})
