import type { Limits } from '@clustron/core'
import type { ErrorData, NoticeTopic, Query, RawEntry, RawWatchEvent, WatchRequest, Notice } from '@clustron/core/internal'
import { z } from 'zod'
import { adminActionSchema, clientCommandSchema, consistencySchema, noticeTopicSchema, querySchema, watchRequestSchema, type AdminAction, type ClientCommand } from './schemas/commands.js'
import { errorDataSchema, idSchema, limitsSchema, noticeSchema, numberSchema, rawEntrySchema, rawWatchEventSchema } from './schemas/data.js'

/**
 * Every message of the client protocol. A frame (one binary WebSocket message) is a msgpack array
 * of these, so many requests or responses travel together. Requests carry a client-chosen `id`
 * that their response echoes; pushes (watch events, notices) carry the `watchId` or nothing.
 */

// ---------------------------------------------------------------------------------------------
// Client → node

/** The first message on a connection: which protocol and which store. */
export const helloSchema = z.object({
  type: z.literal('hello'),
  protocol: numberSchema,
  store: z.string(),
  token: z.string().exactOptional(),
  client: z.object({ name: z.string().exactOptional(), version: z.string().exactOptional() }).exactOptional(),
})

const request = <T extends string, S extends z.ZodRawShape>(type: T, shape: S) => z.object({ type: z.literal(type), id: idSchema, ...shape })

/** Longest request id a client may attach to a write or read (the node logs it as `reqId`). */
export const reqIdCharsMax = 64
/**
 * The client's id of a logical request: the same on every node the request visits (a follower that
 * redirects it, then the leader), so one grep of the nodes' logs for `reqId` follows it. Optional.
 */
const reqIdSchema = z.string().min(1).max(reqIdCharsMax).exactOptional()

/** A write: the command is applied (committed) before the result comes back. */
export const writeRequestSchema = request('write', { command: clientCommandSchema, reqId: reqIdSchema })
/** A read of the store's state; linearizable unless `consistency` says 'serializable'. */
export const readRequestSchema = request('read', { query: querySchema, consistency: consistencySchema.exactOptional(), reqId: reqIdSchema })
/** Registers a watch; its events arrive as `watch-initial` / `watch-events` pushes with the same `watchId`. */
export const watchRequestMessageSchema = request('watch', { watchId: idSchema, request: watchRequestSchema })
export const unwatchRequestSchema = request('unwatch', { watchId: idSchema })
/** Asks for the notices of one lease, lock waiter or election. */
export const subscribeRequestSchema = request('subscribe', { topic: noticeTopicSchema })
export const unsubscribeRequestSchema = request('unsubscribe', { topic: noticeTopicSchema })
export const statusRequestSchema = request('status', {})
/** Cluster administration of the connection's store (membership). */
export const adminRequestSchema = request('admin', { action: adminActionSchema })
/** Keeps an idle connection open and proves the node still answers. */
export const pingRequestSchema = request('ping', {})

export const requestSchema = z.discriminatedUnion('type', [
  writeRequestSchema,
  readRequestSchema,
  watchRequestMessageSchema,
  unwatchRequestSchema,
  subscribeRequestSchema,
  unsubscribeRequestSchema,
  statusRequestSchema,
  pingRequestSchema,
  adminRequestSchema,
])

export const clientMessageSchema = z.discriminatedUnion('type', [helloSchema, ...requestSchema.options])

// The message types, written out (rather than inferred) so they read as the protocol's documentation.
export interface Hello {
  type: 'hello'
  protocol: number
  store: string
  token?: string
  client?: { name?: string; version?: string }
}
export type WriteRequest = { type: 'write'; id: number; command: ClientCommand; reqId?: string }
export type ReadRequest = { type: 'read'; id: number; query: Query; consistency?: 'linearizable' | 'serializable'; reqId?: string }
export type WatchRequestMessage = { type: 'watch'; id: number; watchId: number; request: WatchRequest }
export type UnwatchRequest = { type: 'unwatch'; id: number; watchId: number }
export type SubscribeRequest = { type: 'subscribe'; id: number; topic: NoticeTopic }
export type UnsubscribeRequest = { type: 'unsubscribe'; id: number; topic: NoticeTopic }
export type StatusRequest = { type: 'status'; id: number }
export type PingRequest = { type: 'ping'; id: number }
export type AdminRequest = { type: 'admin'; id: number; action: AdminAction }
export type Request = WriteRequest | ReadRequest | WatchRequestMessage | UnwatchRequest | SubscribeRequest | UnsubscribeRequest | StatusRequest | PingRequest | AdminRequest
export type RequestType = Request['type']
export type ClientMessage = Hello | Request

