import { ManualClock, type ClustronError } from '@clustron/core'
import { describe, expect, it } from 'vitest'
import { backoffDelayMs, defaultBackoff } from '../src/remote/backoff.js'
import { connectRemote, type RemoteInternals } from '../src/remote/connect-remote.js'
import { FakeNode } from './support/fake-node.js'

/** Lets every pending promise callback run (one macrotask): what an await chain does next is done. */
const settled = () => new Promise<void>((resolve) => setImmediate(resolve))

function setup(options: { seeds?: string[]; requestTimeoutMs?: number } = {}) {
  const clock = new ManualClock(0)
  const node = new FakeNode(() => clock.now())
  const internals: RemoteInternals = { transport: node.transport, connectionClock: clock, random: () => 0.5, connectTimeoutMs: 60_000 }
  const connect = () =>
    connectRemote({ mode: 'remote', seeds: options.seeds ?? ['a:7861'], store: 's', ...(options.requestTimeoutMs === undefined ? {} : { requestTimeoutMs: options.requestTimeoutMs }) }, internals)
  return { clock, node, connect }
}

describe('backoff', () => {
  it('grows exponentially up to the maximum, with half of each delay random', () => {
    expect([0, 1, 2, 3].map((attempt) => backoffDelayMs(attempt, 0))).toEqual([25, 50, 100, 200])
    expect([0, 1, 2, 3].map((attempt) => backoffDelayMs(attempt, 0.999999))).toEqual([50, 100, 200, 400])
    expect(backoffDelayMs(40, 0)).toBe(defaultBackoff.maxMs / 2)
    expect(backoffDelayMs(40, 0.999999)).toBe(defaultBackoff.maxMs)
  })

  it('retries across the seeds with growing delays until one answers', async () => {
    const { clock, node, connect } = setup({ seeds: ['a:1', 'b:2'] })
    node.failNext = 4
    const connecting = connect()
    for (let attempt = 0; attempt < 4; attempt++) {
      await node.until(() => node.attempts.length === attempt + 1)
      await settled()
      clock.advance(backoffDelayMs(attempt, 0.5))
    }
    const store = await connecting
    const gaps = node.attempts.slice(1).map((attempt, index) => attempt.at - node.attempts[index]!.at)
    expect(gaps).toEqual([38, 75, 150, 300])
    // The seeds alternate (the first is chosen at random).
    expect(node.attempts.map((attempt) => new URL(attempt.url).port)).toEqual(['2', '1', '2', '1', '2'])
    expect(node.attempts[0]!.url).toBe('ws://b:2/v1/client')
    await store.close()
  })

  it('gives up the first connection after the connect timeout, naming the seeds', async () => {
    const { clock, node, connect } = setup({ seeds: ['h1:1', 'h2:2'] })
    node.failNext = Number.POSITIVE_INFINITY
    let outcome: unknown
    const connecting = connect().catch((caught: unknown) => (outcome = caught))
    while (outcome === undefined) {
      await settled()
      clock.advance(1_000)
    }
    const error = (await connecting) as ClustronError
    // It kept trying for the whole connect timeout (60 s), not longer than one more backoff.
    expect(clock.now()).toBeGreaterThanOrEqual(60_000)
    expect(clock.now()).toBeLessThanOrEqual(60_000 + defaultBackoff.maxMs + 1_000)
    expect(error.code).toBe('UNAVAILABLE')
    expect(error.message).toMatch(/h1:1, h2:2/)
  })

  it('fails at once when the node refuses the handshake (unknown store)', async () => {
    const { node, connect } = setup()
    node.refuse = { code: 'NOT_FOUND', message: "store 's' is not hosted by node fake" }
    const error = (await connect().catch((caught: unknown) => caught)) as ClustronError
    expect(error.name).toBe('NotFoundError')
    expect(error.code).toBe('NOT_FOUND')
    expect(node.attempts).toHaveLength(1)
  })
})

