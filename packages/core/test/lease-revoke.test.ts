import { describe, expect, it } from 'vitest'
import { ManualClock, openInProcStore } from '../src/index.js'

describe('leases.revoke(id)', () => {
  it("revokes another handle's lease by id: keys deleted, the holder's signal aborts, false the second time", async () => {
    const clock = new ManualClock()
    const holder = openInProcStore({ store: 'lease-revoke-by-id', clock })
    const operator = openInProcStore({ store: 'lease-revoke-by-id', clock })
    const lease = await holder.leases.grant(10_000)
    await holder.put('bound', 1, { lease })
    expect(await operator.leases.revoke(lease.id)).toBe(true)
    expect(await operator.get('bound')).toBeUndefined()
    expect(await operator.leases.info(lease.id)).toBeUndefined()
    expect(lease.signal.aborted).toBe(true)
    expect(await operator.leases.revoke(lease.id)).toBe(false)
    await holder.close()
    await operator.close()
  })
})