// ---------------------------------------------------------------------------------------------
// Node → client

/** The handshake's answer: the node, the store, its limits and its revision right now. */
export const welcomeSchema = z.object({
  type: z.literal('welcome'),
  protocol: numberSchema,
  node: z.string(),
  store: z.string(),
  limits: limitsSchema,
  revision: numberSchema,
  /** This node's role in the store's group, and the leader's address when known (clients go there). */
  role: z.string().exactOptional(),
  leader: z.string().exactOptional(),
  /** Addresses of the store's members: clients add them to their seeds (a crashed seed is not the end). */
  members: z.array(z.string()).exactOptional(),
})
/**
 * The node refuses the connection: at the handshake (version, store, credentials), or later when the
 * connection's credentials expire (UNAUTHENTICATED). The node closes the connection right after.
 */
export const refusedSchema = z.object({ type: z.literal('refused'), error: errorDataSchema })
// `result` is absent when it is undefined (a get of a missing key): the encoder omits undefined fields.
export const resultSchema = z.object({ type: z.literal('result'), id: idSchema, result: z.unknown().optional() })
export const errorResponseSchema = z.object({ type: z.literal('error'), id: idSchema, error: errorDataSchema })
/**
 * The watch's current entries (`initial: true`), all at `revision`. A snapshot too large for one
 * frame comes in several messages; all but the last have `partial: true`.
 */
export const watchInitialSchema = z.object({
  type: z.literal('watch-initial'),
  watchId: idSchema,
  entries: z.array(rawEntrySchema),
  revision: numberSchema,
  partial: z.boolean().exactOptional(),
})
/**
 * Events of whole revisions, in order. A revision too large for one frame is split; all but its
 * last part have `partial: true`, and a client delivers a revision only once it has all of it.
 */
export const watchEventsSchema = z.object({
  type: z.literal('watch-events'),
  watchId: idSchema,
  events: z.array(rawWatchEventSchema),
  partial: z.boolean().exactOptional(),
})
/** The watch ended on the node (COMPACTED, SLOW_CONSUMER; UNAVAILABLE = resume elsewhere or later). */
export const watchErrorSchema = z.object({ type: z.literal('watch-error'), watchId: idSchema, error: errorDataSchema })
export const noticeMessageSchema = z.object({ type: z.literal('notice'), notice: noticeSchema })

export const serverMessageSchema = z.discriminatedUnion('type', [
  welcomeSchema,
  refusedSchema,
  resultSchema,
  errorResponseSchema,
  watchInitialSchema,
  watchEventsSchema,
  watchErrorSchema,
  noticeMessageSchema,
])

export interface Welcome {
  type: 'welcome'
  protocol: number
  node: string
  store: string
  limits: Partial<Limits>
  revision: number
  role?: string
  leader?: string
  members?: string[]
}
export type Refused = { type: 'refused'; error: ErrorData }
export type ResultResponse = { type: 'result'; id: number; result?: unknown }
export type ErrorResponse = { type: 'error'; id: number; error: ErrorData }
export type WatchInitial = { type: 'watch-initial'; watchId: number; entries: RawEntry[]; revision: number; partial?: boolean }
export type WatchEvents = { type: 'watch-events'; watchId: number; events: RawWatchEvent[]; partial?: boolean }
export type WatchError = { type: 'watch-error'; watchId: number; error: ErrorData }
export type NoticeMessage = { type: 'notice'; notice: Notice }
export type ServerMessage = Welcome | Refused | ResultResponse | ErrorResponse | WatchInitial | WatchEvents | WatchError | NoticeMessage
export type ServerMessageType = ServerMessage['type']
