import { InvalidConfigError } from './errors.js'
import { hashNodeId } from './random.js'
import type { Storage } from './storage.js'
import type { NodeId, RaftLogger } from './types.js'

/** Configuration of one Raft node. Every bound has a default; all byte bounds count entry wire bytes. */
export interface RaftConfig {
  /** This node's id; must not be empty. */
  id: NodeId
  /** Stable storage as persisted so far (read-only for Raft). */
  storage: Storage
  /**
   * Ticks without hearing from a leader before a follower campaigns. The actual timeout is drawn at random
   * in [electionTicks, 2 * electionTicks) at every role change. Default 10.
   */
  electionTicks?: number
  /** Ticks between leader heartbeats. Must be less than electionTicks. Default 1. */
  heartbeatTicks?: number
  /**
   * Run a pre-vote round before a real election so that a partitioned node rejoining does not force the
   * healthy leader to step down by bumping the term. Default true.
   */
  preVote?: boolean
  /**
   * The leader steps down when it has not heard from a quorum for an election timeout, and followers that
   * heard from a leader within the election timeout ignore vote requests (the leader lease). Default true.
   */
  checkQuorum?: boolean
  /** Append messages in flight to one follower (unacknowledged) in the replicate state. Default 256. */
  maxInflightMessages?: number
  /** Entry bytes in flight to one follower. Default 32 MiB. */
  maxInflightBytes?: number
  /** Entry bytes in one append message (one entry larger than this is still sent alone). Default 1 MiB. */
  maxEntriesBytesPerMessage?: number
  /**
   * Payload bytes of entries appended by the leader but not yet applied. Proposals beyond it fail with
   * UncommittedBytesExceededError (one oversized proposal is admitted when nothing is uncommitted). Default 64 MiB.
   */
  maxUncommittedEntriesBytes?: number
  /** Entry bytes of committed entries handed out by one Ready. Default 64 MiB. */
  maxCommittedEntriesBytesPerReady?: number
  /** Read index requests queued at the leader awaiting confirmation. Default 4096. */
  maxPendingReadIndexRequests?: number
  /** Seed of the election timeout PRNG. Default: derived from `id`. */
  seed?: number
  /**
   * The last index the state machine has applied (e.g. restored from its own snapshot at restart).
   * Committed entries up to it are not handed out again. Default: the storage's snapshot index.
   */
  applied?: number
  /** Receives diagnostic lines. Default: discard. */
  logger?: RaftLogger
}

export type ResolvedConfig = Required<Omit<RaftConfig, 'applied' | 'logger'>> & { applied: number; logger: RaftLogger }

const mebibyte = 1024 * 1024

const silentLogger: RaftLogger = { debug: () => {}, info: () => {}, warn: () => {} }

export function resolveConfig(config: RaftConfig): ResolvedConfig {
  const resolved: ResolvedConfig = {
    id: config.id,
    storage: config.storage,
    electionTicks: config.electionTicks ?? 10,
    heartbeatTicks: config.heartbeatTicks ?? 1,
    preVote: config.preVote ?? true,
    checkQuorum: config.checkQuorum ?? true,
    maxInflightMessages: config.maxInflightMessages ?? 256,
    maxInflightBytes: config.maxInflightBytes ?? 32 * mebibyte,
    maxEntriesBytesPerMessage: config.maxEntriesBytesPerMessage ?? mebibyte,
    maxUncommittedEntriesBytes: config.maxUncommittedEntriesBytes ?? 64 * mebibyte,
    maxCommittedEntriesBytesPerReady: config.maxCommittedEntriesBytesPerReady ?? 64 * mebibyte,
    maxPendingReadIndexRequests: config.maxPendingReadIndexRequests ?? 4096,
    seed: config.seed ?? hashNodeId(config.id),
    applied: config.applied ?? 0,
    logger: config.logger ?? silentLogger,
  }
  validate(resolved)
  return resolved
}

function validate(config: ResolvedConfig): void {
  if (typeof config.id !== 'string' || config.id === '') throw new InvalidConfigError('id must be a non-empty string')
  const positive: Array<[string, number]> = [
    ['electionTicks', config.electionTicks],
    ['heartbeatTicks', config.heartbeatTicks],
    ['maxInflightMessages', config.maxInflightMessages],
    ['maxInflightBytes', config.maxInflightBytes],
    ['maxEntriesBytesPerMessage', config.maxEntriesBytesPerMessage],
    ['maxUncommittedEntriesBytes', config.maxUncommittedEntriesBytes],
    ['maxCommittedEntriesBytesPerReady', config.maxCommittedEntriesBytesPerReady],
    ['maxPendingReadIndexRequests', config.maxPendingReadIndexRequests],
  ]
  for (const [name, value] of positive) {
    if (!(value > 0)) throw new InvalidConfigError(`${name} must be greater than 0, got ${value}`)
  }
  for (const [name, value] of [['electionTicks', config.electionTicks], ['heartbeatTicks', config.heartbeatTicks]] as const) {
    if (!Number.isInteger(value)) throw new InvalidConfigError(`${name} must be an integer, got ${value}`)
  }
  if (config.heartbeatTicks >= config.electionTicks) {
    throw new InvalidConfigError(`heartbeatTicks (${config.heartbeatTicks}) must be less than electionTicks (${config.electionTicks})`)
  }
  if (!Number.isInteger(config.applied) || config.applied < 0) throw new InvalidConfigError(`applied must be a non-negative integer, got ${config.applied}`)
  if (!Number.isInteger(config.seed)) throw new InvalidConfigError(`seed must be an integer, got ${config.seed}`)
}
