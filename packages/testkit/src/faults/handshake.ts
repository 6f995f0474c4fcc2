/**
 * Tells who opened a connection to a node, from the first bytes it sends: the HTTP request line
 * says client (`/v1/client`, `/health`, ...) or peer (`/v1/peer`); a peer then names itself in its
 * first WebSocket frame, the `hello` of the peer handshake (peer-frames.ts in @clustron/server).
 *
 * Why a node's front proxy must find out: membership addresses are replicated (a snapshot carries
 * the leader's member map, `members add` one address for everyone), so every node dials node X at
 * the same address — X's front. Per-link faults (A→X cut, B→X fine) then need the dialer's name,
 * and only the handshake carries it.
 */
import { decodeData } from '@clustron/core/internal'

/** Bytes a classifier buffers at most before giving up (a hello is a few hundred bytes). */
export const handshakeBytesMax = 64 * 1024

export type Classification =
  /** Not decided yet: feed more bytes. `forward` bytes (the HTTP request of a peer) may pass meanwhile. */
  | { kind: 'pending'; forward: Buffer | undefined }
  /** Decided: `held` are the bytes kept back so far, to go through the link's fault from now on. */
  | { kind: 'decided'; source: string; held: Buffer }
  | { kind: 'unidentified'; reason: string; held: Buffer }

/** Feeds the dialer's bytes in order; decides once. */
export class HandshakeClassifier {
  #buffer: Buffer = Buffer.alloc(0)
  #stage: 'request' | 'hello' | 'done' = 'request'

  constructor(private readonly clientSource: string) {}

  feed(chunk: Buffer): Classification {
    if (this.#stage === 'done') throw new Error('assertion failed: the classifier already decided')
    this.#buffer = this.#buffer.length === 0 ? chunk : Buffer.concat([this.#buffer, chunk])
    if (this.#buffer.length > handshakeBytesMax) return this.#decide({ kind: 'unidentified', reason: `no decision within ${handshakeBytesMax} bytes`, held: this.#buffer })
    if (this.#stage === 'request') {
      const end = this.#buffer.indexOf('\r\n\r\n')
      if (end < 0) return { kind: 'pending', forward: undefined }
      const requestLine = this.#buffer.subarray(0, this.#buffer.indexOf('\r\n')).toString('latin1')
      const path = requestLine.split(' ')[1] ?? ''
      if (!path.startsWith('/v1/peer')) return this.#decide({ kind: 'decided', source: this.clientSource, held: this.#buffer })
      // A peer: its upgrade request passes (the node must answer with its challenge before the hello comes).
      const forward = this.#buffer.subarray(0, end + 4)
      this.#buffer = this.#buffer.subarray(end + 4)
      this.#stage = 'hello'
      if (this.#buffer.length === 0) return { kind: 'pending', forward }
      const decided = this.#hello()
      return decided.kind === 'pending' ? { kind: 'pending', forward } : { ...decided, held: Buffer.concat([forward, decided.held]) }
    }
    return this.#hello()
  }

  #hello(): Classification {
    const frame = readFrame(this.#buffer)
    if (frame === undefined) return { kind: 'pending', forward: undefined }
    let hello: unknown
    try {
      hello = decodeData(frame)
    } catch (error) {
      return this.#decide({ kind: 'unidentified', reason: `first peer frame is not msgpack: ${String(error)}`, held: this.#buffer })
    }
    if (typeof hello === 'object' && hello !== null && 'kind' in hello && hello.kind === 'hello' && 'node' in hello && typeof hello.node === 'string') {
      return this.#decide({ kind: 'decided', source: hello.node, held: this.#buffer })
    }
    return this.#decide({ kind: 'unidentified', reason: 'the first peer frame is not a hello', held: this.#buffer })
  }

  #decide(classification: Classification): Classification {
    this.#stage = 'done'
    this.#buffer = Buffer.alloc(0)
    return classification
  }
}

/** The unmasked payload of the first WebSocket frame in `buffer` (RFC 6455 §5.2), or undefined if incomplete. */
export function readFrame(buffer: Buffer): Buffer | undefined {
  if (buffer.length < 2) return undefined
  const masked = (buffer[1]! & 0x80) !== 0
  let length = buffer[1]! & 0x7f
  let offset = 2
  if (length === 126) {
    if (buffer.length < 4) return undefined
    length = buffer.readUInt16BE(2)
    offset = 4
  } else if (length === 127) {
    if (buffer.length < 10) return undefined
    length = Number(buffer.readBigUInt64BE(2))
    offset = 10
  }
  const mask = masked ? buffer.subarray(offset, offset + 4) : undefined
  if (masked) offset += 4
  if (buffer.length < offset + length) return undefined
  const payload = Buffer.from(buffer.subarray(offset, offset + length))
  if (mask !== undefined) for (let index = 0; index < payload.length; index++) payload[index]! ^= mask[index % 4]!
  return payload
}
