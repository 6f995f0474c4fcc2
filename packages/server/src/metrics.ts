import { collectDefaultMetrics, Counter, Gauge, Histogram, Registry } from 'prom-client'
import type { StoreHost } from './store-host.js'

/** Cumulative request statistics of each store (counts since the node started). */
export interface StoreStats {
  at: number
  stores: Record<string, { requests: number; errors: number; byOp: Record<string, number>; latency: { buckets: number[]; counts: number[]; count: number; sumSeconds: number } }>
}

/** What the replica reports as it works (fsync and snapshot timings, batch sizes, leader changes). */
export interface ReplicaObserver {
  synced(durationMs: number): void
  batched(commands: number): void
  snapshotted(durationMs: number, bytes: number): void
  roleChanged(role: string): void
}

const latencyBuckets = [0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10]

/**
 * The node's Prometheus metrics (`GET /metrics`), in a registry of its own (several nodes can run in
 * one process in tests). Counters and histograms are updated as things happen; gauges of store state
 * (keys, leases, locks, watchers, Raft indexes) are read from the stores when scraped.
 */
export class NodeMetrics {
  readonly registry = new Registry()
  readonly #requests: Counter<'store' | 'op' | 'outcome'>
  readonly #requestSeconds: Histogram<'store' | 'op'>
  readonly #bytes: Counter<'direction'>
  readonly #peerBytes: Counter<'direction'>
  readonly #fsyncSeconds: Histogram<'store'>
  readonly #batchCommands: Histogram<'store'>
  readonly #snapshotSeconds: Histogram<'store'>
  readonly #snapshotBytes: Gauge<'store'>
  readonly #leaderChanges: Counter<'store'>

  constructor(nodeId: string, hosts: () => ReadonlyMap<string, StoreHost>, connections: () => number) {
    const registers = [this.registry]
    this.registry.setDefaultLabels({ node: nodeId })
    collectDefaultMetrics({ register: this.registry, prefix: 'clustron_' })
    this.#requests = new Counter({ name: 'clustron_requests_total', help: 'Client requests by store, operation and outcome (ok or an error code)', labelNames: ['store', 'op', 'outcome'], registers })
    this.#requestSeconds = new Histogram({ name: 'clustron_request_duration_seconds', help: 'Client request latency at the node, from arrival to answer', labelNames: ['store', 'op'], buckets: latencyBuckets, registers })
    this.#bytes = new Counter({ name: 'clustron_client_bytes_total', help: 'Bytes of client frames received (in) and sent (out)', labelNames: ['direction'], registers })
    this.#peerBytes = new Counter({ name: 'clustron_peer_bytes_total', help: 'Bytes of Raft frames received from (in) and sent to (out) peers', labelNames: ['direction'], registers })
    this.#fsyncSeconds = new Histogram({ name: 'clustron_fsync_duration_seconds', help: 'Write and fdatasync of one Raft Ready (group commit)', labelNames: ['store'], buckets: latencyBuckets, registers })
    this.#batchCommands = new Histogram({ name: 'clustron_proposal_batch_commands', help: 'Commands batched into one Raft entry', labelNames: ['store'], buckets: [1, 2, 4, 8, 16, 32, 64, 128, 256, 512, 1024], registers })
    this.#snapshotSeconds = new Histogram({ name: 'clustron_snapshot_duration_seconds', help: 'Taking and saving a store snapshot', labelNames: ['store'], buckets: [0.001, 0.01, 0.1, 0.5, 1, 2.5, 5, 10, 30, 60], registers })
    this.#snapshotBytes = new Gauge({ name: 'clustron_snapshot_bytes', help: 'Size of the last snapshot', labelNames: ['store'], registers })
    this.#leaderChanges = new Counter({ name: 'clustron_raft_leader_changes_total', help: 'Times this node gained or lost the leadership of a store', labelNames: ['store'], registers })
    new Gauge({ name: 'clustron_connections', help: 'Open client connections', registers, collect() {
      this.set(connections())
    } })
    this.#storeGauges(hosts, registers)
  }

  /** Observes one finished request. */
  request(store: string, op: string, outcome: string, durationSeconds: number): void {
    this.#requests.inc({ store, op, outcome })
    this.#requestSeconds.observe({ store, op }, durationSeconds)
  }

  bytes(direction: 'in' | 'out', count: number): void {
    this.#bytes.inc({ direction }, count)
  }

