import { createServer, type Server } from 'node:http'
import type { AddressInfo } from 'node:net'
import type { Message } from '@clustron/raft'
import fc from 'fast-check'
import { pino } from 'pino'
import { afterEach, describe, expect, it } from 'vitest'
import { WebSocket, WebSocketServer } from 'ws'
import { checkMessage, decodePeerFrame, encodePeerFrame, peerPath } from '../../src/cluster/peer-frames.js'
import { PeerNetwork } from '../../src/cluster/peer-network.js'
import { handshakeFrameBytesMax } from '../../src/connection/frame-limit.js'

interface Peer {
  id: string
  network: PeerNetwork
  server: Server
  address: string
  received: { store: string; message: Message }[]
  waiters: (() => void)[]
}

const peers: Peer[] = []

async function peer(id: string, secret: string | undefined, port = 0): Promise<Peer> {
  const server = createServer()
  const sockets = new WebSocketServer({ noServer: true })
  const received: Peer['received'] = []
  const waiters: (() => void)[] = []
  let address = ''
  const network = new PeerNetwork({
    nodeId: id,
    address: () => address,
    secret,
    logger: pino({ level: process.env.PEER_LOG ?? 'silent' }),
    frameBytesMax: 64 << 20,
    deliver: (store, messages) => {
      for (const message of messages) received.push({ store, message })
      for (const wake of waiters.splice(0)) wake()
    },
  })
  server.on('upgrade', (request, socket, head) => {
    if (request.url !== peerPath) return socket.destroy()
    sockets.handleUpgrade(request, socket, head, (webSocket) => network.accept(webSocket, request.socket.remoteAddress))
  })
  await new Promise<void>((resolve) => server.listen(port, '127.0.0.1', resolve))
  address = `127.0.0.1:${(server.address() as AddressInfo).port}`
  const created = { id, network, server, address, received, waiters }
  peers.push(created)
  return created
}

function heartbeat(from: string, to: string, term: number): Message {
  return { type: 'heartbeat', from, to, term, commit: 0, context: undefined }
}

/** Resolves once `target` has received `count` messages (bounded by the test timeout). */
async function receivedCount(target: Peer, count: number): Promise<void> {
  while (target.received.length < count) await new Promise<void>((resolve) => target.waiters.push(resolve))
}

afterEach(async () => {
  for (const { network, server } of peers.splice(0)) {
    network.close()
    server.closeAllConnections()
    await new Promise((resolve) => server.close(resolve))
  }
})

