import type { ElectionLeader } from '@clustron/core'
import { describe, expect, it } from 'vitest'
import type { SuiteContext } from './context.js'
import { aborted, rejectsWith, within } from './helpers.js'
import { waitUntilQueued } from './locks.js'

/** Spec §8: elections built on lease-bound locks. */
export function describeElections(context: SuiteContext): void {
  describe('elections (spec §8)', () => {
    it('campaign resolves when leader; leader() and proclaim; resign hands over', async () => {
      const first = await context.connect()
      const second = await context.connect()
      const term = await first.elections.campaign('scheduler', { value: 'node-1' })
      expect(term.value).toBe('node-1')
      expect(await context.store.elections.leader('scheduler')).toEqual({ value: 'node-1', token: term.token })
      const waiting = second.elections.campaign('scheduler', { value: 'node-2' })
      await within(waitUntilQueued(context, 1), 'the second candidate to queue')
      await term.proclaim('node-1b')
      expect(await context.store.elections.leader('scheduler')).toEqual({ value: 'node-1b', token: term.token })
      await term.resign()
      expect(term.signal.aborted).toBe(true)
      const next = await within(waiting, 'the second candidate to win')
      expect(next.token).toBeGreaterThan(term.token)
      expect(await context.store.elections.leader('scheduler')).toEqual({ value: 'node-2', token: next.token })
      await rejectsWith(term.proclaim('late'), 'CONFLICT')
      await next.resign()
      expect(await context.store.elections.leader('scheduler')).toBeUndefined()
    })

    it('observe yields the current leader first, then each change', async () => {
      const { store } = context
      const observer = store.elections.observe<string>('obs')
      const iterator = observer[Symbol.asyncIterator]()
      expect((await within(iterator.next(), 'the current (no) leader')).value).toBeUndefined()
      const term = await store.elections.campaign('obs', { value: 'a' })
      expect((await within(iterator.next(), 'the new leader')).value).toEqual({ value: 'a', token: term.token })
      await term.proclaim('b')
      expect((await within(iterator.next(), 'the proclaimed value')).value).toEqual({ value: 'b', token: term.token })
      await term.resign()
      expect((await within(iterator.next(), 'no leader')).value).toBeUndefined()
      observer.close()
      expect((await within(iterator.next(), 'the end')).done).toBe(true)
    })

    it('closing the leader’s handle hands leadership to the next candidate', async () => {
      const first = await context.connect()
      const second = await context.connect()
      const term = await first.elections.campaign('ha', { value: 'a', ttlMs: 2_000 })
      const waiting = second.elections.campaign('ha', { value: 'b' })
      await within(waitUntilQueued(context, 1), 'the second candidate to queue')
      await first.close()
      const next = await within(waiting, 'the second candidate to win')
      expect(next.value).toBe('b')
      await aborted(term.signal)
      const leader: ElectionLeader | undefined = await context.store.elections.leader('ha')
      expect(leader).toEqual({ value: 'b', token: next.token })
      await next.resign()
    })

    it('rejects an election value that cannot be encoded', async () => {
      await rejectsWith(context.store.elections.campaign('bad', { value: () => 1 }), 'INVALID_ARGUMENT')
      expect(await context.store.elections.leader('bad')).toBeUndefined()
    })
  })
}
