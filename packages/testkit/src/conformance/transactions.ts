import { describe, expect, it } from 'vitest'
import type { SuiteContext } from './context.js'
import { deferred, rejectsWith } from './helpers.js'

/** Spec §3: compare-then-else txn and optimistic transactions. */
export function describeTransactions(context: SuiteContext): void {
  describe('txn (spec §3)', () => {
    it('runs `then` when every compare holds, in one revision, with per-op results', async () => {
      const { store } = context
      await store.putMany({ a: 1, b: 'x' })
      const response = await store.txn({
        if: [
          { key: 'a', target: 'value', value: 1 },
          { key: 'a', target: 'version', op: '==', value: 1 },
          { key: 'b', target: 'createRevision', op: '>', value: 0 },
          { key: 'missing', target: 'version', value: 0 },
        ],
        then: [
          { op: 'put', key: 'a', value: 2 },
          { op: 'get', key: 'a' },
          { op: 'add', key: 'n', delta: 5 },
          { op: 'delete', key: 'b' },
          { op: 'get', key: 'b' },
        ],
        else: [{ op: 'put', key: 'wrong', value: true }],
      })
      expect(response.succeeded).toBe(true)
      expect(response.revision).toBe(2)
      expect(response.results).toEqual([
        { revision: 2, version: 2 },
        { key: 'a', value: 2, version: 2, createRevision: 1, modRevision: 2 },
        { value: 5, previous: 0 },
        { deleted: 1 },
        undefined,
      ])
      expect(await store.get('wrong')).toBeUndefined()
      expect((await store.status()).revision).toBe(2)
    })

    it('runs `else` when a compare fails', async () => {
      const { store } = context
      await store.put('a', 5)
      const response = await store.txn({
        if: [{ key: 'a', target: 'value', op: '>', value: 10 }],
        then: [{ op: 'put', key: 'a', value: 0 }],
        else: [{ op: 'get', key: 'a' }],
      })
      expect(response.succeeded).toBe(false)
      expect(response.results).toEqual([{ key: 'a', value: 5, version: 1, createRevision: 1, modRevision: 1 }])
      // A txn that changed nothing does not advance the revision.
      expect(response.revision).toBe(1)
    })

    it('compares values with <, > and !=, and leases by id', async () => {
      const { store } = context
      await store.putMany({ n: 7, s: 'm' })
      const lease = await store.leases.grant(60_000)
      await store.put('leased', 1, { lease })
      const holds = async (compare: Parameters<typeof store.txn>[0]['if']) =>
        (await store.txn({ if: compare ?? [], then: [] })).succeeded
      expect(await holds([{ key: 'n', target: 'value', op: '<', value: 10 }])).toBe(true)
      expect(await holds([{ key: 'n', target: 'value', op: '>', value: 10 }])).toBe(false)
      expect(await holds([{ key: 's', target: 'value', op: '>', value: 'a' }])).toBe(true)
      expect(await holds([{ key: 'n', target: 'value', op: '!=', value: 7 }])).toBe(false)
      expect(await holds([{ key: 'missing', target: 'value', op: '!=', value: 7 }])).toBe(true)
      expect(await holds([{ key: 'leased', target: 'lease', value: lease.id }])).toBe(true)
      expect(await holds([{ key: 'n', target: 'lease', value: null }])).toBe(true)
      expect(await holds([{ key: 'n', target: 'modRevision', op: '<', value: 2 }])).toBe(true)
      await lease.revoke()
    })

    it('deletePrefix and ops that see earlier ops of the same branch', async () => {
      const { store } = context
      await store.putMany({ 'p/1': 1, 'p/2': 2, q: 3 })
      const response = await store.txn({
        then: [
          { op: 'put', key: 'p/3', value: 3 },
          { op: 'deletePrefix', prefix: 'p/' },
          { op: 'put', key: 'p/9', value: 9 },
          { op: 'add', key: 'q', delta: 1 },
          { op: 'add', key: 'q', delta: 1 },
        ],
      })
      expect(response.results).toEqual([{ revision: 2, version: 1 }, { deleted: 3 }, { revision: 2, version: 1 }, { value: 4, previous: 3 }, { value: 5, previous: 4 }])
      expect((await store.list()).entries.map((entry) => [entry.key, entry.value])).toEqual([['p/9', 9], ['q', 5]])
    })

    it('rejects the whole txn when an op cannot apply; nothing changes', async () => {
      const { store } = context
      await store.put('text', 'not a number')
      await rejectsWith(store.txn({ then: [{ op: 'put', key: 'a', value: 1 }, { op: 'add', key: 'text', delta: 1 }] }), 'TYPE_MISMATCH')
      expect(await store.get('a')).toBeUndefined()
      await rejectsWith(store.txn({ then: [{ op: 'put', key: 'b', value: 1, lease: 'no-such-lease' }] }), 'LEASE_NOT_FOUND')
      await rejectsWith(store.txn({ then: [{ op: 'nope', key: 'x' } as never] }), 'INVALID_ARGUMENT')
      const tooMany = Array.from({ length: 129 }, (_, index) => ({ op: 'get' as const, key: `k${index}` }))
      await rejectsWith(store.txn({ then: tooMany }), 'TOO_LARGE')
      expect((await store.status()).revision).toBe(1)
    })
  })

  describe('transaction() (spec §3)', () => {
    it('commits with read-your-writes and returns the function result', async () => {
      const { store } = context
      await store.putMany({ 'acct:a': 100, 'acct:b': 0 })
      const result = await store.transaction(async (tx) => {
        const a = await tx.get<number>('acct:a')
        const b = await tx.get<number>('acct:b')
        tx.put('acct:a', a!.value - 10)
        tx.put('acct:b', (b?.value ?? 0) + 10)
        expect((await tx.get<number>('acct:a'))?.value).toBe(90)
        tx.delete('acct:c')
        expect(await tx.get('acct:c')).toBeUndefined()
        return 'moved'
      })
      expect(result).toBe('moved')
      expect((await store.getMany<number>(['acct:a', 'acct:b'])).map((entry) => entry?.value)).toEqual([90, 10])
    })

    it('retries when a key it read changes before commit', async () => {
      const { store } = context
      await store.put('counter', 0)
      const other = await context.connect()
      let attempts = 0
      const result = await store.transaction(async (tx) => {
        attempts++
        const current = await tx.get<number>('counter')
        // A concurrent writer changes the key after the first read.
        if (attempts === 1) await other.put('counter', 100)
        tx.put('counter', current!.value + 1)
        return current!.value
      })
      expect(attempts).toBe(2)
      expect(result).toBe(100)
      expect((await store.get('counter'))?.value).toBe(101)
    })

    it('throws ConflictError when retries run out', async () => {
      const { store } = context
      await store.put('hot', 0)
      const other = await context.connect()
      let attempts = 0
      const error = await rejectsWith(
        store.transaction(
          async (tx) => {
            attempts++
            await tx.get('hot')
            await other.put('hot', attempts)
            tx.put('hot', -1)
          },
          { retries: 2 },
        ),
        'CONFLICT',
      )
      expect(error.name).toBe('ConflictError')
      expect(attempts).toBe(3)
      expect((await store.get('hot'))?.value).toBe(3)
    })

    it('serializes concurrent increments without losing any', async () => {
      const { store } = context
      await store.put('n', 0)
      const handles = await Promise.all([context.connect(), context.connect(), context.connect()])
      const start = deferred()
      const increments = handles.flatMap((handle) =>
        Array.from({ length: 5 }, async () => {
          await start.promise
          await handle.transaction(async (tx) => {
            const n = await tx.get<number>('n')
            tx.put('n', n!.value + 1)
          }, { retries: 100 })
        }),
      )
      start.resolve()
      await Promise.all(increments)
      expect((await store.get('n'))?.value).toBe(15)
    })
  })
}
