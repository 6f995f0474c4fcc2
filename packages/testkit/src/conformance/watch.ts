import type { WatchEvent } from '@clustron/core'
import { describe, expect, it } from 'vitest'
import type { SuiteContext } from './context.js'
import { rejectsWith, take, within } from './helpers.js'

const summary = (event: WatchEvent) => [event.type, event.key, event.value, event.revision, event.reason]

/** Spec §7: watch on keys and prefixes. */
export function describeWatch(context: SuiteContext): void {
  describe('watch (spec §7)', () => {
    it('sees every change after ready, in revision order, with reasons', async () => {
      const { store } = context
      const watch = store.watch('cfg/', { prefix: true })
      await watch.ready
      await store.put('cfg/a', 1)
      await store.put('other', 'ignored')
      await store.putMany({ 'cfg/b': 2, 'cfg/c': 3 })
      await store.delete('cfg/a')
      await store.clear({ prefix: 'cfg/' })
      const events = await take(watch, 6)
      expect(events.map(summary)).toEqual([
        ['put', 'cfg/a', 1, 1, undefined],
        ['put', 'cfg/b', 2, 3, undefined],
        ['put', 'cfg/c', 3, 3, undefined],
        ['delete', 'cfg/a', undefined, 4, 'deleted'],
        ['delete', 'cfg/b', undefined, 5, 'cleared'],
        ['delete', 'cfg/c', undefined, 5, 'cleared'],
      ])
      expect(events[3]!.version).toBe(0)
      expect(events[1]!.version).toBe(1)
      watch.close()
    })

    it('watches one key exactly, not its prefix', async () => {
      const { store } = context
      const watch = store.watch('k')
      await watch.ready
      await store.put('k2', 'no')
      await store.put('k', 'yes')
      expect((await take(watch, 1)).map(summary)).toEqual([['put', 'k', 'yes', 2, undefined]])
      watch.close()
    })

    it('initial: current entries at the snapshot revision, then live changes with no gap', async () => {
      const { store } = context
      await store.putMany({ 'i/a': 1, 'i/b': 2 })
      await store.put('i/a', 10)
      const watch = store.watch('i/', { prefix: true, initial: true })
      await watch.ready
      await store.put('i/c', 3)
      const events = await take(watch, 3)
      expect(events.map(summary)).toEqual([
        ['put', 'i/a', 10, 2, undefined],
        ['put', 'i/b', 2, 2, undefined],
        ['put', 'i/c', 3, 3, undefined],
      ])
      watch.close()
    })

    it('fromRevision replays retained events, then continues live', async () => {
      const { store } = context
      await store.put('r', 1)
      await store.put('r', 2)
      await store.put('r', 3)
      const watch = store.watch('r', { fromRevision: 2 })
      await watch.ready
      await store.put('r', 4)
      expect((await take(watch, 3)).map((event) => [event.value, event.revision])).toEqual([
        [2, 2],
        [3, 3],
        [4, 4],
      ])
      watch.close()
    })

    it('prevValue includes the previous entry', async () => {
      const { store } = context
      await store.put('p', 'old')
      const watch = store.watch('p', { prevValue: true })
      const plain = store.watch('p')
      await Promise.all([watch.ready, plain.ready])
      await store.put('p', 'new')
      await store.delete('p')
      const [put, deletion] = await take(watch, 2)
      expect(put!.prev).toEqual({ key: 'p', value: 'old', version: 1, createRevision: 1, modRevision: 1 })
      expect(deletion!.prev).toMatchObject({ value: 'new', version: 2 })
      expect((await take(plain, 1))[0]!.prev).toBeUndefined()
      watch.close()
      plain.close()
    })

    it('keys, events and prefixes are relative inside a namespace', async () => {
      const { store } = context
      const app = store.namespace('app/')
      const watch = app.watch('config/', { prefix: true })
      await watch.ready
      await store.put('config/x', 'outside')
      await app.put('config/x', 'inside')
      expect((await take(watch, 1)).map(summary)).toEqual([['put', 'config/x', 'inside', 2, undefined]])
      watch.close()
    })

    it('close() and an aborted signal end the iteration', async () => {
      const { store } = context
      const watch = store.watch('c')
      await watch.ready
      const pending = watch[Symbol.asyncIterator]().next()
      watch.close()
      expect(await within(pending, 'the iterator to end')).toEqual({ done: true, value: undefined })
      const controller = new AbortController()
      const signalled = store.watch('c', { signal: controller.signal })
      await signalled.ready
      const next = signalled[Symbol.asyncIterator]().next()
      controller.abort()
      expect(await within(next, 'the iterator to end')).toEqual({ done: true, value: undefined })
    })

    it('for await ends cleanly on break', async () => {
      const { store } = context
      const watch = store.watch('b', { prefix: true })
      await watch.ready
      await store.putMany({ b1: 1, b2: 2 })
      const seen: string[] = []
      for await (const event of watch) {
        seen.push(event.key)
        if (seen.length === 2) break
      }
      expect(seen).toEqual(['b1', 'b2'])
    })

    it('rejects fromRevision together with initial, and bad revisions', async () => {
      const { store } = context
      expect(() => store.watch('x', { fromRevision: 1, initial: true })).toThrow(expect.objectContaining({ code: 'INVALID_ARGUMENT' }))
      expect(() => store.watch('x', { fromRevision: 0 })).toThrow(expect.objectContaining({ code: 'INVALID_ARGUMENT' }))
    })

    context.timeIt('sees expiry with reason expired', async () => {
      const { store } = context
      await store.put('ttl', 1, { ttlMs: 100 })
      const watch = store.watch('ttl')
      await watch.ready
      await context.advance(100)
      expect((await take(watch, 1)).map(summary)).toEqual([['delete', 'ttl', undefined, 2, 'expired']])
      watch.close()
    })

    it('a second handle sees the first handle’s writes', async () => {
      const other = await context.connect()
      const watch = other.watch('shared', { prefix: true })
      await watch.ready
      await context.store.put('shared/1', 'x')
      expect((await take(watch, 1)).map(summary)).toEqual([['put', 'shared/1', 'x', 1, undefined]])
      watch.close()
    })
  })

  describe('watch history (spec §7)', () => {
    it('throws CompactedError with compactRevision for a revision no longer retained', async () => {
      const { store } = context
      // The fixtures keep watchHistory small (10 revisions) so compaction is quick to reach.
      for (let index = 0; index < 25; index++) await store.put('h', index)
      const watch = store.watch('h', { fromRevision: 1 })
      const iterator = watch[Symbol.asyncIterator]()
      const error = await rejectsWith(iterator.next(), 'COMPACTED')
      expect(error.name).toBe('CompactedError')
      const compactRevision = (error as unknown as { details: { compactRevision: number } }).details.compactRevision
      expect(compactRevision).toBe(15)
      // Just above the compact revision is still retained.
      const ok = store.watch('h', { fromRevision: compactRevision + 1 })
      expect((await take(ok, 1))[0]!.revision).toBe(compactRevision + 1)
      ok.close()
    })
  })
}
