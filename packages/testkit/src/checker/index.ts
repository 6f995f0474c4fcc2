/**
 * Correctness checkers for Clustron histories: linearizability (Porcupine-style), models of the
 * store's semantics, watch-stream validation and failure reports. Standalone: histories are plain
 * data, and nothing here imports other Clustron packages.
 */
export {
  isUnknownOutput,
  unknownOutput,
  type CandidateDiagnosis,
  type CheckOptions,
  type CheckOutcome,
  type CheckResult,
  type LinearizationStep,
  type Model,
  type Operation,
  type PartitionDiagnosis,
  type PartitionResult,
  type StepResult,
  type UnknownOutput,
} from './history.js'
export { checkOperations } from './linearizability.js'
export { canonicalValue, compareKeys, valuesEqual } from './models/canonical.js'
export {
  createKvRegisterModel,
  type KvDeleteOutput,
  type KvEntryObservation,
  type KvGetOutput,
  type KvInput,
  type KvOutput,
  type KvPutOutput,
  type KvRegisterState,
} from './models/kv-register.js'
export {
  createCounterModel,
  type CounterAddOutput,
  type CounterGetOutput,
  type CounterInput,
  type CounterOutput,
  type CounterSetOutput,
} from './models/counter.js'
export {
  createKeySetModel,
  type KeySetAddOutput,
  type KeySetInput,
  type KeySetListOutput,
  type KeySetOutput,
  type KeySetRemoveOutput,
  type KeySetState,
} from './models/key-set.js'
export {
  createLockModel,
  type LockAcquireOutput,
  type LockFencedWriteOutput,
  type LockHolder,
  type LockHolderOutput,
  type LockInput,
  type LockModelOptions,
  type LockOutput,
  type LockReleaseOutput,
  type LockState,
} from './models/lock.js'
export {
  createTxnModel,
  type StoreState,
  type TxnCompare,
  type TxnModelInput,
  type TxnModelOptions,
  type TxnModelOutput,
  type TxnOperation,
  type TxnOperationResult,
  type TxnOutput,
} from './models/txn.js'
export {
  formatWatchAnomalies,
  isWatchReconnect,
  validateWatches,
  watchReconnect,
  type CommittedChange,
  type ObservedWatchEvent,
  type WatchAnomaly,
  type WatchAnomalyKind,
  type WatcherRecord,
  type WatchReconnect,
  type WatchStart,
  type WatchStreamItem,
  type WatchValidationOptions,
} from './watch-validator.js'
export { renderTextReport, writeReport, type ReportPaths } from './report.js'
export { renderHtmlReport } from './report-html.js'
