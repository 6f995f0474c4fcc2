import { createConnection, createServer, type AddressInfo, type Server, type Socket } from 'node:net'
import { encodeData } from '@clustron/core/internal'
import { afterEach, describe, expect, it } from 'vitest'
import { HandshakeClassifier } from '../../src/faults/handshake.js'
import { asymmetricCut, bridgePartition, fullPartition, LinkTable } from '../../src/faults/links.js'
import { NodeFront } from '../../src/faults/proxy.js'
import { Random } from '../../src/simulator/random.js'

/** A WebSocket frame as a client sends it (masked), carrying `payload`. */
function maskedFrame(payload: Uint8Array): Buffer {
  const mask = Buffer.from([1, 2, 3, 4])
  const header = payload.length < 126 ? Buffer.from([0x82, 0x80 | payload.length]) : Buffer.from([0x82, 0x80 | 126, payload.length >> 8, payload.length & 0xff])
  const body = Buffer.from(payload.map((byte, index) => byte ^ mask[index % 4]!))
  return Buffer.concat([header, mask, body])
}

const peerRequest = 'GET /v1/peer HTTP/1.1\r\nHost: x\r\nUpgrade: websocket\r\n\r\n'
const clientRequest = 'GET /v1/client HTTP/1.1\r\nHost: x\r\nUpgrade: websocket\r\n\r\n'

async function until(condition: () => boolean, what: string, timeoutMs = 5_000): Promise<void> {
  const deadline = performance.now() + timeoutMs
  while (!condition()) {
    if (performance.now() > deadline) throw new Error(`timed out waiting for ${what}`)
    await new Promise((resolve) => setTimeout(resolve, 5))
  }
}

describe('handshake classifier', () => {
  it('tells clients from peers and names a peer by its hello', () => {
    const client = new HandshakeClassifier('client').feed(Buffer.from(clientRequest))
    expect(client).toMatchObject({ kind: 'decided', source: 'client' })
    const peer = new HandshakeClassifier('client')
    const first = peer.feed(Buffer.from(peerRequest))
    expect(first).toMatchObject({ kind: 'pending' })
    expect(first.kind === 'pending' && first.forward?.toString()).toBe(peerRequest)
    const hello = maskedFrame(encodeData({ kind: 'hello', node: 'n2' }))
    // Split in the middle of the frame: still pending until the frame is whole.
    expect(peer.feed(hello.subarray(0, 3))).toMatchObject({ kind: 'pending' })
    expect(peer.feed(hello.subarray(3))).toMatchObject({ kind: 'decided', source: 'n2' })
  })

  it('reports a peer whose first frame is not a hello as unidentified', () => {
    const peer = new HandshakeClassifier('client')
    peer.feed(Buffer.from(peerRequest))
    expect(peer.feed(maskedFrame(encodeData({ kind: 'other' })))).toMatchObject({ kind: 'unidentified' })
  })
})

describe('partition shapes', () => {
  it('cut the expected directed links', () => {
    expect(fullPartition([['a'], ['b', 'c']])).toEqual([['a', 'b'], ['b', 'a'], ['a', 'c'], ['c', 'a']])
    expect(asymmetricCut(['a'], ['a', 'b', 'c'])).toEqual([['a', 'b'], ['a', 'c']])
    const bridge = bridgePartition(['a', 'b'], 'c', ['d', 'e'])
    expect(bridge).toHaveLength(8)
    expect(bridge.some(([from, to]) => from === 'c' || to === 'c')).toBe(false)
  })
})

describe('node front (TCP fault proxy)', () => {
  let echo: Server
  let front: NodeFront
  const sockets: Socket[] = []

  afterEach(async () => {
    for (const socket of sockets) socket.destroy()
    sockets.length = 0
    await front?.close()
    await new Promise((resolve) => echo?.close(resolve))
  })

  /** A node that echoes every byte back; the front in front of it. */
  async function setUp(links: LinkTable): Promise<void> {
    echo = createServer((socket) => {
      socket.on('error', () => {})
      socket.pipe(socket)
    })
    await new Promise<void>((resolve) => echo.listen(0, '127.0.0.1', resolve))
    front = new NodeFront('n1', (echo.address() as AddressInfo).port, links, new Random(1))
    await front.listen()
  }

  async function dial(first: string): Promise<{ socket: Socket; received: () => string; closed: () => boolean }> {
    const [host, port] = front.address.split(':')
    const socket = createConnection({ host: host!, port: Number(port) })
    sockets.push(socket)
    let data = ''
    let closed = false
    socket.on('data', (chunk: Buffer) => (data += chunk.toString('latin1')))
    socket.on('close', () => (closed = true))
    socket.on('error', () => {})
    await new Promise((resolve) => socket.once('connect', resolve))
    socket.write(first)
    return { socket, received: () => data, closed: () => closed }
  }

  it('passes bytes both ways and attributes a client connection', async () => {
    const links = new LinkTable()
    await setUp(links)
    const client = await dial(clientRequest)
    await until(() => client.received() === clientRequest, 'the echo')
    expect(front.sources()).toEqual(['client'])
    expect(front.stats.unidentified).toBe(0)
  })

  it('blackholes a cut link on an open connection, and resets it when healed', async () => {
    const links = new LinkTable()
    await setUp(links)
    const client = await dial(clientRequest)
    await until(() => client.received().length === clientRequest.length, 'the echo')
    links.set('n1', 'client', { kind: 'blackhole' })
    client.socket.write('lost')
    // The node echoes, the front drops it: poll until the drop is counted, then nothing arrived.
    await until(() => front.stats.droppedBytes >= 4, 'the dropped bytes')
    expect(client.received()).toBe(clientRequest)
    links.set('n1', 'client', { kind: 'pass' })
    await until(client.closed, 'the reset of a connection that lost bytes')
    expect(front.stats.resets).toBe(1)
  })

  it('resets connections of a reset link at once, and new ones on their first byte', async () => {
    const links = new LinkTable()
    await setUp(links)
    const first = await dial(clientRequest)
    await until(() => front.sources().length === 1, 'the classification')
    links.set('client', 'n1', { kind: 'reset' })
    await until(first.closed, 'the reset')
    const second = await dial(clientRequest)
    second.socket.write('more')
    await until(second.closed, 'the reset of a new connection')
    expect(second.received()).toBe('')
  })

  it('delays bytes on a delayed link and keeps their order', async () => {
    const links = new LinkTable()
    await setUp(links)
    links.set('n1', 'client', { kind: 'delay', delayMs: 150, jitterMs: 50 })
    const started = performance.now()
    const client = await dial(clientRequest)
    client.socket.write('a')
    client.socket.write('b')
    await until(() => client.received() === `${clientRequest}ab`, 'the delayed echo')
    expect(performance.now() - started).toBeGreaterThanOrEqual(140)
    expect(front.stats.delayedChunks).toBeGreaterThan(0)
  })

  it('applies a peer link fault by the name in the hello, not the client links', async () => {
    const links = new LinkTable()
    await setUp(links)
    links.set('n1', 'client', { kind: 'blackhole' })
    const hello = maskedFrame(encodeData({ kind: 'hello', node: 'n3' }))
    const peer = await dial(peerRequest)
    peer.socket.write(hello)
    await until(() => peer.received() === peerRequest + hello.toString('latin1'), 'the peer echo')
    expect(front.sources()).toEqual(['n3'])
    links.set('n1', 'n3', { kind: 'reset' })
    await until(peer.closed, 'the peer link reset')
  })
})
