import { decodeValue, encodeData } from '@clustron/core/internal'
import type { Message } from '@clustron/raft'
import { z } from 'zod'

/**
 * Frames between nodes (WebSocket path /v1/peer). The accepting node challenges, the connecting node
 * proves it knows the cluster secret (HMAC of the challenge, never the secret itself), then every
 * frame carries Raft messages grouped by store. Every decoded frame is validated before Raft sees it.
 */
export const peerPath = '/v1/peer'
export const peerProtocolVersion = 1

const bytes = z.instanceof(Uint8Array)
const nodeId = z.string().min(1).max(128)
const index = z.number().int().min(0)
const entry = z.object({ term: index, index, type: z.enum(['normal', 'confChange']), data: bytes })
const confState = z.object({ voters: z.array(nodeId), learners: z.array(nodeId) })
const snapshot = z.object({ metadata: z.object({ index, term: index, confState }), data: bytes })
const base = { from: nodeId, to: nodeId, term: index }

/** Raft messages as @clustron/raft defines them (checked field by field; unknown types rejected). */
const messageSchema = z.discriminatedUnion('type', [
  z.object({ ...base, type: z.literal('appendEntries'), logTerm: index, index, entries: z.array(entry), commit: index }),
  z.object({ ...base, type: z.literal('appendResponse'), index, reject: z.boolean(), rejectHint: index, logTerm: index }),
  z.object({ ...base, type: z.literal('requestVote'), lastLogIndex: index, lastLogTerm: index, transfer: z.boolean() }),
  z.object({ ...base, type: z.literal('voteResponse'), reject: z.boolean() }),
  z.object({ ...base, type: z.literal('requestPreVote'), lastLogIndex: index, lastLogTerm: index }),
  z.object({ ...base, type: z.literal('preVoteResponse'), reject: z.boolean() }),
  z.object({ ...base, type: z.literal('heartbeat'), commit: index, context: bytes.optional() }),
  z.object({ ...base, type: z.literal('heartbeatResponse'), context: bytes.optional() }),
  z.object({ ...base, type: z.literal('installSnapshot'), snapshot }),
  z.object({ ...base, type: z.literal('timeoutNow') }),
  z.object({ ...base, type: z.literal('readIndex'), context: bytes }),
  z.object({ ...base, type: z.literal('readIndexResponse'), index, context: bytes }),
  z.object({ ...base, type: z.literal('transferLeader'), transferee: nodeId }),
])

export const peerFrameSchema = z.union([
  z.object({ kind: z.literal('challenge'), version: z.number().int(), nonce: bytes, node: nodeId }),
  z.object({ kind: z.literal('hello'), version: z.number().int(), node: nodeId, address: z.string().max(300).optional(), proof: bytes.optional() }),
  z.object({ kind: z.literal('raft'), batches: z.array(z.object({ store: z.string().min(1).max(256), messages: z.array(z.unknown()) })) }),
])

export type PeerFrame =
  | { kind: 'challenge'; version: number; nonce: Uint8Array; node: string }
  | { kind: 'hello'; version: number; node: string; address?: string; proof?: Uint8Array }
  | { kind: 'raft'; batches: { store: string; messages: Message[] }[] }

export function encodePeerFrame(frame: PeerFrame): Uint8Array {
  return encodeData(frame)
}

/** Decodes (binary fields copied out of the frame) and validates a frame; throws on anything malformed. */
export function decodePeerFrame(data: Uint8Array): PeerFrame {
  const decoded = decodeValue<unknown>(data)
  const frame = peerFrameSchema.parse(decoded)
  return frame as PeerFrame
}

/** Validates one Raft message; returns undefined (drop it) when it is malformed. */
export function checkMessage(message: unknown): Message | undefined {
  const parsed = messageSchema.safeParse(message)
  return parsed.success ? (message as Message) : undefined
}
