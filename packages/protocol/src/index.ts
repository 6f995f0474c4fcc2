/**
 * @clustron/protocol — the wire protocol between Clustron clients and nodes: message schemas (zod),
 * msgpack framing, close codes and the protocol version. Both the node and the remote client use it.
 */
export { clientPath, closeCodes, protocolVersion } from './version.js'
export type { CloseCodeName } from './version.js'
export { FrameError, decodeFrame, encodeMessage, frameBytes, joinFrame, messageBytesMax, packFrames } from './frame.js'
export { check, describeIssues, parseClientMessage, parseServerMessage, usableId } from './parse.js'
export type { Parsed } from './parse.js'
export {
  adminRequestSchema,
  clientMessageSchema,
  errorResponseSchema,
  helloSchema,
  noticeMessageSchema,
  pingRequestSchema,
  readRequestSchema,
  refusedSchema,
  requestSchema,
  resultSchema,
  serverMessageSchema,
  statusRequestSchema,
  subscribeRequestSchema,
  unsubscribeRequestSchema,
  unwatchRequestSchema,
  watchErrorSchema,
  watchEventsSchema,
  watchInitialSchema,
  watchRequestMessageSchema,
  welcomeSchema,
  writeRequestSchema,
} from './messages.js'
export type {
  AdminRequest,
  ClientMessage,
  ErrorResponse,
  Hello,
  NoticeMessage,
  PingRequest,
  ReadRequest,
  Refused,
  Request,
  RequestType,
  ResultResponse,
  ServerMessage,
  ServerMessageType,
  StatusRequest,
  SubscribeRequest,
  UnsubscribeRequest,
  UnwatchRequest,
  WatchError,
  WatchEvents,
  WatchInitial,
  WatchRequestMessage,
  Welcome,
  WriteRequest,
} from './messages.js'
export {
  adminActionSchema,
  clientCommandSchema,
  commandSchema,
  consistencySchema,
  listQuerySchema,
  nodeCommandTypes,
  noticeTopicSchema,
  querySchema,
  watchRequestSchema,
} from './schemas/commands.js'
export type { AdminAction, ClientCommand } from './schemas/commands.js'
export { bytesSchema, completeLimits, errorDataSchema, idSchema, limitsSchema, noticeSchema, numberSchema, rawEntrySchema, rawWatchEventSchema } from './schemas/data.js'
export {
  adminResultSchema,
  commandResultSchemas,
  memberSchema,
  emptyResultSchema,
  queryResultSchemas,
  statusResultSchema,
  unwatchResultSchema,
  watchResultSchema,
} from './schemas/results.js'
export type { Member, StatusResult } from './schemas/results.js'
export { storeAdminActionSchemas, storeConfigSchema, storeInfoSchema, storeNameSchema, storesResultSchema, systemStoreName } from './schemas/stores.js'
export type { StoreAdminAction, StoreConfig, StoreInfo, StoresResult } from './schemas/stores.js'
