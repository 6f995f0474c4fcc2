import type { ClustronError, Store, Watch, WatchEvent } from '@clustron/core'
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest'
import { connect } from '../src/index.js'
import { NodeProcess } from './support/node-process.js'
import { TcpProxy } from './support/tcp-proxy.js'

/**
 * Disconnects against a real node (its own process), through a TCP proxy that cuts and restores
 * the client's connection. Real time: TTLs are short, and every wait is for an event (a pushed
 * event, an aborted signal, a reconnect attempt), bounded by `within`.
 */

let node: NodeProcess
const stores = Array.from({ length: 8 }, (_, index) => `cut${index}`)
let nextStore = 0
let proxy: TcpProxy
let opened: Store[] = []

beforeAll(async () => {
  node = await NodeProcess.start(['--store', stores.join(',')])
}, 30_000)

afterAll(async () => {
  // A graceful stop exits 0.
  expect(await node.stop()).toBe(0)
})

afterEach(async () => {
  await Promise.allSettled(opened.map((store) => store.close()))
  opened = []
  await proxy.close()
})

/** A store reached through the proxy, and a second one straight to the node (never cut). */
async function pair(): Promise<{ cut: Store; direct: Store; store: string }> {
  const store = stores[nextStore++]!
  proxy = await TcpProxy.start(node.port)
  const cut = await connect({ mode: 'remote', seeds: [proxy.seed], store })
  const direct = await connect({ mode: 'remote', seeds: [node.seed], store })
  opened.push(cut, direct)
  return { cut, direct, store }
}

async function within<T>(promise: Promise<T>, what: string, ms = 5_000): Promise<T> {
  let timer: NodeJS.Timeout | undefined
  try {
    return await Promise.race([promise, new Promise<never>((_, reject) => (timer = setTimeout(() => reject(new Error(`timed out waiting for ${what}`)), ms)))])
  } finally {
    clearTimeout(timer)
  }
}

async function take<T>(watch: Watch<T>, count: number): Promise<WatchEvent<T>[]> {
  const iterator = watch[Symbol.asyncIterator]()
  const events: WatchEvent<T>[] = []
  while (events.length < count) {
    const next = await within(iterator.next(), `event ${events.length + 1} of ${count}`)
    if (next.done === true) throw new Error('the watch ended')
    events.push(next.value)
  }
  return events
}

const aborted = (signal: AbortSignal) => new Promise<unknown>((resolve) => (signal.aborted ? resolve(signal.reason) : signal.addEventListener('abort', () => resolve(signal.reason))))

/** Waits (bounded) until the node reports `count` queued lock waiters. */
async function queued(store: Store, count: number): Promise<void> {
  await within(
    (async () => {
      while ((await store.status()).lockWaiters !== count) await new Promise((resolve) => setImmediate(resolve))
    })(),
    `${count} queued waiters`,
  )
}