describe('PeerNetwork', () => {
  it('delivers raft messages by store, batched per turn, with binary payloads intact', async () => {
    const a = await peer('a', 'secret')
    const b = await peer('b', 'secret')
    a.network.setMembers({ a: a.address, b: b.address })
    const entry = { term: 1, index: 2, type: 'normal' as const, data: new Uint8Array([1, 2, 3]) }
    a.network.send('orders', [heartbeat('a', 'b', 1), { type: 'appendEntries', from: 'a', to: 'b', term: 1, index: 1, logTerm: 1, entries: [entry], commit: 1 }])
    a.network.send('default', [heartbeat('a', 'b', 2)])
    await receivedCount(b, 3)
    expect(b.received.map(({ store, message }) => [store, message.type, message.term])).toEqual([
      ['orders', 'heartbeat', 1],
      ['orders', 'appendEntries', 1],
      ['default', 'heartbeat', 2],
    ])
    const append = b.received[1]!.message
    expect(append.type === 'appendEntries' && append.entries[0]!.data).toEqual(new Uint8Array([1, 2, 3]))
  })

  it('refuses a peer that does not know the cluster secret', async () => {
    const a = await peer('a', 'right')
    const b = await peer('b', 'wrong')
    const c = await peer('c', 'right')
    b.network.setMembers({ a: a.address })
    c.network.setMembers({ a: c.address === '' ? '' : a.address })
    b.network.send('s', [heartbeat('b', 'a', 7)])
    c.network.send('s', [heartbeat('c', 'a', 9)])
    await receivedCount(a, 1)
    // Only the peer with the right secret got through.
    expect(a.received.map(({ message }) => message.from)).toEqual(['c'])
  })

  it('drops messages whose sender is not the authenticated peer, and malformed ones', async () => {
    const a = await peer('a', undefined)
    const b = await peer('b', undefined)
    a.network.setMembers({ b: b.address })
    a.network.send('s', [heartbeat('mallory', 'b', 1), { type: 'heartbeat', from: 'a', to: 'b', term: -1 } as unknown as Message, heartbeat('a', 'b', 3)])
    await receivedCount(b, 1)
    expect(b.received.map(({ message }) => message.term)).toEqual([3])
  })

  it('queues while a peer is down and delivers after it comes back on the same address', async () => {
    const a = await peer('a', undefined)
    const b = await peer('b', undefined)
    a.network.setMembers({ b: b.address })
    a.network.send('s', [heartbeat('a', 'b', 1)])
    await receivedCount(b, 1)
    const port = Number(b.address.split(':')[1])
    peers.splice(peers.indexOf(b), 1)
    b.network.close()
    await new Promise((resolve) => b.server.close(resolve))
    // Wait (event-loop turns, bounded by the test timeout) until a noticed the link went down.
    while (a.network.connectedPeers().includes('b')) await new Promise((resolve) => setImmediate(resolve))
    a.network.send('s', [heartbeat('a', 'b', 2)])
    const restarted = await peer('b', undefined, port)
    await receivedCount(restarted, 1)
    expect(restarted.received.map(({ message }) => message.term)).toEqual([2])
  })
  it('bounds frames from a peer that has not authenticated yet (no snapshot-sized frame before the hello)', async () => {
    const a = await peer('a', 'right')
    const socket = new WebSocket(`ws://${a.address}${peerPath}`)
    const closed = new Promise<number>((resolve) => socket.on('close', (code) => resolve(code)))
    socket.on('error', () => undefined)
    await new Promise<void>((resolve) => socket.once('open', () => resolve()))
    socket.send(new Uint8Array(handshakeFrameBytesMax + 1))
    expect(await closed).toBe(1009)
    expect(a.received).toEqual([])
    // Once authenticated, a peer's frames may be large again.
    const b = await peer('b', 'right')
    b.network.setMembers({ a: a.address })
    const context = new Uint8Array(handshakeFrameBytesMax * 4).fill(7)
    b.network.send('s', [{ type: 'heartbeat', from: 'b', to: 'a', term: 2, commit: 0, context }])
    await receivedCount(a, 1)
    expect(Buffer.from((a.received[0]!.message as { context: Uint8Array }).context).equals(Buffer.from(context))).toBe(true)
  })
  it('decodes any bytes or values from a peer without throwing past its checks (malformed frames are dropped, never crash the node)', () => {
    fc.assert(
      fc.property(
        fc.oneof(
          fc.uint8Array({ maxLength: 128 }),
          fc.anything({ maxDepth: 3, withTypedArray: true, withBigInt: true, withMap: true }).map((value) => {
            try {
              return encodePeerFrame(value as never)
            } catch {
              return new Uint8Array([0xc1])
            }
          }),
        ),
        fc.anything({ maxDepth: 3, withTypedArray: true }),
        (bytes, message) => {
          let decoded: unknown
          try {
            decoded = decodePeerFrame(bytes)
          } catch {
            decoded = undefined // the link closes with 4002
          }
          if (decoded !== undefined) expect(['challenge', 'hello', 'raft']).toContain((decoded as { kind: string }).kind)
          // A raft message is checked field by field: anything else is dropped.
          const checked = checkMessage(message)
          if (checked !== undefined) expect(typeof checked.type).toBe('string')
        },
      ),
      { numRuns: 2_000 },
    )
  })
})
