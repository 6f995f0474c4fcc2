import { ManualClock } from '@clustron/core'
import { closeCodes, protocolVersion } from '@clustron/protocol'
import { afterEach, describe, expect, it } from 'vitest'
import WebSocket from 'ws'
import { startNode, type ClustronNode } from '../src/index.js'
import { RawClient } from './support/raw-client.js'

let node: ClustronNode | undefined
afterEach(async () => {
  await node?.close()
  node = undefined
})

describe('handshake', () => {
  it('welcomes a client of the same protocol with the node, store, limits and revision', async () => {
    node = await startNode({ port: 0, stores: ['orders'], limits: { requestsInFlightMax: 7 } })
    const { client, welcome } = await RawClient.connected(node.port, 'orders')
    expect(welcome).toMatchObject({ type: 'welcome', protocol: protocolVersion, node: 'n1', store: 'orders', revision: 0 })
    expect((welcome.limits as Record<string, number>).requestsInFlightMax).toBe(7)
    client.close()
  })

  it('refuses another protocol version, naming both versions', async () => {
    node = await startNode({ port: 0 })
    const client = await RawClient.open(node.port)
    client.send({ type: 'hello', protocol: 99, store: 'default' })
    const refused = await client.next()
    expect(refused).toMatchObject({ type: 'refused', error: { code: 'INVALID_ARGUMENT' } })
    const message = (refused.error as { message: string }).message
    expect(message).toContain('protocol version 99')
    expect(message).toContain(`speaks protocol ${protocolVersion}`)
    expect((await client.closed).code).toBe(closeCodes.refused)
  })

  it('refuses an undeclared store with NOT_FOUND naming it', async () => {
    node = await startNode({ port: 0, stores: ['a', 'b'] })
    const client = await RawClient.open(node.port)
    client.send({ type: 'hello', protocol: protocolVersion, store: 'nope' })
    const refused = await client.next()
    expect(refused).toMatchObject({ type: 'refused', error: { code: 'NOT_FOUND' } })
    expect((refused.error as { message: string }).message).toMatch(/store 'nope' is not hosted by node n1 \(it hosts 'a', 'b'\)/)
    expect((await client.closed).code).toBe(closeCodes.refused)
  })

  it('refuses a request before hello, and a malformed hello', async () => {
    node = await startNode({ port: 0 })
    const early = await RawClient.open(node.port)
    early.send({ type: 'ping', id: 1 })
    expect(await early.next()).toMatchObject({ type: 'refused', error: { code: 'INVALID_ARGUMENT', message: "the first message must be 'hello', got 'ping'" } })
    expect((await early.closed).code).toBe(closeCodes.refused)
    const malformed = await RawClient.open(node.port)
    malformed.send({ type: 'hello', protocol: protocolVersion, store: 42 })
    expect(await malformed.next()).toMatchObject({ type: 'refused', error: { code: 'INVALID_ARGUMENT' } })
    expect((await malformed.closed).code).toBe(closeCodes.refused)
  })

  it('requires the token when the node has one', async () => {
    node = await startNode({ port: 0, token: 's3cret' })
    const without = await RawClient.open(node.port)
    without.send({ type: 'hello', protocol: protocolVersion, store: 'default' })
    expect(await without.next()).toMatchObject({ type: 'refused', error: { code: 'UNAUTHENTICATED' } })
    const wrong = await RawClient.open(node.port)
    wrong.send({ type: 'hello', protocol: protocolVersion, store: 'default', token: 's3cres' })
    expect(await wrong.next()).toMatchObject({ type: 'refused', error: { code: 'UNAUTHENTICATED' } })
    const right = await RawClient.open(node.port)
    right.send({ type: 'hello', protocol: protocolVersion, store: 'default', token: 's3cret' })
    expect(await right.next()).toMatchObject({ type: 'welcome' })
    right.close()
  })

  it('closes a connection that does not say hello within the handshake timeout', async () => {
    const connectionClock = new ManualClock()
    node = await startNode({ port: 0, connectionClock, limits: { handshakeTimeoutMs: 1_000 } })
    const client = await RawClient.open(node.port)
    connectionClock.advance(999)
    expect(client.socket.readyState).toBe(WebSocket.OPEN)
    connectionClock.advance(1)
    expect((await client.closed).code).toBe(closeCodes.handshakeTimeout)
  })

  it('closes a connection idle for the idle timeout; pings keep it open', async () => {
    const connectionClock = new ManualClock()
    node = await startNode({ port: 0, connectionClock, limits: { idleTimeoutMs: 3_000 } })
    const { client } = await RawClient.connected(node.port)
    connectionClock.advance(2_000)
    client.send({ type: 'ping', id: 1 })
    expect(await client.answer(1)).toEqual({ type: 'result', id: 1, result: null })
    connectionClock.advance(2_000)
    expect(client.socket.readyState).toBe(WebSocket.OPEN)
    connectionClock.advance(1_000)
    expect((await client.closed).code).toBe(closeCodes.idleTimeout)
  })

  it('answers only on the client path; other upgrades get 404', async () => {
    node = await startNode({ port: 0 })
    await expect(RawClient.open(node.port, '/v1/peer-nope')).rejects.toThrow(/404/)
  })

  it('refuses connections beyond connectionsMax with a retryable close code', async () => {
    node = await startNode({ port: 0, limits: { connectionsMax: 1 } })
    const { client: first } = await RawClient.connected(node.port)
    const second = await RawClient.open(node.port)
    expect((await second.closed).code).toBe(closeCodes.tooManyConnections)
    first.send({ type: 'ping', id: 1 })
    expect(await first.answer(1)).toMatchObject({ type: 'result' })
    first.close()
  })
})
