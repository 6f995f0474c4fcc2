import type { WebSocket } from 'ws'

/**
 * Largest frame a client or peer may send before its handshake succeeded: a hello (with a token of at
 * most 16 KiB) is far smaller. Until then a connection cannot make the node buffer a full-size frame,
 * so many half-open connections cost little memory.
 */
export const handshakeFrameBytesMax = 64 * 1024

/**
 * Sets the largest frame `socket` accepts from now on. ws reads the bound from its receiver for every
 * frame; its public `maxPayload` option is fixed per server, and a connection needs two bounds (before
 * and after the handshake). Without a receiver (another ws version) the server's maxPayload stays.
 */
export function setFrameLimit(socket: WebSocket, bytes: number): void {
  const receiver = (socket as unknown as { _receiver?: { _maxPayload?: unknown } | null })._receiver
  if (receiver !== undefined && receiver !== null && typeof receiver._maxPayload === 'number') receiver._maxPayload = bytes
}
