import { ManualClock } from '@clustron/core'
import { closeCodes } from '@clustron/protocol'
import { afterEach, describe, expect, it } from 'vitest'
import { startNode, type ClustronNode } from '../src/index.js'
import { inspectNode } from '../src/internal.js'
import { RawClient, value } from './support/raw-client.js'

let node: ClustronNode | undefined
afterEach(async () => {
  await node?.close()
  node = undefined
})

const put = (id: number, key: string, bytes: Uint8Array = value('v')) => ({ type: 'write', id, command: { type: 'put', key, value: bytes } })

describe('limits', () => {
  it('answers requests beyond requestsInFlightMax with RESOURCE_EXHAUSTED', async () => {
    node = await startNode({ port: 0, limits: { requestsInFlightMax: 2 } })
    const { client } = await RawClient.connected(node.port)
    client.send(put(1, 'a'), put(2, 'b'), put(3, 'c'))
    const answers = await Promise.all([1, 2, 3].map((id) => client.answer(id)))
    expect(answers.map((answer) => answer.type)).toEqual(['result', 'result', 'error'])
    expect(answers[2]).toMatchObject({ error: { code: 'RESOURCE_EXHAUSTED', details: { limit: 2 } } })
    // Once answered, the slots are free again.
    client.send(put(4, 'd'))
    expect(await client.answer(4)).toMatchObject({ type: 'result', result: { ok: true, revision: 3 } })
    client.close()
  })

  it('bounds watches per connection', async () => {
    node = await startNode({ port: 0, limits: { watchersPerConnectionMax: 2 } })
    const { client } = await RawClient.connected(node.port)
    const watch = (id: number) => ({ type: 'watch', id, watchId: id, request: { key: `k${id}`, prefix: false, initial: false, prevValue: false } })
    client.send(watch(1), watch(2), watch(3))
    const answers = await Promise.all([1, 2, 3].map((id) => client.answer(id)))
    expect(answers.map((answer) => answer.type)).toEqual(['result', 'result', 'error'])
    expect(answers[2]).toMatchObject({ error: { code: 'RESOURCE_EXHAUSTED' } })
    client.send({ type: 'unwatch', id: 4, watchId: 1 }, watch(5))
    expect(await client.answer(4)).toMatchObject({ result: { removed: true } })
    expect(await client.answer(5)).toMatchObject({ type: 'result' })
    client.close()
  })

  it('cuts a watch off with SLOW_CONSUMER when its pending events pass the backlog bound, never skipping', async () => {
    node = await startNode({ port: 0, limits: { watchBacklogEventsMax: 5 } })
    const { client } = await RawClient.connected(node.port)
    const writer = (await RawClient.connected(node.port)).client
    client.send({ type: 'watch', id: 1, watchId: 9, request: { key: 'p/', prefix: true, initial: false, prevValue: false } })
    await client.answer(1)
    writer.send(put(1, 'p/1'))
    await writer.answer(1)
    const entries = Array.from({ length: 6 }, (_, index) => [`p/x${index}`, value('v')])
    writer.send({ type: 'write', id: 2, command: { type: 'putMany', entries } })
    await writer.answer(2)
    const messages = await client.until((all) => all.some((message) => message.type === 'watch-error'))
    const pushes = messages.filter((message) => message.watchId === 9)
    // The first revision was delivered whole; the next one (6 events > 5) ends the watch instead.
    expect(pushes.map((message) => message.type)).toEqual(['watch-events', 'watch-error'])
    expect((pushes[0]!.events as unknown[]).length).toBe(1)
    expect(pushes[1]).toMatchObject({ error: { code: 'SLOW_CONSUMER', details: { limit: 5 } } })
    client.close()
    writer.close()
  })

  it('answers TOO_LARGE for an answer above the frame limit', async () => {
    node = await startNode({ port: 0, limits: { frameBytesMax: 16 * 1024, valueBytesMax: 8 * 1024 } })
    const { client } = await RawClient.connected(node.port)
    const big = value('x'.repeat(7_000))
    // One request per frame: three of these values would exceed the frame limit together.
    for (const [id, key] of [[1, 'a'], [2, 'b'], [3, 'c']] as const) client.send(put(id, key, big))
    client.send({ type: 'read', id: 4, query: { type: 'list', prefix: '' } })
    expect(await client.answer(4)).toMatchObject({ type: 'error', error: { code: 'TOO_LARGE' } })
    client.send({ type: 'read', id: 5, query: { type: 'list', prefix: '', limit: 2 } })
    expect(await client.answer(5)).toMatchObject({ type: 'result', result: { more: true } })
    client.close()
  })

  it('splits a revision too large for one frame into partial watch messages, in order', async () => {
    node = await startNode({ port: 0, limits: { frameBytesMax: 64 * 1024, valueBytesMax: 16 * 1024 } })
    const { client } = await RawClient.connected(node.port)
    const writer = (await RawClient.connected(node.port)).client
    const entries = Array.from({ length: 4 }, (_, index) => [`k${index}`, value(String(index).repeat(12_000))])
    writer.send({ type: 'write', id: 1, command: { type: 'putMany', entries } })
    await writer.answer(1)
    // With prevValue every event of the overwrite carries two values: the revision outgrows a frame.
    client.send({ type: 'watch', id: 1, watchId: 1, request: { key: '', prefix: true, initial: false, prevValue: true } })
    await client.answer(1)
    writer.send({ type: 'write', id: 2, command: { type: 'putMany', entries } })
    await writer.answer(2)
    const messages = await client.until((all) => all.some((message) => message.type === 'watch-events' && message.partial === undefined))
    const parts = messages.filter((message) => message.type === 'watch-events')
    expect(parts.length).toBeGreaterThan(1)
    expect(parts.slice(0, -1).every((part) => part.partial === true)).toBe(true)
    const keys = parts.flatMap((part) => (part.events as { key: string }[]).map((event) => event.key))
    expect(keys).toEqual(entries.map(([key]) => key))
    client.close()
    writer.close()
  })

  it('splits an initial snapshot too large for one frame', async () => {
    node = await startNode({ port: 0, limits: { frameBytesMax: 16 * 1024, valueBytesMax: 8 * 1024 } })
    const { client } = await RawClient.connected(node.port)
    for (let index = 0; index < 5; index++) client.send(put(index + 1, `k${index}`, value('y'.repeat(6_000))))
    await client.answer(5)
    client.send({ type: 'watch', id: 6, watchId: 1, request: { key: 'k', prefix: true, initial: true, prevValue: false } })
    expect(await client.answer(6)).toMatchObject({ result: { revision: 5 } })
    const parts = client.messages.filter((message) => message.type === 'watch-initial')
    expect(parts.length).toBeGreaterThan(1)
    expect(parts.map((part) => part.partial ?? false)).toEqual([...parts.slice(1).map(() => true), false])
    expect(parts.flatMap((part) => (part.entries as { key: string }[]).map((entry) => entry.key))).toEqual(['k0', 'k1', 'k2', 'k3', 'k4'])
    expect(parts.every((part) => part.revision === 5)).toBe(true)
    client.close()
  })
  it('refuses a key above keyBytesMax and a value above valueBytesMax with TOO_LARGE, changing nothing', async () => {
    node = await startNode({ port: 0, limits: { keyBytesMax: 64, valueBytesMax: 1024 } })
    const { client } = await RawClient.connected(node.port)
    client.send(put(1, 'seed'))
    await client.answer(1)
    const before = inspectNode(node).snapshot('default')
    client.send(
      put(2, 'k'.repeat(65)),
      put(3, 'ok', value('v'.repeat(2_000))),
      { type: 'write', id: 4, command: { type: 'putMany', entries: [['a', value('1')], ['b'.repeat(100), value('2')]] } },
      { type: 'read', id: 5, query: { type: 'get', key: 'g'.repeat(65) } },
      { type: 'watch', id: 6, watchId: 1, request: { key: 'w'.repeat(65), prefix: false, initial: false, prevValue: false } },
    )
    for (const id of [2, 3, 4, 5, 6]) expect(await client.answer(id), `request ${id}`).toMatchObject({ type: 'error', error: { code: 'TOO_LARGE' } })
    expect(Buffer.from(inspectNode(node).snapshot('default')).equals(Buffer.from(before))).toBe(true)
    // At the bounds exactly: accepted.
    client.send(put(7, 'k'.repeat(64), value('v'.repeat(1_000))))
    expect(await client.answer(7)).toMatchObject({ type: 'result', result: { ok: true, revision: 2 } })
    client.close()
  })

  it('refuses a transaction above txnOpsMax, changing nothing', async () => {
    node = await startNode({ port: 0, limits: { txnOpsMax: 4 } })
    const { client } = await RawClient.connected(node.port)
    const ops = (count: number) => Array.from({ length: count }, (_, index) => ({ op: 'put', key: `t${index}`, value: value('x') }))
    client.send({ type: 'write', id: 1, command: { type: 'txn', if: [], then: ops(5), else: [] } })
    const refused = await client.answer(1)
    expect(refused).toMatchObject({ type: 'error', error: { code: 'TOO_LARGE' } })
    expect((refused.error as { message: string }).message).toMatch(/4/)
    client.send({ type: 'read', id: 2, query: { type: 'count' } }, { type: 'write', id: 3, command: { type: 'txn', if: [], then: ops(4), else: [] } })
    expect(await client.answer(2)).toMatchObject({ type: 'result', result: 0 })
    expect(await client.answer(3)).toMatchObject({ type: 'result' })
    client.close()
  })

  it('paces requests beyond requestsPerSecondMax with RESOURCE_EXHAUSTED and a retry-after; refused requests change nothing', async () => {
    const connectionClock = new ManualClock()
    node = await startNode({ port: 0, connectionClock, limits: { requestsPerSecondMax: 5 } })
    const { client } = await RawClient.connected(node.port)
    client.send(...Array.from({ length: 8 }, (_, index) => put(index + 1, `r${index}`)))
    const answers = await Promise.all(Array.from({ length: 8 }, (_, index) => client.answer(index + 1)))
    expect(answers.map((answer) => answer.type)).toEqual(['result', 'result', 'result', 'result', 'result', 'error', 'error', 'error'])
    for (const answer of answers.slice(5)) {
      expect(answer).toMatchObject({ error: { code: 'RESOURCE_EXHAUSTED', details: { limit: 5 } } })
      const { retryAfterMs } = (answer.error as { details: { retryAfterMs: number } }).details
      expect(retryAfterMs).toBeGreaterThan(0)
      expect(retryAfterMs).toBeLessThanOrEqual(200)
      expect((answer.error as { message: string }).message).toMatch(/slow down \(retry after \d+ ms\)/)
    }
    expect(inspectNode(node).replicas.get('default')!.revision).toBe(5)
    // After the advertised wait there is room again.
    connectionClock.advance(200)
    client.send({ type: 'ping', id: 9 })
    expect(await client.answer(9)).toMatchObject({ type: 'result' })
    // Another connection has its own budget.
    const { client: other } = await RawClient.connected(node.port)
    other.send({ type: 'ping', id: 1 })
    expect(await other.answer(1)).toMatchObject({ type: 'result' })
    client.close()
    other.close()
  })

  it('bounds notice subscriptions per connection', async () => {
    node = await startNode({ port: 0, limits: { watchersPerConnectionMax: 2 } })
    const { client } = await RawClient.connected(node.port)
    const subscribe = (id: number) => ({ type: 'subscribe', id, topic: { type: 'election', name: `e${id}` } })
    client.send(subscribe(1), subscribe(2), subscribe(3))
    const answers = await Promise.all([1, 2, 3].map((id) => client.answer(id)))
    expect(answers.map((answer) => answer.type)).toEqual(['result', 'result', 'error'])
    expect(answers[2]).toMatchObject({ error: { code: 'RESOURCE_EXHAUSTED', details: { limit: 2 } } })
    client.close()
  })

  it('refuses limits that contradict each other at start-up, naming them', async () => {
    await expect(startNode({ port: 0, limits: { frameBytesMax: 64 * 1024, valueBytesMax: 1024 * 1024 } })).rejects.toThrow(/valueBytesMax.*frameBytesMax/)
    await expect(startNode({ port: 0, limits: { requestsPerSecondMax: -1 } })).rejects.toThrow(/requestsPerSecondMax/)
    await expect(startNode({ port: 0, stores: [{ name: 's', limits: { connectionsMax: 5 } }] })).rejects.toThrow(/node-wide limit/)
  })
  it('bounds frames before the welcome to 64 KiB (a half-open connection holds little); after it, up to frameBytesMax', async () => {
    node = await startNode({ port: 0 })
    const early = await RawClient.open(node.port)
    early.sendRaw(new Uint8Array(64 * 1024 + 1))
    expect((await early.closed).code).toBe(closeCodes.tooLarge)
    const { client } = await RawClient.connected(node.port)
    client.send(put(1, 'big', value('x'.repeat(512 * 1024))))
    expect(await client.answer(1)).toMatchObject({ type: 'result', result: { ok: true } })
    client.close()
  })
})
