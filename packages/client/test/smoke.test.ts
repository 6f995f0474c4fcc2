import { describe, expect, it } from 'vitest'
import { connect, ManualClock } from '../src/index.js'

describe('smoke', () => {
  it('does basic things', async () => {
    const clock = new ManualClock()
    const store = await connect({ mode: 'inproc', store: 'smoke', clock })
    const r = await store.put('a', { x: 1 })
    expect(r).toEqual({ ok: true, revision: 1, version: 1 })
    const e = await store.get('a')
    expect(e?.value).toEqual({ x: 1 })
    await store.put('b', 2, { ttlMs: 1000 })
    const w = store.watch('', { prefix: true })
    await w.ready
    clock.advance(1000)
    const it = w[Symbol.asyncIterator]()
    const ev = await it.next()
    expect(ev.value).toMatchObject({ type: 'delete', key: 'b', reason: 'expired', revision: 3 })
    const lock = await store.locks.acquire('L')
    expect(lock.token).toBe(4)
    const other = await connect({ mode: 'inproc', store: 'smoke', clock })
    const p = other.locks.acquire('L')
    await lock.release()
    const l2 = await p
    expect(l2.token).toBe(5)
    const tx = await store.transaction(async (t) => { const a = await t.get<{x:number}>('a'); t.put('a', { x: a!.value.x + 1 }); return 'ok' })
    expect(tx).toBe('ok')
    expect((await store.get('a'))?.value).toEqual({ x: 2 })
    expect(await store.counters.add('c', 5)).toEqual({ ok: true, value: 5, previous: 0 })
    const list = await store.list({ prefix: '' })
    expect(list.entries.map((x) => x.key)).toEqual(['a', 'c'])
    await store.close(); await other.close()
  })
})
