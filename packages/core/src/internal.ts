/**
 * @clustron/core/internal — for sibling packages (protocol, server, client, testkit) only.
 * Not a public API: it changes without notice.
 */
export { bytesEqual, compareBytes, decodeData, decodeValue, encodeData, encodeValue } from './codec.js'
export { errorFromData, errorToData } from './errors.js'
export type { ErrorData } from './errors.js'
export { checkKey, compareKeys, prefixEnd, utf8ByteLength } from './keys.js'
export { InProcEngine, dropInProcStore } from './inproc/engine.js'
export { systemClock, systemEnvironment } from './inproc/system-env.js'
export { ClientStore } from './store/client-store.js'
export { WatchHub } from './store/watch-hub.js'
export type { HubWatcher } from './store/watch-hub.js'
export { noticeTopicKey, topicKey } from './store/backend.js'
export type {
  Environment,
  NoticeListener,
  NoticeTopic,
  StoreBackend,
  WatchRequest,
  WatchSink,
  WatchSubscription,
} from './store/backend.js'
export type {
  RawEntry,
  LockKind,
  FenceRef,
  DeleteReason,
  RawWatchEvent,
  PutCommand,
  DeleteCommand,
  PutManyCommand,
  DeleteManyCommand,
  ClearCommand,
  SetTtlCommand,
  PersistCommand,
  CompareTarget,
  CompareOp,
  RawCompare,
  RawTxnOp,
  TxnCommand,
  CounterAddCommand,
  CounterSetCommand,
  LeaseGrantCommand,
  LeaseRenewCommand,
  LeaseRevokeCommand,
  LockAcquireCommand,
  LockCancelCommand,
  LockReleaseCommand,
  ElectionProclaimCommand,
  ExpireCommand,
  LeaseExtendCommand,
  Command,
  CommandType,
  WriteFailureReason,
  RawWriteResult,
  RawTxnOpResult,
  RawCounterAddResult,
  LockAcquireResult,
  CommandResults,
  CommandResult,
  ListQuery,
  Query,
  QueryType,
  LeaseInfo,
  WaiterState,
  MachineStatus,
  QueryResults,
  QueryResult,
  Notice,
  ApplyContext,
  ApplyOutput,
} from './machine/types.js'
