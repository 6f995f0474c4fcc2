/**
 * The wire protocol's version and fixed names. A client and a node speak the same protocol only when
 * their versions are equal: the node refuses any other version in the handshake, naming both.
 */
export const protocolVersion = 1

/** The WebSocket path clients connect to (peers use their own path). */
export const clientPath = '/v1/client'

/**
 * WebSocket close codes (4000–4999 is the range RFC 6455 leaves to applications). `retryable`
 * tells the client whether reconnecting (to this or another node) may help.
 */
export const closeCodes = {
  /** The client closed its store (1000 is the standard "normal closure"). */
  normal: 1000,
  /** The first message was not a valid `hello` within the handshake timeout. */
  handshakeTimeout: 4001,
  /** The node refused the handshake (see the `refused` message sent just before). */
  refused: 4002,
  /** A frame was not a msgpack array of messages, or a message had no usable id. */
  badFrame: 4003,
  /** No traffic (not even a ping) for the idle timeout. */
  idleTimeout: 4004,
  /** The node has as many connections as it accepts. */
  tooManyConnections: 4005,
  /** The client did not read its frames fast enough; the node's buffer for it overflowed. */
  slowConsumer: 4006,
  /** The node is shutting down; try another node or reconnect later. */
  shuttingDown: 4007,
  /**
   * The connection's credentials expired (or were withdrawn): a `refused` message with
   * UNAUTHENTICATED comes just before. Reconnecting with the same token cannot help.
   */
  unauthenticated: 4008,
  /** A peer (client or node) sent a frame larger than the frame limit (the WebSocket standard code). */
  tooLarge: 1009,
} as const

export type CloseCodeName = keyof typeof closeCodes