describe('disconnects', () => {
  it('a watch resumes after a cut with no gap and no duplicate', async () => {
    const { cut, direct } = await pair()
    const watch = cut.watch<number>('k/', { prefix: true })
    await watch.ready
    for (let index = 1; index <= 5; index++) await direct.put(`k/${index}`, index)
    const before = await take(watch, 5)
    proxy.cut()
    for (let index = 6; index <= 10; index++) await direct.put(`k/${index}`, index)
    // The client noticed and is trying to reconnect while it is cut.
    await within(proxy.until(() => proxy.refused >= 1), 'a reconnect attempt')
    proxy.restore()
    for (let index = 11; index <= 15; index++) await direct.put(`k/${index}`, index)
    const after = await take(watch, 10)
    const events = [...before, ...after]
    expect(events.map((event) => event.revision)).toEqual(Array.from({ length: 15 }, (_, index) => index + 1))
    expect(events.map((event) => event.value)).toEqual(Array.from({ length: 15 }, (_, index) => index + 1))
    watch.close()
  })

  it('a write in flight at the cut fails with TIMEOUT (outcome unknown) and is never resent', async () => {
    const { cut, direct } = await pair()
    const applied = direct.watch('x')
    await applied.ready
    proxy.holdReplies()
    const pending = cut.put('x', 1)
    // The node applied it; its answer is held in the proxy.
    expect((await take(applied, 1))[0]).toMatchObject({ type: 'put', key: 'x', version: 1 })
    proxy.cut()
    const error = (await within(pending.catch((caught: unknown) => caught), 'the write to fail')) as ClustronError
    // The node applied it but the answer was lost: the client cannot know, and says so.
    expect(error.code).toBe('TIMEOUT')
    expect(error.retryable).toBe(true)
    proxy.restore()
    expect((await within(cut.get('x'), 'a read after reconnecting'))?.version).toBe(1)
    applied.close()
  })

  it('a kept-alive lease survives a short cut', async () => {
    const { cut, direct } = await pair()
    const lease = await cut.leases.grant(3_000)
    await cut.put('held', 1, { lease })
    proxy.cut()
    await within(proxy.until(() => proxy.refused >= 2), 'reconnect attempts')
    proxy.restore()
    // The first read waits for the new connection; the second follows the renewal sent on reconnecting.
    await within(cut.get('held'), 'a read after reconnecting')
    expect((await cut.get('held'))?.value).toBe(1)
    expect(lease.signal.aborted).toBe(false)
    const info = await direct.leases.info(lease.id)
    expect(info?.keys).toEqual(['held'])
    await lease.revoke()
  })

  it('a lease is lost after a cut longer than its TTL: its signal aborts and the node deletes its keys', async () => {
    const { cut, direct } = await pair()
    const lease = await cut.leases.grant(1_000)
    await cut.put('bound', 1, { lease })
    const watch = direct.watch('bound')
    await watch.ready
    proxy.cut()
    const reason = (await within(aborted(lease.signal), 'the lease signal')) as ClustronError
    expect(reason.code).toBe('LEASE_NOT_FOUND')
    const [expiry] = await take(watch, 1)
    expect(expiry).toMatchObject({ type: 'delete', key: 'bound', reason: 'lease' })
    proxy.restore()
    await expect(lease.renew()).rejects.toMatchObject({ code: 'LEASE_NOT_FOUND' })
    expect(await within(cut.get('bound'), 'a read after reconnecting')).toBeUndefined()
    watch.close()
  })

  it('a lock waiter whose grant was pushed during a cut gets it after reconnecting, exactly once', async () => {
    const { cut, direct } = await pair()
    const holder = await direct.locks.acquire('L')
    const waiting = cut.locks.acquire('L')
    await queued(direct, 1)
    proxy.cut()
    await holder.release()
    const granted = await direct.locks.holder('L')
    expect(granted?.token).toBeGreaterThan(holder.token)
    proxy.restore()
    const lock = await within(waiting, 'the waiter to learn of its grant')
    expect(lock.token).toBe(granted!.token)
    expect(lock.signal.aborted).toBe(false)
    // Nobody else can hold it meanwhile: no double grant.
    expect(await direct.locks.tryAcquire('L')).toBeUndefined()
    await lock.release()
    expect(await direct.locks.holder('L')).toBeUndefined()
  })

  it('a lock waiter cut off longer than its lease fails with a retryable error and never gets the lock', async () => {
    const { cut, direct } = await pair()
    const holder = await direct.locks.acquire('M')
    const waiting = cut.locks.acquire('M', { ttlMs: 1_000 })
    await queued(direct, 1)
    proxy.cut()
    const error = (await within(waiting.catch((caught: unknown) => caught), 'the waiter to give up')) as ClustronError
    expect(error.retryable).toBe(true)
    // The node drops the waiter when its lease expires: the release hands the lock to nobody.
    await queued(direct, 0)
    await holder.release()
    expect(await direct.locks.holder('M')).toBeUndefined()
    proxy.restore()
    const again = await within(cut.locks.acquire('M'), 'acquiring again after reconnecting')
    expect(again.token).toBeGreaterThan(holder.token)
    await again.release()
  })
})

describe('a remote store', () => {
  it('status() says remote, and names the node, the leader, the term and the log indexes', async () => {
    const { direct, store } = await pair()
    await direct.put('a', 1)
    const status = await direct.status()
    expect(status).toMatchObject({ mode: 'remote', store, node: 'n1', leader: 'n1', revision: 1, keys: 1, role: 'leader' })
    expect(status.term).toBeGreaterThanOrEqual(1)
    expect(status.members).toEqual([expect.objectContaining({ id: 'n1', role: 'leader' })])
    expect(status.appliedIndex).toBeGreaterThanOrEqual(1)
    expect(status.commitIndex).toBe(status.appliedIndex)
  })

  it('connect() by URL, and NOT_FOUND naming an undeclared store', async () => {
    await pair()
    const byUrl = await connect(`clustron://${node.seed}/${stores[0]}`)
    opened.push(byUrl)
    expect((await byUrl.status()).store).toBe(stores[0])
    const error = (await connect(`clustron://${node.seed}/nope`).catch((caught: unknown) => caught)) as ClustronError
    expect(error.name).toBe('NotFoundError')
    expect(error.message).toMatch(/store 'nope'/)
  })
})
