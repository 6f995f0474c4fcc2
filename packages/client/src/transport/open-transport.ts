import { openBrowserWebSocket } from './browser-websocket.js'
import type { Transport, TransportOptions } from './transport.js'

/**
 * Opens a WebSocket transport for this runtime: `ws` in Node (loaded on first use, so browser
 * bundles never need it), the global WebSocket everywhere else.
 */
export async function openTransport(options: TransportOptions): Promise<Transport> {
  if (isNode()) {
    const { openNodeWebSocket } = await import('./node-websocket.js')
    return openNodeWebSocket(options)
  }
  if (typeof globalThis.WebSocket !== 'function') throw new Error('this runtime has no WebSocket; pass a transport to connect()')
  return openBrowserWebSocket(options)
}

function isNode(): boolean {
  const versions = (globalThis as { process?: { versions?: { node?: string } } }).process?.versions
  return typeof versions?.node === 'string'
}
