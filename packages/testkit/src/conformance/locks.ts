import { describe, expect, it } from 'vitest'
import type { SuiteContext } from './context.js'
import { aborted, rejectsWith, within } from './helpers.js'

/** Spec §5: fair locks with fencing tokens. */
export function describeLocks(context: SuiteContext): void {
  describe('locks (spec §5)', () => {
    it('grants with a token = the grant revision and releases', async () => {
      const { store } = context
      await store.put('x', 1)
      const lock = await store.locks.acquire('job:42')
      expect(lock.name).toBe('job:42')
      expect(lock.token).toBe(2)
      expect(lock.signal.aborted).toBe(false)
      expect(await store.locks.holder('job:42')).toMatchObject({ token: 2 })
      expect((await store.status()).revision).toBe(2)
      await lock.release()
      expect(lock.signal.aborted).toBe(true)
      expect(await store.locks.holder('job:42')).toBeUndefined()
      expect((await store.status()).revision).toBe(3)
      await lock.release() // idempotent
    })

    it('hands over FIFO between handles, pushing grants without polling', async () => {
      const first = await context.connect()
      const second = await context.connect()
      const third = await context.connect()
      const held = await first.locks.acquire('L')
      const order: string[] = []
      const secondWaits = second.locks.acquire('L').then((lock) => (order.push('second'), lock))
      // Make sure the second waiter is queued before the third one.
      await within(waitUntilQueued(context, 1), 'the second waiter to queue')
      const thirdWaits = third.locks.acquire('L').then((lock) => (order.push('third'), lock))
      await within(waitUntilQueued(context, 2), 'the third waiter to queue')
      // Joining a queue does not advance the revision.
      const revision = (await context.store.status()).revision
      await held.release()
      const secondLock = await within(secondWaits, 'the second waiter to be granted')
      expect(secondLock.token).toBeGreaterThan(held.token)
      // Release and the next grant are one revision.
      expect(secondLock.token).toBe(revision + 1)
      await secondLock.release()
      const thirdLock = await within(thirdWaits, 'the third waiter to be granted')
      expect(thirdLock.token).toBeGreaterThan(secondLock.token)
      expect(order).toEqual(['second', 'third'])
      await thirdLock.release()
    })

    it('tryAcquire never waits', async () => {
      const { store } = context
      const other = await context.connect()
      const held = await store.locks.tryAcquire('T')
      expect(held).toBeDefined()
      expect(await other.locks.tryAcquire('T')).toBeUndefined()
      await held!.release()
      const next = await other.locks.tryAcquire('T')
      expect(next?.token).toBeGreaterThan(held!.token)
      await next!.release()
    })

    it('acquire with waitMs: 0 on a held lock times out with LockTimeoutError', async () => {
      const { store } = context
      const other = await context.connect()
      const held = await store.locks.acquire('W')
      const error = await rejectsWith(other.locks.acquire('W', { waitMs: 0 }), 'LOCK_TIMEOUT')
      expect(error.name).toBe('LockTimeoutError')
      // The timed-out waiter left the queue: the next acquire after release gets the lock at once.
      await held.release()
      const next = await within(other.locks.acquire('W', { waitMs: 1000 }), 'the lock after release')
      await next.release()
    })

    context.timeIt('acquire with waitMs times out on the clock', async () => {
      const { store } = context
      const other = await context.connect()
      const held = await store.locks.acquire('W2')
      const waiting = rejectsWith(other.locks.acquire('W2', { waitMs: 1_000 }), 'LOCK_TIMEOUT')
      await within(waitUntilQueued(context, 1), 'the waiter to queue')
      await context.advance(1_000)
      await waiting
      await held.release()
    })

    it('an aborted signal cancels a waiting acquire', async () => {
      const { store } = context
      const other = await context.connect()
      const held = await store.locks.acquire('A')
      const controller = new AbortController()
      const waiting = other.locks.acquire('A', { signal: controller.signal })
      await within(waitUntilQueued(context, 1), 'the waiter to queue')
      controller.abort(new Error('stop waiting'))
      await expect(waiting).rejects.toThrow('stop waiting')
      await held.release()
      expect(await store.locks.holder('A')).toBeUndefined()
    })

    it('withLock releases on success and on throw, keeping the error', async () => {
      const { store } = context
      const value = await store.locks.withLock('WL', async (lock) => {
        expect((await store.locks.holder('WL'))?.token).toBe(lock.token)
        return 'done'
      })
      expect(value).toBe('done')
      expect(await store.locks.holder('WL')).toBeUndefined()
      await expect(store.locks.withLock('WL', () => Promise.reject(new Error('boom')))).rejects.toThrow('boom')
      expect(await store.locks.holder('WL')).toBeUndefined()
    })

    it('await using releases on scope exit', async () => {
      const { store } = context
      {
        await using lock = await store.locks.acquire('scoped')
        expect((await store.locks.holder('scoped'))?.token).toBe(lock.token)
      }
      expect(await store.locks.holder('scoped')).toBeUndefined()
    })

    it('fenced writes succeed only while the lock is held with that token', async () => {
      const { store } = context
      const lock = await store.locks.acquire('F')
      expect(await store.put('guarded', 1, { fence: lock })).toMatchObject({ ok: true })
      expect(await store.delete('guarded', { fence: lock })).toBe(true)
      await lock.release()
      expect(await store.put('guarded', 2, { fence: lock })).toEqual({ ok: false, reason: 'fenced' })
      await store.put('guarded', 3)
      expect(await store.delete('guarded', { fence: lock })).toBe(false)
      expect((await store.get('guarded'))?.value).toBe(3)
    })

    context.timeIt('a holder whose lease expires loses the lock; the next waiter gets it; old fenced writes fail', async () => {
      const { store } = context
      const other = await context.connect()
      const lease = await store.leases.grant(2_000, { keepAlive: false })
      const paused = await store.locks.acquire('job', { lease })
      const next = other.locks.acquire('job')
      await within(waitUntilQueued(context, 1), 'the waiter to queue')
      await context.advance(2_000)
      await aborted(paused.signal)
      const taken = await within(next, 'the waiter to be granted after expiry')
      expect(taken.token).toBeGreaterThan(paused.token)
      // The paused holder wakes up and tries to write: rejected by the store.
      expect(await store.put('job-output', 'stale', { fence: paused })).toEqual({ ok: false, reason: 'fenced' })
      expect(await other.put('job-output', 'fresh', { fence: taken })).toMatchObject({ ok: true })
      await taken.release()
    })

    context.timeIt('a lock with its own lease stays held while kept alive', async () => {
      const { store } = context
      const lock = await store.locks.acquire('kept', { ttlMs: 3_000 })
      for (let step = 0; step < 10; step++) await context.advance(1_000)
      expect(lock.signal.aborted).toBe(false)
      expect((await store.locks.holder('kept'))?.token).toBe(lock.token)
      await lock.release()
    })

    it('lease.revoke() releases the lock and aborts its signal before resolving', async () => {
      const { store } = context
      const lease = await store.leases.grant(60_000)
      const lock = await store.locks.acquire('R', { lease })
      await lease.revoke()
      expect(lock.signal.aborted).toBe(true)
      expect(await store.locks.holder('R')).toBeUndefined()
    })

    it('closing a handle releases its locks', async () => {
      const other = await context.connect()
      await other.locks.acquire('C')
      await other.close()
      expect(await context.store.locks.holder('C')).toBeUndefined()
    })

    it('tokens strictly increase across all locks of the store', async () => {
      const { store } = context
      const tokens: number[] = []
      for (const name of ['a', 'b', 'a', 'c']) {
        const lock = await store.locks.acquire(name)
        tokens.push(lock.token)
        await lock.release()
      }
      expect([...tokens].sort((x, y) => x - y)).toEqual(tokens)
      expect(new Set(tokens).size).toBe(tokens.length)
    })

    it('lock names are relative to a namespace', async () => {
      const { store } = context
      const team = store.namespace('team/')
      const lock = await team.locks.acquire('deploy')
      expect(lock.name).toBe('deploy')
      expect((await store.locks.holder('team/deploy'))?.token).toBe(lock.token)
      expect(await team.put('out', 1, { fence: lock })).toMatchObject({ ok: true })
      await lock.release()
    })

    it('rejects bad names and options', async () => {
      const { store } = context
      await rejectsWith(store.locks.acquire(''), 'INVALID_ARGUMENT')
      await rejectsWith(store.locks.acquire('x', { waitMs: -1 }), 'INVALID_ARGUMENT')
      await rejectsWith(store.locks.acquire('x', { ttlMs: 0 }), 'INVALID_ARGUMENT')
      expect(await store.locks.holder('x')).toBeUndefined()
    })
  })
}

/**
 * Resolves once the store shows `count` queued lock waiters. Queueing is a request in flight on
 * another handle; this re-reads the store's status on each event-loop turn until it has landed
 * (callers bound it with `within`).
 */
export async function waitUntilQueued(context: SuiteContext, count: number): Promise<void> {
  for (;;) {
    const status = await context.store.status()
    if (status.lockWaiters >= count) return
    await new Promise((resolve) => setImmediate(resolve))
  }
}
