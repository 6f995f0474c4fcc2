/**
 * @clustron/client — connect to a Clustron store, in-process or remote, with one API.
 *
 * ```ts
 * import { connect } from '@clustron/client'
 * const store = await connect(process.env.CLUSTRON_URL ?? 'inproc://orders')
 * ```
 */
export { connect, defaultUrl, parseUrl } from './connect.js'
export { ClusterAdmin } from './admin.js'
export type { Member, StoreConfig, StoreInfo } from './admin.js'
export type { ConnectOptions, InProcConnectOptions, RemoteConnectOptions, RemoteTlsOptions, TokenProvider } from './connect.js'
export {
  ClosedError,
  ClustronError,
  CompactedError,
  ConflictError,
  InternalError,
  InvalidArgumentError,
  LeaseNotFoundError,
  LockTimeoutError,
  ManualClock,
  NotFoundError,
  OutOfRangeError,
  PermissionDeniedError,
  ResourceExhaustedError,
  SlowConsumerError,
  TimeoutError,
  TooLargeError,
  TypeMismatchError,
  UnauthenticatedError,
  UnavailableError,
  errorCodes,
} from '@clustron/core'
export type {
  AcquireOptions,
  CampaignOptions,
  ClearOptions,
  Clock,
  Compare,
  CompareTarget,
  Consistency,
  CounterAddOptions,
  CounterAddResult,
  Counters,
  DeleteOptions,
  DeleteReason,
  ElectionLeader,
  ElectionTerm,
  Elections,
  Entry,
  ErrorCode,
  GetOptions,
  Lease,
  LeaseGrantOptions,
  LeaseInfo,
  Leases,
  ListOptions,
  ListResult,
  Lock,
  Locks,
  Observation,
  PutOptions,
  RangeOptions,
  ScanOptions,
  Store,
  StoreStatus,
  Transaction,
  TransactionOptions,
  TxnOp,
  TxnOpResult,
  TxnRequest,
  TxnResponse,
  Watch,
  WatchEvent,
  WatchOptions,
  WriteResult,
} from '@clustron/core'
