import { afterEach, describe, expect, it } from 'vitest'
import { startNode, type ClustronNode } from '../src/index.js'
import { RawClient, value } from './support/raw-client.js'

let node: ClustronNode | undefined
afterEach(async () => {
  await node?.close()
  node = undefined
})

describe('a client that stops reading', () => {
  it('gets its watch cut off with SLOW_CONSUMER after the events already sent, in order, while other clients are served', async () => {
    node = await startNode({ port: 0, limits: { frameBytesMax: 64 * 1024, valueBytesMax: 32 * 1024, watchBacklogEventsMax: 20 } })
    const { client: slow } = await RawClient.connected(node.port)
    const { client: writer } = await RawClient.connected(node.port)
    slow.send({ type: 'watch', id: 1, watchId: 1, request: { key: 'w/', prefix: true, initial: false, prevValue: false } })
    await slow.answer(1)
    // Stop reading: the node's socket buffer for this client fills up.
    const tcp = (slow.socket as unknown as { _socket: { pause(): void; resume(): void } })._socket
    tcp.pause()
    const payload = value('z'.repeat(30_000))
    let id = 0
    // ~24 MB: more than loopback socket buffers hold even fully auto-tuned, and the high-water mark many times over.
    for (let round = 0; round < 80; round++) {
      for (let index = 0; index < 10; index++) writer.send({ type: 'write', id: ++id, command: { type: 'put', key: `w/${id}`, value: payload } })
      await writer.answer(id)
    }
    tcp.resume()
    const messages = await slow.until((all) => all.some((message) => message.type === 'watch-error'))
    const events = messages.filter((message) => message.type === 'watch-events').flatMap((message) => message.events as { revision: number }[])
    const error = messages.find((message) => message.type === 'watch-error')
    expect(error).toMatchObject({ watchId: 1, error: { code: 'SLOW_CONSUMER' } })
    // Never skipped: what arrived is every revision from 1 up to the cut, in order.
    expect(events.map((event) => event.revision)).toEqual(events.map((_, index) => index + 1))
    expect(events.length).toBeLessThan(id)
    // The error comes after the events, and the connection itself is still usable.
    expect(messages.indexOf(error!)).toBeGreaterThan(messages.findLastIndex((message) => message.type === 'watch-events'))
    slow.send({ type: 'ping', id: 99 })
    expect(await slow.answer(99)).toMatchObject({ type: 'result' })
    slow.close()
    writer.close()
  })
})
