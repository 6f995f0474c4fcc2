import { afterEach, describe, expect, it } from 'vitest'
import WebSocket, { WebSocketServer } from 'ws'
import { openBrowserWebSocket } from '../src/transport/browser-websocket.js'
import { openNodeWebSocket } from '../src/transport/node-websocket.js'
import { openTransport } from '../src/transport/open-transport.js'
import type { Transport, TransportOptions } from '../src/transport/transport.js'

/** An echo server: every binary frame comes back; a text frame 'close' closes with 4321. */
async function echoServer(): Promise<{ url: string; close(): Promise<void> }> {
  const server = new WebSocketServer({ port: 0, host: '127.0.0.1' })
  await new Promise<void>((resolve) => server.once('listening', () => resolve()))
  server.on('connection', (socket) => {
    socket.on('message', (data, isBinary) => {
      if (isBinary) socket.send(data, { binary: true })
      else socket.close(4321, 'asked to')
    })
  })
  const { port } = server.address() as { port: number }
  return { url: `ws://127.0.0.1:${port}/v1/client`, close: () => new Promise((resolve) => server.close(() => resolve())) }
}

async function roundTrip(open: (options: TransportOptions) => Promise<Transport>, url: string): Promise<void> {
  const transport = await open({ url, frameBytesMax: 1024 })
  const frames = transport.frames[Symbol.asyncIterator]()
  transport.send(new Uint8Array([1, 2, 3]))
  transport.send(new Uint8Array([4]))
  // A Buffer in Node, a Uint8Array in browsers: compare the bytes.
  expect([...(await frames.next()).value!]).toEqual([1, 2, 3])
  expect([...(await frames.next()).value!]).toEqual([4])
  transport.close(1000, 'done')
  expect(await transport.closed).toMatchObject({ code: 1000 })
  expect((await frames.next()).done).toBe(true)
}

let server: Awaited<ReturnType<typeof echoServer>> | undefined
afterEach(async () => {
  await server?.close()
  server = undefined
})

describe('transports', () => {
  it('the Node adapter (ws) sends and receives binary frames in order and reports the close', async () => {
    server = await echoServer()
    await roundTrip(openNodeWebSocket, server.url)
  })

  it('the browser adapter works over any standard WebSocket (here ws in its browser-compatible mode)', async () => {
    server = await echoServer()
    const original = globalThis.WebSocket
    globalThis.WebSocket = WebSocket as unknown as typeof globalThis.WebSocket
    try {
      await roundTrip(openBrowserWebSocket, server.url)
    } finally {
      globalThis.WebSocket = original
    }
  })

  it('the Node adapter drops the connection on a frame above the limit', async () => {
    server = await echoServer()
    const transport = await openNodeWebSocket({ url: server.url, frameBytesMax: 8 })
    const frames = transport.frames[Symbol.asyncIterator]()
    transport.send(new Uint8Array(9))
    // ws fails the connection (1009 to the peer; 1006 as seen locally) and the frame is never delivered.
    expect([1006, 1009]).toContain((await transport.closed).code)
    expect((await frames.next()).done).toBe(true)
  })

  it('rejects when nothing listens', async () => {
    await expect(openTransport({ url: 'ws://127.0.0.1:1/v1/client', frameBytesMax: 1024 })).rejects.toThrow()
  })
})
