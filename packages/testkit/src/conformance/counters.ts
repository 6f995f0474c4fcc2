import { describe, expect, it } from 'vitest'
import type { SuiteContext } from './context.js'
import { rejectsWith } from './helpers.js'

/** Spec §6: counters are integer keys. */
export function describeCounters(context: SuiteContext): void {
  describe('counters (spec §6)', () => {
    it('adds from 0, reads, sets, and is an ordinary key', async () => {
      const { store } = context
      expect(await store.counters.get('c')).toBe(0)
      expect(await store.counters.add('c')).toEqual({ ok: true, value: 1, previous: 0 })
      expect(await store.counters.add('c', 5)).toEqual({ ok: true, value: 6, previous: 1 })
      expect(await store.counters.add('c', -10)).toEqual({ ok: true, value: -4, previous: 6 })
      expect(await store.counters.get('c')).toBe(-4)
      expect(await store.counters.set('c', 100)).toBe(-4)
      expect(await store.get('c')).toMatchObject({ value: 100, version: 4 })
    })

    it('respects min and max bounds without changing the value', async () => {
      const { store } = context
      await store.counters.set('slots', 2)
      expect(await store.counters.add('slots', 1, { max: 3 })).toEqual({ ok: true, value: 3, previous: 2 })
      const revision = (await store.status()).revision
      expect(await store.counters.add('slots', 1, { max: 3 })).toEqual({ ok: false, value: 3 })
      expect(await store.counters.add('slots', -5, { min: 0 })).toEqual({ ok: false, value: 3 })
      expect((await store.status()).revision).toBe(revision)
      expect(await store.counters.get('slots')).toBe(3)
    })

    it('throws TYPE_MISMATCH on a non-integer and OUT_OF_RANGE beyond ±(2^53-1)', async () => {
      const { store } = context
      await store.put('text', 'abc')
      await store.put('float', 1.5)
      await rejectsWith(store.counters.add('text'), 'TYPE_MISMATCH')
      await rejectsWith(store.counters.add('float'), 'TYPE_MISMATCH')
      await rejectsWith(store.counters.get('text'), 'TYPE_MISMATCH')
      await store.counters.set('max', Number.MAX_SAFE_INTEGER)
      await rejectsWith(store.counters.add('max', 1), 'OUT_OF_RANGE')
      await rejectsWith(store.counters.add('x', 0.5), 'INVALID_ARGUMENT')
      expect(await store.counters.get('max')).toBe(Number.MAX_SAFE_INTEGER)
    })

    context.timeIt('a ttlMs window starts with the counter and later adds keep it', async () => {
      const { store } = context
      await store.counters.add('rate', 1, { max: 3, ttlMs: 1_000 })
      await context.advance(600)
      await store.counters.add('rate', 1, { max: 3, ttlMs: 1_000 })
      await store.counters.add('rate', 1, { max: 3, ttlMs: 1_000 })
      expect(await store.counters.add('rate', 1, { max: 3, ttlMs: 1_000 })).toEqual({ ok: false, value: 3 })
      await context.advance(400)
      expect(await store.counters.get('rate')).toBe(0)
      expect(await store.counters.add('rate', 1, { max: 3, ttlMs: 1_000 })).toEqual({ ok: true, value: 1, previous: 0 })
    })

    it('counts concurrent adds exactly', async () => {
      const handles = await Promise.all([context.connect(), context.connect()])
      await Promise.all(handles.flatMap((handle) => Array.from({ length: 50 }, () => handle.counters.add('hits'))))
      expect(await context.store.counters.get('hits')).toBe(100)
    })
  })
}
