import { ManualClock } from '@clustron/core'
import { describe, expect, it } from 'vitest'
import { connectRemote, type RemoteInternals } from '../src/remote/connect-remote.js'
import { FakeNode } from './support/fake-node.js'

/** Lets pending callbacks run, then moves the manual clock a little, until `predicate` holds (bounded). */
async function until(clock: ManualClock, predicate: () => boolean): Promise<void> {
  for (let step = 0; step < 1_000 && !predicate(); step++) {
    await new Promise<void>((resolve) => setImmediate(resolve))
    clock.advance(10)
  }
  expect(predicate()).toBe(true)
}

/**
 * Request ids (`reqId`): every write and read carries one, and a call retried on another node (a
 * follower named the leader) keeps it, so the follower's and the leader's log lines share it.
 */
describe('request ids', () => {
  it('tags writes and reads with distinct ids and keeps a write\'s id when it follows the leader', async () => {
    const clock = new ManualClock(0)
    const node = new FakeNode(() => clock.now())
    const internals: RemoteInternals = { transport: node.transport, connectionClock: clock, random: () => 0.25, connectTimeoutMs: 60_000 }
    const store = await connectRemote({ mode: 'remote', seeds: ['follower:1'], store: 's' }, internals)
    const follower = node.current
    const writing = store.put('k', 'v')
    await node.until(() => follower.requests('write').length === 1)
    const first = follower.requests('write')[0]!
    expect(first.reqId).toMatch(/^[0-9a-z]{8}-[0-9a-z]+$/)
    follower.push({ type: 'error', id: first.id, error: { code: 'UNAVAILABLE', message: 'not the leader', details: { leader: 'leader:2' } } })

    await until(clock, () => node.connections.length === 2 && node.current.requests('write').length === 1)
    const leader = node.current
    expect(node.attempts.at(-1)!.url).toBe('ws://leader:2/v1/client')
    const retried = leader.requests('write')[0]!
    expect(retried.reqId).toBe(first.reqId)
    leader.answer(retried.id as number, { ok: true, revision: 1, version: 1 })
    expect(await writing).toEqual({ ok: true, revision: 1, version: 1 })

    const reading = store.get('k')
    await node.until(() => leader.requests('read').length === 1)
    const read = leader.requests('read')[0]!
    expect(typeof read.reqId).toBe('string')
    expect(read.reqId).not.toBe(first.reqId)
    leader.answer(read.id as number, undefined)
    expect(await reading).toBeUndefined()
    await store.close()
  })
})
