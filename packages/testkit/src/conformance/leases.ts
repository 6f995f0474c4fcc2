import { describe, expect, it } from 'vitest'
import type { SuiteContext } from './context.js'
import { aborted, rejectsWith, take } from './helpers.js'

/** Spec §4: leases and what is bound to them. */
export function describeLeases(context: SuiteContext): void {
  describe('leases (spec §4)', () => {
    it('grants, reports, lists and revokes; revoke deletes bound keys in one revision', async () => {
      const { store } = context
      const lease = await store.leases.grant(30_000)
      expect(typeof lease.id).toBe('string')
      expect(lease.ttlMs).toBe(30_000)
      expect(lease.signal.aborted).toBe(false)
      await store.put('a', 1, { lease })
      await store.put('b', 2, { lease: lease.id })
      await store.put('free', 3)
      expect(await store.leases.list()).toContain(lease.id)
      const info = await store.leases.info(lease.id)
      expect(info).toMatchObject({ id: lease.id, ttlMs: 30_000, keys: ['a', 'b'] })
      expect(info!.remainingMs).toBeGreaterThan(0)
      expect((await store.get('a'))?.lease).toBe(lease.id)
      const before = (await store.status()).revision
      await lease.revoke()
      expect(lease.signal.aborted).toBe(true)
      expect(await store.getMany(['a', 'b'])).toEqual([undefined, undefined])
      expect((await store.get('free'))?.value).toBe(3)
      expect((await store.status()).revision).toBe(before + 1)
      expect(await store.leases.info(lease.id)).toBeUndefined()
      expect(await store.leases.list()).not.toContain(lease.id)
    })

    it('does not advance the revision for grants and renewals', async () => {
      const { store } = context
      const lease = await store.leases.grant(10_000, { keepAlive: false })
      await lease.renew()
      expect((await store.status()).revision).toBe(0)
      await lease.revoke()
    })

    it('rejects a write bound to an unknown lease with LEASE_NOT_FOUND, changing nothing', async () => {
      const { store } = context
      const error = await rejectsWith(store.put('k', 1, { lease: 'no-such-lease' }), 'LEASE_NOT_FOUND')
      expect(error.name).toBe('LeaseNotFoundError')
      expect(await store.get('k')).toBeUndefined()
      await rejectsWith(store.leases.grant(0), 'INVALID_ARGUMENT')
    })

    context.timeIt('expires without keep-alive: keys deleted with reason lease, one watch revision, signal aborts', async () => {
      const { store } = context
      const lease = await store.leases.grant(5_000, { keepAlive: false })
      await store.putMany({ 'l/a': 1, 'l/b': 2 }, { lease })
      const watch = store.watch('l/', { prefix: true })
      await watch.ready
      const revision = (await store.status()).revision
      await context.advance(5_000)
      const events = await take(watch, 2)
      expect(events.map((event) => [event.type, event.key, event.reason, event.revision])).toEqual([
        ['delete', 'l/a', 'lease', revision + 1],
        ['delete', 'l/b', 'lease', revision + 1],
      ])
      const reason = await aborted(lease.signal)
      expect((reason as { code?: string }).code).toBe('LEASE_NOT_FOUND')
      await rejectsWith(lease.renew(), 'LEASE_NOT_FOUND')
      watch.close()
    })

    context.timeIt('stays alive with keep-alive across many TTLs', async () => {
      const { store } = context
      const lease = await store.leases.grant(3_000)
      await store.put('alive', 1, { lease })
      for (let step = 0; step < 10; step++) await context.advance(1_000)
      expect(lease.signal.aborted).toBe(false)
      expect((await store.get('alive'))?.value).toBe(1)
      await lease.revoke()
      expect(await store.get('alive')).toBeUndefined()
    })

    context.timeIt('renew() extends an explicit lease', async () => {
      const { store } = context
      const lease = await store.leases.grant(1_000, { keepAlive: false })
      await store.put('k', 1, { lease })
      await context.advance(800)
      await lease.renew()
      await context.advance(800)
      expect((await store.get('k'))?.value).toBe(1)
      await context.advance(200)
      expect(await store.get('k')).toBeUndefined()
    })

    it('another handle sees the keys of a lease revoked elsewhere disappear', async () => {
      const { store } = context
      const other = await context.connect()
      const lease = await other.leases.grant(60_000)
      await other.put('shared', 'x', { lease })
      expect((await store.get('shared'))?.lease).toBe(lease.id)
      await other.close() // close revokes what this handle kept alive
      expect(await store.get('shared')).toBeUndefined()
    })
  })
}
