import { describe, expect, it } from 'vitest'
import type { SuiteContext } from './context.js'
import { rejectsWith } from './helpers.js'

/** Spec §1–§2: values, keys, versions and revisions, CAS, TTL, batches, ranges, namespaces. */
export function describeData(context: SuiteContext): void {
  describe('values (spec §1)', () => {
    it('round-trips every supported type as a copy', async () => {
      const { store } = context
      const bytes = new Uint8Array([1, 2, 3])
      const value = {
        text: 'héllo ✓ 😀',
        integer: 42,
        float: 1.5,
        negative: -7,
        big: 2 ** 53,
        yes: true,
        nothing: null,
        list: [1, 'two', [3]],
        nested: { deep: { deeper: 'x' } },
        bytes,
        when: new Date(1_700_000_000_123),
        count: 12345678901234567890n,
        small: 5n,
        negativeBig: -(2n ** 63n),
      }
      await store.put('v', value)
      const entry = await store.get<typeof value>('v')
      expect(entry?.value).toEqual(value)
      expect(entry?.value).not.toBe(value)
      expect(entry?.value.bytes).toBeInstanceOf(Uint8Array)
      expect(entry?.value.when).toBeInstanceOf(Date)
      expect(typeof entry?.value.small).toBe('bigint')
      expect(typeof entry?.value.big).toBe('number')
      // Mutating what was read or what was written changes nothing stored.
      entry!.value.bytes[0] = 99
      bytes[1] = 99
      expect((await store.get<typeof value>('v'))?.value.bytes).toEqual(new Uint8Array([1, 2, 3]))
    })

    it('stores top-level primitives, arrays and byte arrays', async () => {
      const { store } = context
      for (const [key, value] of [['s', 'text'], ['n', 0], ['b', false], ['z', null], ['a', []], ['u', new Uint8Array(0)]] as const) {
        await store.put(key, value)
        expect((await store.get(key))?.value).toEqual(value)
      }
    })

    it('rejects values it cannot encode, changing nothing', async () => {
      const { store } = context
      await rejectsWith(store.put('f', () => 1), 'INVALID_ARGUMENT')
      await rejectsWith(store.put('b', 2n ** 70n), 'INVALID_ARGUMENT')
      expect(await store.get('f')).toBeUndefined()
      expect((await store.status()).revision).toBe(0)
    })
  })

  describe('get/put/delete (spec §2)', () => {
    it('tracks version, createRevision and modRevision', async () => {
      const { store } = context
      expect(await store.put('a', 1)).toEqual({ ok: true, revision: 1, version: 1 })
      expect(await store.put('b', 1)).toEqual({ ok: true, revision: 2, version: 1 })
      expect(await store.put('a', 2)).toEqual({ ok: true, revision: 3, version: 2 })
      expect(await store.get('a')).toEqual({ key: 'a', value: 2, version: 2, createRevision: 1, modRevision: 3 })
      expect(await store.delete('a')).toBe(true)
      expect(await store.delete('a')).toBe(false)
      expect(await store.get('a')).toBeUndefined()
      // A deleted key starts over.
      expect(await store.put('a', 3)).toEqual({ ok: true, revision: 5, version: 1 })
      expect((await store.get('a'))?.createRevision).toBe(5)
      expect((await store.status()).revision).toBe(5)
    })

    it('compare-and-set with ifVersion and ifAbsent, returning the current entry on failure', async () => {
      const { store } = context
      expect(await store.put('k', 'a', { ifAbsent: true })).toMatchObject({ ok: true, version: 1 })
      const exists = await store.put('k', 'b', { ifAbsent: true })
      expect(exists).toMatchObject({ ok: false, reason: 'exists', current: { key: 'k', value: 'a', version: 1 } })
      const mismatch = await store.put('k', 'b', { ifVersion: 7 })
      expect(mismatch).toMatchObject({ ok: false, reason: 'version-mismatch', current: { value: 'a', version: 1 } })
      expect(await store.put('k', 'b', { ifVersion: 1 })).toMatchObject({ ok: true, version: 2 })
      expect(await store.put('missing', 'x', { ifVersion: 3 })).toEqual({ ok: false, reason: 'missing' })
      expect(await store.put('fresh', 'x', { ifVersion: 0 })).toMatchObject({ ok: true, version: 1 })
      expect(await store.delete('k', { ifVersion: 1 })).toBe(false)
      expect(await store.delete('k', { ifVersion: 2 })).toBe(true)
    })

    it('does not advance the revision for reads or failed conditions', async () => {
      const { store } = context
      await store.put('k', 1)
      await store.get('k')
      await store.put('k', 2, { ifAbsent: true })
      await store.delete('k', { ifVersion: 9 })
      await store.list({ prefix: '' })
      expect((await store.status()).revision).toBe(1)
    })

    it('rejects bad keys with typed errors and changes nothing', async () => {
      const { store } = context
      await rejectsWith(store.put('', 1), 'INVALID_ARGUMENT')
      await rejectsWith(store.put(42 as unknown as string, 1), 'INVALID_ARGUMENT')
      await rejectsWith(store.put('x'.repeat(1025), 1), 'TOO_LARGE')
      await rejectsWith(store.put('é'.repeat(513), 1), 'TOO_LARGE') // 1026 bytes of UTF-8
      await store.put('é'.repeat(512), 1) // exactly 1024 bytes
      await rejectsWith(store.put('\ud800', 1), 'INVALID_ARGUMENT')
      await rejectsWith(store.get(''), 'INVALID_ARGUMENT')
      await rejectsWith(store.put('big', new Uint8Array(1024 * 1024 + 1)), 'TOO_LARGE')
      expect((await store.status()).revision).toBe(1)
      expect(await store.count()).toBe(1)
    })

    it('rejects bad options with INVALID_ARGUMENT', async () => {
      const { store } = context
      await rejectsWith(store.put('k', 1, { ttlMs: -5 }), 'INVALID_ARGUMENT')
      await rejectsWith(store.put('k', 1, { ttlMs: 1.5 }), 'INVALID_ARGUMENT')
      await rejectsWith(store.put('k', 1, { ifVersion: -1 }), 'INVALID_ARGUMENT')
      await rejectsWith(store.get('k', { consistency: 'eventual' as 'linearizable' }), 'INVALID_ARGUMENT')
      expect(await store.count()).toBe(0)
    })

    it('accepts a value of exactly the limit and rejects one byte more', async () => {
      const { store } = context
      // A bin32 value: 5 bytes of header.
      await store.put('edge', new Uint8Array(1024 * 1024 - 5))
      await rejectsWith(store.put('edge2', new Uint8Array(1024 * 1024 - 4)), 'TOO_LARGE')
      expect((await store.get<Uint8Array>('edge'))?.value.length).toBe(1024 * 1024 - 5)
    })
  })

  describe('TTL (spec §2)', () => {
    context.timeIt('expires keys at their deadline, reporting ttl on the way', async () => {
      const { store } = context
      await store.put('t', 'x', { ttlMs: 1000 })
      const entry = await store.get('t')
      expect(entry?.expiresAt).toBe(context.clock.now() + 1000)
      expect(await store.ttl('t')).toBe(1000)
      await context.advance(400)
      expect(await store.ttl('t')).toBe(600)
      await context.advance(599)
      expect((await store.get('t'))?.value).toBe('x')
      await context.advance(1)
      expect(await store.get('t')).toBeUndefined()
      expect(await store.ttl('t')).toBeUndefined()
    })

    context.timeIt('expire() sets and replaces a TTL; persist() drops it; both advance the revision', async () => {
      const { store } = context
      await store.put('k', 1)
      expect(await store.ttl('k')).toBe(Number.POSITIVE_INFINITY)
      expect(await store.expire('k', 500)).toBe(true)
      expect((await store.status()).revision).toBe(2)
      expect(await store.ttl('k')).toBe(500)
      expect(await store.persist('k')).toBe(true)
      expect((await store.status()).revision).toBe(3)
      await context.advance(1000)
      expect((await store.get('k'))?.value).toBe(1)
      expect(await store.expire('missing', 100)).toBe(false)
      expect(await store.persist('missing')).toBe(false)
      expect(await store.expire('k', 100)).toBe(true)
      await context.advance(100)
      expect(await store.get('k')).toBeUndefined()
    })

    context.timeIt('a put without ttlMs clears an earlier TTL', async () => {
      const { store } = context
      await store.put('k', 1, { ttlMs: 100 })
      await store.put('k', 2)
      await context.advance(200)
      expect((await store.get('k'))?.value).toBe(2)
    })

    context.timeIt('keys expiring together go in one revision', async () => {
      const { store } = context
      await store.putMany({ a: 1, b: 2, c: 3 }, { ttlMs: 50 })
      const before = (await store.status()).revision
      await context.advance(50)
      expect(await store.count()).toBe(0)
      expect((await store.status()).revision).toBe(before + 1)
    })
  })

  describe('batches (spec §2)', () => {
    it('getMany reads one snapshot; putMany and deleteMany are one revision each', async () => {
      const { store } = context
      expect(await store.putMany({ a: 1, b: 2 })).toEqual({ revision: 1 })
      expect(await store.putMany([['c', 3], ['a', 10]])).toEqual({ revision: 2 })
      const entries = await store.getMany<number>(['a', 'missing', 'c'])
      expect(entries.map((entry) => entry?.value)).toEqual([10, undefined, 3])
      expect(entries[0]).toMatchObject({ version: 2, modRevision: 2, createRevision: 1 })
      expect(await store.deleteMany(['a', 'b', 'nope'])).toBe(2)
      expect((await store.status()).revision).toBe(3)
      expect(await store.deleteMany(['nope'])).toBe(0)
      expect((await store.status()).revision).toBe(3)
    })

    it('rejects a batch with one bad key entirely', async () => {
      const { store } = context
      await rejectsWith(store.putMany([['ok', 1], ['', 2]]), 'INVALID_ARGUMENT')
      await rejectsWith(store.putMany({ ok: 1, ['x'.repeat(2000)]: 2 }), 'TOO_LARGE')
      expect(await store.count()).toBe(0)
    })
  })

  describe('ranges (spec §2)', () => {
    it('lists by prefix and range in UTF-8 byte order, with limit, reverse and keysOnly', async () => {
      const { store } = context
      const keys = ['a/1', 'a/2', 'a/3', 'b/1', 'a/\u{10000}', 'a/\uffff', 'ab']
      await store.putMany(keys.map((key): [string, string] => [key, key]))
      const all = await store.list({ prefix: 'a/' })
      // U+FFFF (EF BF BF) sorts before U+10000 (F0 90 80 80) in UTF-8, unlike UTF-16.
      expect(all.entries.map((entry) => entry.key)).toEqual(['a/1', 'a/2', 'a/3', 'a/\uffff', 'a/\u{10000}'])
      expect(all.more).toBe(false)
      expect(all.revision).toBe(1)
      const page = await store.list({ prefix: 'a/', limit: 2 })
      expect(page.entries.map((entry) => entry.key)).toEqual(['a/1', 'a/2'])
      expect(page.more).toBe(true)
      const reversed = await store.list({ prefix: 'a/', reverse: true, limit: 2 })
      expect(reversed.entries.map((entry) => entry.key)).toEqual(['a/\u{10000}', 'a/\uffff'])
      const range = await store.list({ start: 'a/2', end: 'b/1' })
      expect(range.entries.map((entry) => entry.key)).toEqual(['a/2', 'a/3', 'a/\uffff', 'a/\u{10000}', 'ab'])
      const keysOnly = await store.list({ prefix: 'b', keysOnly: true })
      expect(keysOnly.entries).toEqual([{ key: 'b/1', value: undefined, version: 1, createRevision: 1, modRevision: 1 }])
      expect(await store.count({ prefix: 'a' })).toBe(6)
      expect(await store.count()).toBe(7)
      expect(await store.count({ start: 'a/3', end: 'ab' })).toBe(3)
    })

    it('scans every matching entry in pages', async () => {
      const { store } = context
      const keys = Array.from({ length: 57 }, (_, index) => `s/${String(index).padStart(3, '0')}`)
      await store.putMany(keys.map((key, index): [string, number] => [key, index]))
      await store.put('t', 'outside')
      const seen: string[] = []
      for await (const entry of store.scan({ prefix: 's/', pageSize: 10 })) seen.push(entry.key)
      expect(seen).toEqual(keys)
      const ranged: string[] = []
      for await (const entry of store.scan({ start: 's/050', end: 's/055', pageSize: 2 })) ranged.push(entry.key)
      expect(ranged).toEqual(keys.slice(50, 55))
    })

    it('clears a prefix or a range atomically, in one revision', async () => {
      const { store } = context
      await store.putMany({ 'x/1': 1, 'x/2': 2, 'y/1': 3, z: 4 })
      expect(await store.clear({ prefix: 'x/' })).toBe(2)
      expect((await store.status()).revision).toBe(2)
      expect(await store.clear({ start: 'y', end: 'z' })).toBe(1)
      expect(await store.count()).toBe(1)
      expect(await store.clear()).toBe(1)
      expect(await store.count()).toBe(0)
      expect(await store.clear({ prefix: 'none/' })).toBe(0)
      expect((await store.status()).revision).toBe(4)
    })

    it('rejects a prefix together with start/end', async () => {
      const { store } = context
      await rejectsWith(store.list({ prefix: 'a', start: 'b' }), 'INVALID_ARGUMENT')
      await rejectsWith(store.list({ limit: 0 }), 'INVALID_ARGUMENT')
    })
  })

  describe('namespace (spec §2)', () => {
    it('makes keys, entries, ranges and clear relative to the prefix', async () => {
      const { store } = context
      const orders = store.namespace('orders/')
      await orders.put('1', 'first')
      await orders.putMany({ '2': 'second' })
      await store.put('other', 'x')
      expect(await orders.get('1')).toMatchObject({ key: '1', value: 'first' })
      expect((await store.get('orders/1'))?.value).toBe('first')
      expect((await orders.list()).entries.map((entry) => entry.key)).toEqual(['1', '2'])
      expect(await orders.count()).toBe(2)
      const nested = orders.namespace('eu/')
      await nested.put('9', 'nine')
      expect((await store.get('orders/eu/9'))?.value).toBe('nine')
      expect((await orders.list({ prefix: 'eu/' })).entries.map((entry) => entry.key)).toEqual(['eu/9'])
      expect(await orders.clear()).toBe(3)
      expect((await store.list()).entries.map((entry) => entry.key)).toEqual(['other'])
    })
  })

  describe('status (spec §2)', () => {
    it('reports mode, revision and counts', async () => {
      const { store } = context
      await store.putMany({ a: 1, b: 2 })
      const status = await store.status()
      expect(status.revision).toBe(1)
      expect(status.keys).toBe(2)
      expect(['inproc', 'remote']).toContain(status.mode)
    })
  })

  describe('close', () => {
    it('rejects calls on a closed handle with CLOSED', async () => {
      const other = await context.connect()
      await other.close()
      await rejectsWith(other.get('a'), 'CLOSED')
      await rejectsWith(other.put('a', 1), 'CLOSED')
      // Other handles of the store are unaffected.
      expect((await context.store.put('a', 1)).ok).toBe(true)
    })
  })
}
