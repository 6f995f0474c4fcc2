/**
 * @clustron/core — the deterministic store state machine and the in-process Store.
 * Applications use `@clustron/client`; this package is what both modes are built on.
 */
export {
  ClustronError,
  ClosedError,
  CompactedError,
  ConflictError,
  InternalError,
  InvalidArgumentError,
  LeaseNotFoundError,
  LockTimeoutError,
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
  errorFromCode,
  isErrorCode,
} from './errors.js'
export type { ClustronErrorOptions, ErrorCode, ErrorDetails } from './errors.js'
export { defaultLimits, resolveLimits } from './limits.js'
export type { Limits } from './limits.js'
export { ManualClock } from './inproc/manual-clock.js'
export { openInProcStore } from './inproc/inproc-store.js'
export type { InProcOptions } from './inproc/inproc-store.js'
export { StoreMachine } from './machine/store-machine.js'
export type { StoreMachineOptions } from './machine/store-machine.js'
export type { Clock, Timer } from './store/backend.js'
export type {
  AcquireOptions,
  CampaignOptions,
  ClearOptions,
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
} from './store/types.js'