  /** Peer (Raft replication) traffic. */
  peerBytes(direction: 'in' | 'out', count: number): void {
    this.#peerBytes.inc({ direction }, count)
  }

  /** An observer for one store's replica. */
  replicaObserver(store: string): ReplicaObserver {
    return {
      synced: (durationMs) => this.#fsyncSeconds.observe({ store }, durationMs / 1000),
      batched: (commands) => this.#batchCommands.observe({ store }, commands),
      snapshotted: (durationMs, bytes) => {
        this.#snapshotSeconds.observe({ store }, durationMs / 1000)
        this.#snapshotBytes.set({ store }, bytes)
      },
      roleChanged: () => this.#leaderChanges.inc({ store }),
    }
  }

  /**
   * Per-store request counters and latency histograms as JSON, for the dashboard's live charts: it
   * samples this every second and derives ops/s and percentiles from the differences.
   */
  async stats(): Promise<StoreStats> {
    const out: StoreStats = { at: Date.now(), stores: {} }
    const store = (name: string) => (out.stores[name] ??= { requests: 0, errors: 0, byOp: {}, latency: { buckets: [], counts: [], count: 0, sumSeconds: 0 } })
    for (const value of (await this.#requests.get()).values) {
      const entry = store(String(value.labels.store))
      entry.requests += value.value
      if (value.labels.outcome !== 'ok') entry.errors += value.value
      const op = String(value.labels.op)
      entry.byOp[op] = (entry.byOp[op] ?? 0) + value.value
    }
    const cumulative = new Map<string, Map<number, number>>()
    for (const value of (await this.#requestSeconds.get()).values) {
      const entry = store(String(value.labels.store))
      if (value.metricName === 'clustron_request_duration_seconds_count') entry.latency.count += value.value
      if (value.metricName === 'clustron_request_duration_seconds_sum') entry.latency.sumSeconds += value.value
      const bound = Number((value.labels as Record<string, string | number | undefined>).le)
      if (value.metricName === 'clustron_request_duration_seconds_bucket' && Number.isFinite(bound)) {
        const byBound = cumulative.get(String(value.labels.store)) ?? new Map<number, number>()
        cumulative.set(String(value.labels.store), byBound)
        byBound.set(bound, (byBound.get(bound) ?? 0) + value.value)
      }
    }
    for (const [name, byBound] of cumulative) {
      const bounds = [...byBound.keys()].sort((a, b) => a - b)
      store(name).latency.buckets = bounds
      store(name).latency.counts = bounds.map((bound) => byBound.get(bound)!)
    }
    return out
  }

  render(): Promise<string> {
    return this.registry.metrics()
  }

  get contentType(): string {
    return this.registry.contentType
  }

  #storeGauges(hosts: () => ReadonlyMap<string, StoreHost>, registers: Registry[]): void {
    const gauge = (name: string, help: string, read: (host: StoreHost) => number) =>
      new Gauge({ name, help, labelNames: ['store'], registers, collect() {
        for (const [store, host] of hosts()) {
          try {
            this.set({ store }, read(host))
          } catch {
            // A store closing while scraped: skip it this time.
          }
        }
      } })
    const machine = (host: StoreHost) => host.replica.readLocal({ type: 'status' })
    gauge('clustron_store_keys', 'Keys in the store (this replica)', (host) => machine(host).keys)
    gauge('clustron_store_revision', 'Store revision (this replica)', (host) => machine(host).revision)
    gauge('clustron_store_leases', 'Live leases', (host) => machine(host).leases)
    gauge('clustron_store_locks_held', 'Locks and elections with a holder', (host) => machine(host).locks + machine(host).elections)
    gauge('clustron_store_lock_waiters', 'Waiters queued on locks and elections', (host) => machine(host).lockWaiters)
    gauge('clustron_store_watchers', 'Watches registered on this node', (host) => host.hub.watcherCount)
    gauge('clustron_raft_term', 'Raft term of the store on this node', (host) => host.replica.status().term)
    gauge('clustron_raft_commit_index', 'Highest committed log index known here', (host) => host.replica.status().commitIndex)
    gauge('clustron_raft_applied_index', 'Highest log index applied here', (host) => host.replica.status().appliedIndex)
    gauge('clustron_raft_is_leader', '1 when this node leads the store', (host) => (host.replica.status().role === 'leader' ? 1 : 0))
  }
}
