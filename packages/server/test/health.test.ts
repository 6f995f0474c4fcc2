import { ManualClock } from '@clustron/core'
import { afterEach, describe, expect, it } from 'vitest'
import { startNode, type ClustronNode } from '../src/index.js'
import { RawClient, value } from './support/raw-client.js'

let node: ClustronNode | undefined
afterEach(async () => {
  await node?.close()
  node = undefined
})

describe('HTTP', () => {
  it('/health reports the node and each store', async () => {
    node = await startNode({ port: 0, nodeId: 'alpha', stores: ['default', 'orders'] })
    const { client } = await RawClient.connected(node.port, 'orders')
    client.send({ type: 'write', id: 1, command: { type: 'put', key: 'k', value: value('v') } })
    await client.answer(1)
    const response = await fetch(`http://127.0.0.1:${node.port}/health`)
    expect(response.status).toBe(200)
    expect(response.headers.get('content-type')).toMatch(/application\/json/)
    const body = (await response.json()) as Record<string, unknown>
    expect(body).toMatchObject({
      nodeId: 'alpha',
      status: 'ok',
      stores: {
        default: { role: 'leader', leader: 'alpha', term: 1, commitIndex: 0, appliedIndex: 0, revision: 0 },
        orders: { role: 'leader', leader: 'alpha', term: 1, commitIndex: 1, appliedIndex: 1, revision: 1 },
      },
    })
    expect(typeof body.uptimeMs).toBe('number')
    client.close()
  })

  it('answers 404 elsewhere and 405 for other methods on /health', async () => {
    node = await startNode({ port: 0 })
    expect((await fetch(`http://127.0.0.1:${node.port}/nope`)).status).toBe(404)
    expect((await fetch(`http://127.0.0.1:${node.port}/health`, { method: 'POST' })).status).toBe(405)
  })

  it('the url names the loopback address and the port it got', async () => {
    node = await startNode({ port: 0 })
    expect(node.url).toBe(`clustron://127.0.0.1:${node.port}`)
    expect(node.port).toBeGreaterThan(0)
  })

  it('stamps commands with the injected clock and expires on it', async () => {
    const clock = new ManualClock(1_000_000)
    node = await startNode({ port: 0, clock })
    const { client } = await RawClient.connected(node.port)
    client.send({ type: 'write', id: 1, command: { type: 'put', key: 'k', value: value('v'), ttlMs: 500 } })
    await client.answer(1)
    client.send({ type: 'read', id: 2, query: { type: 'get', key: 'k' } })
    expect(await client.answer(2)).toMatchObject({ result: { expiresAt: 1_000_500 } })
    clock.advance(500)
    client.send({ type: 'read', id: 3, query: { type: 'get', key: 'k' } })
    expect(await client.answer(3)).toEqual({ type: 'result', id: 3 })
    client.close()
  })
})
