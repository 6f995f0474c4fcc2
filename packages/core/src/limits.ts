import { InvalidArgumentError } from './errors.js'

/**
 * Every bound of the store in one place (architecture.md "Limits"). The defaults are the spec's;
 * a node may lower or raise most of them by configuration. {@link resolveLimits} validates them once.
 */
export interface Limits {
  /** UTF-8 bytes of a key. */
  keyBytesMax: number
  /** Bytes of one encoded value. */
  valueBytesMax: number
  /** Bytes of one wire frame (a batch of requests or responses). */
  frameBytesMax: number
  /** Operations in one txn branch and compares in its `if`. */
  txnOpsMax: number
  /** Keys in one getMany/putMany/deleteMany. */
  batchKeysMax: number
  /** Encoded bytes of one putMany. */
  batchBytesMax: number
  /** Entries in one list page. */
  listLimitMax: number
  /** Keys a store may hold (a quota; Infinity = unbounded). */
  keysMax: number
  /** Live leases in a store. */
  leasesMax: number
  /** Waiters queued on one lock or election. */
  lockWaitersMax: number
  /** Shortest and longest lease / TTL, in ms. */
  ttlMsMin: number
  ttlMsMax: number
  /** Revisions of events retained for `watch({ fromRevision })`. */
  watchHistoryRevisions: number
  /** Events retained across those revisions (a clear of 1M keys is one revision of 1M events). */
  watchHistoryEventsMax: number
  /** Events buffered for one watcher that its consumer has not taken yet; beyond it: SLOW_CONSUMER. */
  watchBacklogEventsMax: number
  /** Requests in flight on one connection. */
  requestsInFlightMax: number
  /** Watches open on one connection. */
  watchersPerConnectionMax: number
  /** Client connections per node. */
  connectionsMax: number
  /** Time a new connection has to complete its handshake. */
  handshakeTimeoutMs: number
  /** A connection with no traffic (not even pings) for this long is closed. */
  idleTimeoutMs: number
  /** Requests per second per connection (token bucket); beyond: RESOURCE_EXHAUSTED with retry-after. */
  requestsPerSecondMax: number
  /** Raft: bytes of entries in flight to one follower. */
  raftInflightBytesMax: number
  /** Raft: bytes of proposed but uncommitted entries at the leader. */
  raftUncommittedBytesMax: number
}

const KiB = 1024
const MiB = 1024 * KiB

export const defaultLimits: Readonly<Limits> = Object.freeze({
  keyBytesMax: 1 * KiB,
  valueBytesMax: 1 * MiB,
  frameBytesMax: 4 * MiB,
  txnOpsMax: 128,
  batchKeysMax: 10_000,
  batchBytesMax: 4 * MiB,
  listLimitMax: 10_000,
  keysMax: Number.POSITIVE_INFINITY,
  leasesMax: 1_000_000,
  lockWaitersMax: 10_000,
  ttlMsMin: 1,
  ttlMsMax: 10 * 365 * 24 * 3600 * 1000,
  watchHistoryRevisions: 10_000,
  watchHistoryEventsMax: 100_000,
  watchBacklogEventsMax: 10_000,
  requestsInFlightMax: 4096,
  watchersPerConnectionMax: 10_000,
  connectionsMax: 10_000,
  handshakeTimeoutMs: 10_000,
  idleTimeoutMs: 60_000,
  requestsPerSecondMax: 1_000_000,
  raftInflightBytesMax: 16 * MiB,
  raftUncommittedBytesMax: 64 * MiB,
})

/** Merges overrides into the defaults and checks every value; throws INVALID_ARGUMENT naming the bad key. */
export function resolveLimits(overrides: Partial<Limits> = {}): Limits {
  const limits: Limits = { ...defaultLimits }
  for (const [name, value] of Object.entries(overrides) as [keyof Limits, unknown][]) {
    if (!Object.hasOwn(defaultLimits, name)) {
      throw new InvalidArgumentError(`unknown limit '${name}'; known limits: ${Object.keys(defaultLimits).join(', ')}`)
    }
    if (value === undefined) continue
    const unbounded = value === Number.POSITIVE_INFINITY && name === 'keysMax'
    if (typeof value !== 'number' || (!unbounded && (!Number.isSafeInteger(value) || value < 1))) {
      throw new InvalidArgumentError(`limit '${name}' must be a positive integer, got ${String(value)}`)
    }
    limits[name] = value
  }
  if (limits.valueBytesMax > limits.frameBytesMax - limits.keyBytesMax - 1024) {
    throw new InvalidArgumentError(
      `limit 'valueBytesMax' (${limits.valueBytesMax}) must leave room for a key and headers in 'frameBytesMax' (${limits.frameBytesMax})`,
    )
  }
  if (limits.ttlMsMin > limits.ttlMsMax) {
    throw new InvalidArgumentError(`limit 'ttlMsMin' (${limits.ttlMsMin}) must not exceed 'ttlMsMax' (${limits.ttlMsMax})`)
  }
  return limits
}
