/**
 * A benchmark target: something that stores keys (Clustron in one of its modes, or a peer such as
 * Redis, etcd, or a bare Map as the physical limit). Workloads drive targets only through this
 * interface, so every target runs exactly the same operations in the same run.
 */
export interface BenchTarget {
  /** Short name used in tables and `--targets` ('inproc', 'remote', 'redis', 'map', ...). */
  readonly name: string
  /** Operations this target supports; workloads it cannot run are skipped and marked n/a. */
  readonly supports: ReadonlySet<BenchOperation>
  /** Starts whatever the target needs (servers on free loopback ports). Throws TargetUnavailable to skip it. */
  start(): Promise<void>
  /** A client of the started target (one connection for remote targets). */
  client(): Promise<BenchClient>
  stop(): Promise<void>
}

export type BenchOperation = 'put' | 'get' | 'counterAdd' | 'txn' | 'getSerializable'

export interface BenchClient {
  put(key: string, value: Uint8Array): Promise<void>
  get(key: string): Promise<unknown>
  /** Linearizable unless the target has only one kind of read. */
  getSerializable?(key: string): Promise<unknown>
  counterAdd(key: string, delta: number): Promise<number>
  /** An atomic transaction of four ops: compare the version of `keys[0]`, then put all four keys. */
  txn?(keys: [string, string, string, string], value: Uint8Array): Promise<void>
  close(): Promise<void>
}

/** A target that cannot run here (a missing binary): the bench says why and how to fix it. */
export class TargetUnavailable extends Error {
  constructor(message: string) {
    super(message)
    this.name = 'TargetUnavailable'
  }
}
