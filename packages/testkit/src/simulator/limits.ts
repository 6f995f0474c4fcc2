/**
 * Every bound of the simulator in one place (style.md: "put a limit on everything"). Times are
 * virtual milliseconds unless the name says otherwise.
 */
export const simulatorLimits = {
  /** Events one run may execute before it fails as a livelock (a bug: nothing should spin). */
  eventsPerRunMax: 3_000_000,
  /** Virtual time the liveness phase has to elect a leader, finish every pending request and converge. */
  livenessBoundMs: 30_000,
  /** A client gives up on one attempt after this long (the replica's own timeout is shorter). */
  clientAttemptTimeoutMs: 4_000,
  /** A client gives up on one operation (all attempts) after this long. */
  clientOperationDeadlineMs: 8_000,
  /** Attempts per operation (redirects and retries). */
  clientAttemptsMax: 40,
  /** The replicas' TIMEOUT for a write that was handed to Raft but not applied. */
  replicaRequestTimeoutMs: 2_000,
  /** Node clock drift bound (fraction): now() = base + t * (1 + drift). */
  clockDriftMax: 0.02,
  /** Node clock offset bound, ms either way. */
  clockOffsetMsMax: 100,
  /** Events remembered for failure reports. */
  traceTailEvents: 300,
  /** Linearizability check budget per model per run (an exhausted budget is 'unknown', never a failure). */
  checkTimeoutMs: 10_000,
  /** Failures recorded per run (the first one is what matters; the rest are usually consequences). */
  failuresPerRunMax: 20,
  /** Watch anomalies listed per watcher. */
  watchAnomaliesMax: 20,
} as const

export type SimulatorLimits = typeof simulatorLimits
