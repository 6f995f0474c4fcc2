import { ManualClock } from '@clustron/core'
import { encodeValue } from '@clustron/core/internal'
import { describe, expect, it } from 'vitest'
import { backoffDelayMs } from '../src/remote/backoff.js'
import { connectRemote } from '../src/remote/connect-remote.js'
import { FakeNode, type FakeConnection } from './support/fake-node.js'

const settled = () => new Promise<void>((resolve) => setImmediate(resolve))
const bytes = (value: unknown) => encodeValue(value, 1024)
const put = (key: string, value: unknown, revision: number) => ({ type: 'put', key, value: bytes(value), version: 1, revision })

async function setup() {
  const clock = new ManualClock(0)
  const node = new FakeNode(() => clock.now())
  const store = await connectRemote({ mode: 'remote', seeds: ['a:1'], store: 's' }, { transport: node.transport, connectionClock: clock, random: () => 0.5 })
  const reconnect = async (): Promise<FakeConnection> => {
    const count = node.connections.length
    node.current.drop()
    await settled()
    clock.advance(backoffDelayMs(0, 0.5))
    await node.until(() => node.connections.length === count + 1 && node.current.requests('watch').length > 0)
    return node.current
  }
  return { node, store, reconnect }
}

describe('watch resume', () => {
  it('asks initial only the first time, then resumes from the last delivered revision + 1 with no gap and no repeat', async () => {
    const { node, store, reconnect } = await setup()
    const watch = store.watch('p/', { prefix: true, initial: true })
    const iterator = watch[Symbol.asyncIterator]()
    await node.until(() => node.current.requests('watch').length === 1)
    const [registration] = node.current.requests('watch')
    expect(registration!.request).toEqual({ key: 'p/', prefix: true, initial: true, prevValue: false })
    const watchId = registration!.watchId as number
    node.current.push(
      { type: 'watch-initial', watchId, entries: [{ key: 'p/a', value: bytes(1), version: 1, createRevision: 5, modRevision: 5 }], revision: 5 },
      { type: 'result', id: registration!.id, result: { revision: 5 } },
      { type: 'watch-events', watchId, events: [put('p/b', 2, 6), put('p/c', 3, 7)] },
    )
    await watch.ready

    const second = await reconnect()
    const [resume] = second.requests('watch')
    expect(resume!.request).toEqual({ key: 'p/', prefix: true, initial: false, prevValue: false, fromRevision: 8 })
    expect(resume!.watchId).toBe(watchId)
    // A node that replays a revision already delivered (7) is not believed twice.
    second.push({ type: 'watch-events', watchId, events: [put('p/c', 3, 7), put('p/d', 4, 8)] }, { type: 'result', id: resume!.id, result: { revision: 8 } })

    const seen = []
    for (let index = 0; index < 4; index++) seen.push((await iterator.next()).value)
    expect(seen.map((event) => [event.key, event.revision])).toEqual([
      ['p/a', 5],
      ['p/b', 6],
      ['p/c', 7],
      ['p/d', 8],
    ])
    watch.close()
    await store.close()
  })

  it('delivers a split revision only whole: a cut inside it resumes from its start', async () => {
    const { node, store, reconnect } = await setup()
    const watch = store.watch('k', { prefix: true })
    const iterator = watch[Symbol.asyncIterator]()
    await node.until(() => node.current.requests('watch').length === 1)
    const [registration] = node.current.requests('watch')
    const watchId = registration!.watchId as number
    node.current.push({ type: 'result', id: registration!.id, result: { revision: 3 } })
    await watch.ready
    node.current.push({ type: 'watch-events', watchId, events: [put('k1', 1, 4), put('k2', 2, 4)], partial: true })
    await settled()
    const second = await reconnect()
    expect(second.requests('watch')[0]!.request).toMatchObject({ fromRevision: 4 })
    second.push({ type: 'watch-events', watchId, events: [put('k1', 1, 4), put('k2', 2, 4), put('k3', 3, 4)] })
    const seen = []
    for (let index = 0; index < 3; index++) seen.push((await iterator.next()).value)
    expect(seen.map((event) => event.key)).toEqual(['k1', 'k2', 'k3'])
    watch.close()
    await store.close()
  })

  it('resumes after the node ends a watch with UNAVAILABLE; other errors end the iteration', async () => {
    const { node, store } = await setup()
    const watch = store.watch('x')
    const iterator = watch[Symbol.asyncIterator]()
    await node.until(() => node.current.requests('watch').length === 1)
    const connection = node.current
    const [registration] = connection.requests('watch')
    const watchId = registration!.watchId as number
    connection.push({ type: 'result', id: registration!.id, result: { revision: 1 } })
    connection.push({ type: 'watch-error', watchId, error: { code: 'UNAVAILABLE', message: 'node going away' } })
    await node.until(() => connection.requests('watch').length === 2)
    expect(connection.requests('watch')[1]!.request).toMatchObject({ fromRevision: 2 })
    connection.push({ type: 'watch-error', watchId, error: { code: 'SLOW_CONSUMER', message: 'too slow' } })
    await expect(iterator.next()).rejects.toMatchObject({ code: 'SLOW_CONSUMER', name: 'SlowConsumerError' })
    await store.close()
  })
})

describe('notice subscriptions across a reconnect', () => {
  it('subscribes again on the new connection and tells every listener to resync', async () => {
    const { node, store, reconnect } = await setup()
    const lease = await (async () => {
      const granting = store.leases.grant(60_000, { keepAlive: false })
      await node.until(() => node.current.requests('write').length === 1)
      const [write] = node.current.requests('write')
      node.current.answer(write!.id as number, { id: 'L1', ttlMs: 60_000, expiresAt: 60_000 })
      return granting
    })()
    await node.until(() => node.current.requests('subscribe').length === 1)
    expect(node.current.requests('subscribe')[0]!.topic).toEqual({ type: 'lease', id: 'L1' })
    store.watch('w') // something for `reconnect` to wait for
    const second = await reconnect()
    await node.until(() => second.requests('subscribe').length === 1)
    expect(second.requests('subscribe')[0]!.topic).toEqual({ type: 'lease', id: 'L1' })
    // The lease heard `resync` and checks itself with a renewal.
    await node.until(() => second.requests('write').some((write) => (write.command as { type: string }).type === 'leaseRenew'))
    const renew = second.requests('write').find((write) => (write.command as { type: string }).type === 'leaseRenew')!
    second.push({ type: 'error', id: renew.id, error: { code: 'LEASE_NOT_FOUND', message: 'expired', details: { lease: 'L1' } } })
    await node.until(() => lease.signal.aborted)
    expect((lease.signal.reason as { code: string }).code).toBe('LEASE_NOT_FOUND')
    await store.close()
  })
})
