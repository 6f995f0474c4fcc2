export { RawNode } from './raw-node.js'
export type { RaftConfig } from './config.js'
export { MemoryStorage, type MemoryStorageOptions, type Storage, type InitialState } from './storage.js'
export { encodeConfChange, decodeConfChange } from './conf-change.js'
export { SeededRandom } from './random.js'
export { entryBytes, ENTRY_HEADER_BYTES } from './entry-size.js'
export {
  AssertionError,
  RaftError,
  type RaftErrorCode,
  ProposalDroppedError,
  NotLeaderError,
  UncommittedBytesExceededError,
  ConfChangeRejectedError,
  ReadIndexDroppedError,
  CompactedError,
  UnavailableError,
  SnapshotTemporarilyUnavailableError,
  SnapshotOutOfDateError,
  InvalidConfigError,
} from './errors.js'
export type {
  NodeId,
  Entry,
  EntryType,
  HardState,
  ConfState,
  SnapshotMetadata,
  Snapshot,
  ConfChange,
  ReadState,
  Role,
  SoftState,
  ProgressState,
  Message,
  MessageType,
  AppendEntriesMessage,
  AppendResponseMessage,
  RequestVoteMessage,
  VoteResponseMessage,
  RequestPreVoteMessage,
  PreVoteResponseMessage,
  HeartbeatMessage,
  HeartbeatResponseMessage,
  InstallSnapshotMessage,
  TimeoutNowMessage,
  ReadIndexMessage,
  ReadIndexResponseMessage,
  TransferLeaderMessage,
  Ready,
  ProgressStatus,
  Status,
  RaftLogger,
} from './types.js'
