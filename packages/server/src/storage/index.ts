/**
 * Durable storage of a Raft replica: a write-ahead log of entries and hard state in append-only, checksummed
 * segments, with group commit, plus checksummed snapshot files. See packages/server/README-storage.md.
 */
export { openReplicaStorage, SEGMENT_BYTES_MAX_DEFAULT, FRAME_BYTES_MAX_DEFAULT, SNAPSHOTS_RETAINED } from './wal-storage.js'
export type { ReplicaStorage, RecoveredState, ReplicaStorageOptions, ReplicaStorageStats, StorageNote } from './types.js'
export {
  ReplicaStorageError,
  type ReplicaStorageErrorCode,
  ReplicaStorageCorruptError,
  ReplicaStorageClosedError,
  ReplicaStorageFailedError,
  StorageAssertionError,
  CORRUPTION_ADVICE,
} from './errors.js'
