import WebSocket from 'ws'
import { FrameQueue, type CloseInfo, type Transport, type TransportOptions } from './transport.js'

/** How long a close waits for the peer's close frame before dropping the connection. */
const closeWaitMs = 1_000

/** A transport over `ws` (Node): bounded frames (maxPayload), a private CA for wss://. */
export function openNodeWebSocket(options: TransportOptions): Promise<Transport> {
  return new Promise((resolve, reject) => {
    const socket = new WebSocket(options.url, {
      maxPayload: options.frameBytesMax,
      perMessageDeflate: false,
      ...(options.ca === undefined ? {} : { ca: pem(options.ca) }),
      ...(options.cert === undefined ? {} : { cert: pem(options.cert) }),
      ...(options.key === undefined ? {} : { key: pem(options.key) }),
    })
    const frames = new FrameQueue()
    let opened = false
    let failure: Error | undefined
    let settleClosed: (info: CloseInfo) => void = () => {}
    const closed = new Promise<CloseInfo>((resolveClosed) => (settleClosed = resolveClosed))
    socket.on('open', () => {
      opened = true
      // Requests are small and latency-bound: send each frame at once.
      ;(socket as unknown as { _socket?: { setNoDelay?: (noDelay: boolean) => void } })._socket?.setNoDelay?.(true)
      resolve({
        send: (frame) => socket.send(frame, { binary: true }),
        frames,
        closed,
        close: (code = 1000, reason = '') => {
          if (socket.readyState !== WebSocket.OPEN) return socket.terminate()
          socket.close(code, reason)
          // A peer that never answers the close (a dead network) must not hold the close for ws's 30 s.
          const timer = setTimeout(() => socket.terminate(), closeWaitMs)
          timer.unref()
          socket.once('close', () => clearTimeout(timer))
        },
      })
    })
    socket.on('message', (data, isBinary) => {
      if (!isBinary) return socket.close(4003, 'text frames are not part of the protocol')
      frames.push(toBytes(data))
    })
    socket.on('error', (error) => {
      failure = error
    })
    socket.on('close', (code, reason) => {
      frames.end()
      settleClosed({ code, reason: reason.toString() })
      if (!opened) reject(failure ?? new Error(`WebSocket to ${options.url} closed before it opened (code ${code})`))
    })
  })
}

function pem(material: string | Uint8Array): string | Buffer {
  return typeof material === 'string' ? material : Buffer.from(material)
}

function toBytes(data: WebSocket.RawData): Uint8Array {
  if (Array.isArray(data)) return Buffer.concat(data)
  return data instanceof ArrayBuffer ? new Uint8Array(data) : data
}
