/**
 * A benchmark target: something that stores keys (Clustron in one of its modes, or a peer such as
 * Redis, etcd, or a bare Map as the physical limit). Workloads drive targets only through these
 * interfaces, so every target runs exactly the same operations in the same run.
 *
 * A target lives in `src/targets/<name>.ts` and exports `<name>Target(options: TargetOptions)`.
 */
export interface BenchTarget {
  /** Short name used in tables and `--targets` ('inproc', 'remote', 'redis', 'map', ...). */
  readonly name: string
  /**
   * How `--profile` can profile the process that runs the store; absent: not profiled (peers).
   * - 'in-process': the store runs in the bench process; the harness profiles each measured cell
   *   with node:inspector and writes `<out>/<run>/profiles/<target>-<cell>.cpuprofile`.
   * - 'process': the target honours `TargetOptions.profileDirectory` (e.g. starts its node with
   *   `--cpu-prof --cpu-prof-dir=<dir>`) and the profiles are there once `stop()` has resolved.
   */
  readonly profiling?: 'in-process' | 'process'
  /**
   * Optional narrowing: when present, workloads needing an operation outside this set are n/a even
   * if the client has the method. By default a workload runs when the client has every method it needs.
   */
  readonly supports?: ReadonlySet<BenchOperation>
  /** What the numbers are of, for the environment section ('redis-server 7.0.15', 'etcd 3.4.30 x3'). */
  version?(): Promise<string>
  /** Starts whatever the target needs (servers on free loopback ports). Throws TargetUnavailable to skip it. */
  start(): Promise<void>
  /** A new client of the started target (one connection for remote targets); the harness closes it. */
  client(): Promise<BenchClient>
  /**
   * Memory of the process(es) holding the store, after a GC where the target can force one
   * (the `memory` workload reads it before and after loading keys). Absent: memory is n/a.
   */
  memory?(): Promise<MemoryReading>
  /** Stops everything `start()` started. Must resolve within a few seconds (kill what does not stop). */
  stop(): Promise<void>
}

/** What the harness passes to `<name>Target(options)`. */
export interface TargetOptions {
  /** A fresh scratch directory for this target (data dirs, logs), removed after the run. */
  dataDirectory: string
  /** Set with `--profile` for targets whose `profiling` is 'process': write CPU profiles here. */
  profileDirectory?: string
}

export type TargetFactory = (options: TargetOptions) => BenchTarget | Promise<BenchTarget>

export interface MemoryReading {
  /** Resident set size of the process(es) holding the store. */
  rssBytes: number
  /** JS heap used + external for Node processes, or the store's own accounting (Redis used_memory). */
  heapBytes?: number
}

/**
 * One connection to a target. Only put/get/close are required; a workload whose methods a client
 * lacks is reported as n/a for that target. Values are opaque bytes; keys are short ASCII strings.
 */
export interface BenchClient {
  put(key: string, value: Uint8Array): Promise<void>
  /**
   * The value (in any form), or undefined (or null) when the key is absent: the harness counts misses.
   * Linearizable when the target offers a choice.
   */
  get(key: string): Promise<unknown>
  /** A read that may be served by any replica (etcd serializable, Clustron consistency: 'serializable'). */
  getSerializable?(key: string): Promise<unknown>
  /**
   * Writes a batch (used to load keys quickly; need not be atomic). Batches have up to 1 000 entries:
   * a target with a lower limit splits them (etcd allows 128 operations per txn by default).
   */
  putMany?(entries: [string, Uint8Array][]): Promise<void>
  /** Adds to an integer counter (a missing key counts as 0); returns the new value. */
  counterAdd?(key: string, delta: number): Promise<number>
  /** The read half of a compare-and-swap: the value and its version (0 and undefined when absent). */
  getWithVersion?(key: string): Promise<VersionedValue>
  /** Writes only if the key's version is still `version` (0 = absent); false on a mismatch. */
  putIfVersion?(key: string, value: Uint8Array, version: number): Promise<boolean>
  /** An atomic transaction of four ops: compare the version of `keys[0]` (> 0), then put all four keys. */
  txn?(keys: [string, string, string, string], value: Uint8Array): Promise<void>
  /** Acquires an exclusive lock, waiting in line (FIFO where the target has it); rejects after `waitMs`. */
  lock?(name: string, waitMs: number): Promise<BenchLock>
  /**
   * Watches one key: `onValue` is called with the value of every later put of it. Resolves once the
   * watch is registered, so every put after that is delivered.
   */
  watch?(key: string, onValue: (value: Uint8Array) => void): Promise<BenchWatch>
  /** Grants a lease that is NOT kept alive by the client: the workload renews it explicitly. */
  leaseGrant?(ttlMs: number): Promise<BenchLease>
  close(): Promise<void>
}

/** A capability of a client: the name of one of its operations. */
export type BenchOperation = Exclude<keyof BenchClient, 'close'>

export interface VersionedValue {
  value: Uint8Array | undefined
  version: number
}

export interface BenchLock {
  release(): Promise<void>
}

export interface BenchWatch {
  close(): Promise<void>
}

export interface BenchLease {
  /** One keep-alive; rejects when the lease is gone. */
  renew(): Promise<void>
  revoke(): Promise<void>
}

/** A target that cannot run here (a missing binary): the bench says why and how to fix it, and skips it. */
export class TargetUnavailable extends Error {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options)
    this.name = 'TargetUnavailable'
  }
}
