import { closeCodes } from '@clustron/protocol'
import { describe, expect, it } from 'vitest'
import { startNode } from '../src/index.js'
import { RawClient, value } from './support/raw-client.js'

describe('graceful shutdown', () => {
  it('answers requests already received, ends watches with UNAVAILABLE, then closes with shuttingDown', async () => {
    const node = await startNode({ port: 0 })
    const { client } = await RawClient.connected(node.port)
    client.send({ type: 'watch', id: 1, watchId: 3, request: { key: 'k', prefix: false, initial: false, prevValue: false } })
    await client.answer(1)
    client.send({ type: 'write', id: 2, command: { type: 'put', key: 'k', value: value('v') } })
    await client.answer(2)
    const closing = node.close()
    const [closed] = await Promise.all([client.closed, closing])
    const messages = client.messages
    const watchMessages = messages.filter((message) => message.watchId === 3).map((message) => message.type)
    // The event of the write came before the end of the watch.
    expect(watchMessages).toEqual(['watch-events', 'watch-error'])
    expect(messages.find((message) => message.type === 'watch-error')).toMatchObject({ error: { code: 'UNAVAILABLE' } })
    expect(closed.code).toBe(closeCodes.shuttingDown)
  })

  it('refuses new connections and reports stopping while it closes', async () => {
    const node = await startNode({ port: 0 })
    const port = node.port
    await node.close()
    await expect(RawClient.open(port)).rejects.toThrow()
    expect(node.health().status).toBe('stopping')
    // close() is idempotent.
    await node.close()
  })

  it('fails requests that arrive after the shutdown began with UNAVAILABLE', async () => {
    const node = await startNode({ port: 0 })
    const { client } = await RawClient.connected(node.port)
    const closing = node.close()
    client.send({ type: 'ping', id: 1 })
    const outcome = await client.answer(1).catch(() => undefined)
    // Either the request beat the close (answered) or met the draining node (UNAVAILABLE), or the socket was already gone.
    if (outcome !== undefined) expect(['result', 'error']).toContain(outcome.type)
    if (outcome?.type === 'error') expect(outcome).toMatchObject({ error: { code: 'UNAVAILABLE' } })
    await closing
  })
})
