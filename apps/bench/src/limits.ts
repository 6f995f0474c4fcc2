/**
 * Every bound of the harness in one place: each loop stops on time AND on count, and each wait has
 * a deadline, so a stuck target costs a bounded delay and a note in the report, never a hung run.
 */
export const limits = {
  /** Latency samples kept per cell; past it, reservoir sampling keeps the distribution fair. */
  latencySamplesMax: 200_000,
  /** Operations per cell, whatever the duration (a guard against a no-op target spinning forever). */
  operationsPerCellMax: 100_000_000,
  /** The first cell of a workload on a target warms up 5× longer than --warmup, up to this. */
  firstWarmupMs: 1_000,
  /** A cell that has not finished this long after its planned duration is abandoned and reported. */
  cellGraceMs: 30_000,
  /** Time allowed to start one target (a 3-member etcd cluster takes a while). */
  startTimeoutMs: 120_000,
  /** Time allowed to close the clients of one cell, and to stop one target. */
  closeTimeoutMs: 10_000,
  /** In-flight operations when loading keys (preload and the memory workload). */
  loadInFlight: 64,
  /** Entries per putMany batch when loading keys. */
  loadBatchEntries: 1000,
  /** Attempts of one load batch that fails with a retryable error (loading is idempotent). */
  loadAttemptsMax: 5,
  /** Loading keys gives up after this long. */
  loadTimeoutMs: 600_000,
  /** Clients that share the watchers of the watch workload (watches are multiplexed per client). */
  watchClientsMax: 16,
  /** How long a write of the watch workload waits for every watcher before counting the rest as missed. */
  watchDeliveryTimeoutMs: 5_000,
  /** TTL of the leases of the lease workload: long enough that none expires during the run. */
  leaseTtlMs: 60_000,
  /** In-flight grants, renewals and revokes of the lease workload. */
  leaseInFlight: 64,
  /** The lease workload's grant phase (and its revoke cleanup) give up after this long. */
  leasePhaseTimeoutMs: 120_000,
  /** One lock acquire waits at most this long (then counts as an error and the contender retries). */
  lockWaitMs: 10_000,
  /** Attempts of one compare-and-swap increment before it gives up (and counts as an error). */
  casAttemptsMax: 10_000,
  /** Rounds, targets and workloads are small numbers; these catch typos such as --rounds 1000. */
  roundsMax: 50,
  inFlightMax: 4096,
  valueBytesMax: 1024 * 1024,
  keysMax: 10_000_000,
} as const
