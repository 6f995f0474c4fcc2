import { FrameQueue, type CloseInfo, type Transport, type TransportOptions } from './transport.js'

/** A transport over the runtime's global WebSocket (browsers, Deno, Bun, Node ≥ 22). */
export function openBrowserWebSocket(options: TransportOptions): Promise<Transport> {
  const WebSocketClass = globalThis.WebSocket
  return new Promise((resolve, reject) => {
    const socket = new WebSocketClass(options.url)
    socket.binaryType = 'arraybuffer'
    const frames = new FrameQueue()
    let opened = false
    let settleClosed: (info: CloseInfo) => void = () => {}
    const closed = new Promise<CloseInfo>((resolveClosed) => (settleClosed = resolveClosed))
    socket.addEventListener('open', () => {
      opened = true
      resolve({
        send: (frame) => socket.send(frame),
        frames,
        closed,
        close: (code = 1000, reason = '') => socket.close(code, reason),
      })
    })
    socket.addEventListener('message', (event: MessageEvent) => {
      if (!(event.data instanceof ArrayBuffer)) return socket.close(4003, 'text frames are not part of the protocol')
      if (event.data.byteLength > options.frameBytesMax) return socket.close(1009, `frame of ${event.data.byteLength} bytes exceeds the limit`)
      frames.push(new Uint8Array(event.data))
    })
    socket.addEventListener('close', (event: CloseEvent) => {
      frames.end()
      settleClosed({ code: event.code, reason: event.reason })
      if (!opened) reject(new Error(`WebSocket to ${options.url} closed before it opened (code ${event.code}${event.reason === '' ? '' : `: ${event.reason}`})`))
    })
    socket.addEventListener('error', () => {
      // The close event follows with the details a browser is willing to give.
    })
  })
}
