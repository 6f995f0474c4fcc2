import { ManualClock } from '@clustron/core'
import { encodeValue } from '@clustron/core/internal'
import { describe, expect, it } from 'vitest'
import { SingleReplica, type AppliedOutput } from '../src/index.js'

const bytes = encodeValue('v', 1024)

describe('SingleReplica', () => {
  it('applies in call order and publishes each output synchronously', async () => {
    const replica = new SingleReplica({ store: 's', nodeId: 'n1', limits: {}, clock: new ManualClock() })
    const seen: AppliedOutput[] = []
    replica.onApplied((applied) => seen.push(applied))
    const first = replica.propose({ type: 'put', key: 'a', value: bytes })
    expect(seen.map((applied) => applied.revision)).toEqual([1])
    await replica.propose({ type: 'put', key: 'b', value: bytes })
    expect(await first).toEqual({ ok: true, revision: 1, version: 1 })
    expect(seen.map((applied) => applied.events.map((event) => event.key))).toEqual([['a'], ['b']])
    expect(replica.status()).toEqual({ role: 'leader', leader: 'n1', term: 1, commitIndex: 2, appliedIndex: 2, revision: 2 })
  })

  it('proposes expire at the next deadline on its clock', async () => {
    const clock = new ManualClock()
    const replica = new SingleReplica({ store: 's', nodeId: 'n1', limits: {}, clock })
    const seen: AppliedOutput[] = []
    replica.onApplied((applied) => seen.push(applied))
    await replica.propose({ type: 'put', key: 'a', value: bytes, ttlMs: 100 })
    clock.advance(99)
    expect(seen).toHaveLength(1)
    clock.advance(1)
    expect(seen).toHaveLength(2)
    expect(seen[1]!.events).toMatchObject([{ type: 'delete', key: 'a', reason: 'expired', revision: 2 }])
    expect(await replica.read({ type: 'get', key: 'a' }, 'linearizable')).toBeUndefined()
  })

  it('rejects with the machine’s typed errors, and with UNAVAILABLE once closed', async () => {
    const replica = new SingleReplica({ store: 's', nodeId: 'n1', limits: {}, clock: new ManualClock() })
    await expect(replica.propose({ type: 'put', key: '', value: bytes })).rejects.toMatchObject({ code: 'INVALID_ARGUMENT' })
    await replica.close()
    await expect(replica.propose({ type: 'put', key: 'a', value: bytes })).rejects.toMatchObject({ code: 'UNAVAILABLE' })
    await expect(replica.read({ type: 'get', key: 'a' }, 'serializable')).rejects.toMatchObject({ code: 'UNAVAILABLE' })
  })
})