describe('requests across a reconnect', () => {
  it('fails a write in flight with TIMEOUT (outcome unknown) and never resends it; queues new ones until reconnected', async () => {
    const { clock, node, connect } = setup()
    const store = await connect()
    const first = node.current
    const inFlight = store.put('k', 1)
    await node.until(() => first.requests('write').length === 1)
    first.drop()
    const error = (await inFlight.catch((caught: unknown) => caught)) as ClustronError
    expect(error.code).toBe('TIMEOUT')
    expect(error.retryable).toBe(true)
    expect(error.message).toMatch(/may or may not have been applied/)
    // Issued while disconnected: waits, then goes out on the next connection.
    const queued = store.put('k', 2)
    await settled()
    clock.advance(backoffDelayMs(0, 0.5))
    await node.until(() => node.connections.length === 2 && node.current.requests('write').length === 1)
    const second = node.current
    const [write] = second.requests('write')
    expect((write!.command as { type: string; key: string }).key).toBe('k')
    second.answer(write!.id as number, { ok: true, revision: 1, version: 1 })
    expect(await queued).toEqual({ ok: true, revision: 1, version: 1 })
    // Only the queued request was sent again, never the one in flight at the drop.
    expect(second.requests('write')).toHaveLength(1)
    await store.close()
  })

  it('times out a request with TIMEOUT after requestTimeoutMs, ignoring a late answer', async () => {
    const { clock, node, connect } = setup({ requestTimeoutMs: 1_000 })
    const store = await connect()
    const pending = store.get('k')
    await node.until(() => node.current.requests('read').length === 1)
    clock.advance(999)
    await settled()
    clock.advance(1)
    const error = (await pending.catch((caught: unknown) => caught)) as ClustronError
    expect(error.code).toBe('TIMEOUT')
    node.current.answer(node.current.requests('read')[0]!.id as number, undefined)
    await settled()
    expect(await Promise.race([store.status().then(() => 'answered'), settled().then(() => 'pending')])).toBe('pending')
    await store.close()
  })

  it('closes a connection whose pings go unanswered, and reconnects', async () => {
    const { clock, node, connect } = setup()
    node.limits = { idleTimeoutMs: 3_000 }
    node.answerPings = false
    const store = await connect()
    clock.advance(1_000)
    await node.until(() => node.current.requests('ping').length === 1)
    // Unanswered for three ping periods: the node is taken for gone.
    clock.advance(1_000)
    clock.advance(1_000)
    expect(node.connections[0]!.isClosed).toBe(false)
    clock.advance(1_000)
    await node.until(() => node.connections[0]!.isClosed)
    await settled()
    clock.advance(backoffDelayMs(0, 0.5))
    await node.until(() => node.connections.length === 2)
    await store.close()
  })

  it('closes the connection and fails what is in flight with CLOSED on close()', async () => {
    const { node, connect } = setup()
    const store = await connect()
    const pending = store.get('k')
    await node.until(() => node.current.requests('read').length === 1)
    await store.close()
    expect(((await pending.catch((caught: unknown) => caught)) as ClustronError).code).toBe('CLOSED')
    expect(node.current.isClosed).toBe(true)
    await expect(store.get('k')).rejects.toMatchObject({ code: 'CLOSED' })
  })

  it('coalesces the requests of one tick into one frame', async () => {
    const { node, connect } = setup()
    const store = await connect()
    const frames: number[] = []
    const connection = node.current
    const send = connection.send.bind(connection)
    connection.send = (frame) => {
      frames.push(frame.length)
      send(frame)
    }
    const pending = Array.from({ length: 10 }, (_, index) => store.get(`k${index}`))
    await node.until(() => connection.requests('read').length === 10)
    expect(frames).toHaveLength(1)
    for (const read of connection.requests('read')) connection.answer(read.id as number, undefined)
    expect(await Promise.all(pending)).toEqual(Array.from({ length: 10 }, () => undefined))
    await store.close()
  })
})
