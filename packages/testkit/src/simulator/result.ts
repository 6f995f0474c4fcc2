/**
 * What one run reports: its verdict and failures, the trace hash (same seed ⇒ same hash), and the
 * counts the CLI totals (operations, unknown outcomes, faults, crashes, messages, snapshots).
 */
import type { CheckOutcome } from '../checker/index.js'
import type { ClientStats } from './client.js'
import type { ClusterStats } from './cluster.js'
import { describeConfig, type ConfigOverrides } from './config.js'
import type { DiskStats } from './disk.js'
import type { OperationStats, ModelCheck } from './histories.js'
import type { Failure } from './invariants.js'
import type { FaultStats } from './nemesis.js'
import type { NetworkStats } from './network.js'
import type { Simulation } from './simulation.js'

export interface SimulationResult {
  seed: number
  nodes: number
  /** The command that replays this run exactly (`pnpm sim --seed N` plus any option that changed it). */
  replay: string
  ok: boolean
  failures: Failure[]
  traceHash: string
  events: number
  virtualMs: number
  wallMs: number
  configDescription: string
  operations: OperationStats
  /** One per model; empty when a failure came first. */
  checks: { name: string; outcome: CheckOutcome; operations: number; elapsedMs: number }[]
  faults: FaultStats
  cluster: ClusterStats
  disk: DiskStats
  network: NetworkStats
  clients: ClientStats
  leaders: number
  committedEntries: number
  watch: { events: number; reconnects: number }
  /** Virtual ms from the heal until the final reads were answered, and until every node converged. */
  recovery: { finalReadsMs: number | undefined; convergedMs: number | undefined }
  traceTail: string[]
  /** Writes each failing model's checker report; kept so the CLI can write reports on failure. */
  modelChecks: ModelCheck[]
}

export function collectResult(simulation: Simulation, modelChecks: ModelCheck[], wallMs: number, overrides: ConfigOverrides): SimulationResult {
  const { config, loop, cluster, workload, nemesis, clients, watchers, invariants, committed } = simulation
  const disk: DiskStats = { syncs: 0, snapshots: 0, crashes: 0, recordsLost: 0, tornCrashes: 0 }
  for (const node of cluster.nodes) {
    for (const key of Object.keys(disk) as (keyof DiskStats)[]) disk[key] += node.disk.stats[key]
  }
  const clientStats: ClientStats = { attempts: 0, redirects: 0, clientTimeouts: 0, lostConnections: 0 }
  for (const client of clients) {
    for (const key of Object.keys(clientStats) as (keyof ClientStats)[]) clientStats[key] += client.stats[key]
  }
  return {
    seed: config.seed,
    nodes: config.nodeIds.length,
    replay: replayCommand(config.seed, config.nodeIds.length, overrides),
    ok: simulation.failures.length === 0,
    failures: simulation.failures,
    traceHash: loop.trace.hex(),
    events: loop.eventsRun,
    virtualMs: loop.now,
    wallMs,
    configDescription: describeConfig(config),
    operations: { ...workload.histories.stats },
    checks: modelChecks.map(({ name, outcome, operations, elapsedMs }) => ({ name, outcome, operations, elapsedMs })),
    faults: { ...nemesis.stats },
    cluster: { ...cluster.stats },
    disk,
    network: { ...cluster.network.stats },
    clients: clientStats,
    leaders: invariants.leaders.size,
    committedEntries: committed.index,
    watch: {
      events: watchers.reduce((sum, watcher) => sum + watcher.received.length - watcher.reconnects, 0),
      reconnects: watchers.reduce((sum, watcher) => sum + watcher.reconnects, 0),
    },
    recovery: { ...simulation.recovery },
    traceTail: loop.traceTail(),
    modelChecks,
  }
}

/** The command that replays a run. */
export function replayCommand(seed: number, nodes: number, overrides: ConfigOverrides = {}): string {
  const options = [`--seed ${seed}`]
  if (nodes !== 3) options.push(`--nodes ${nodes}`)
  if (overrides.safetyMs !== undefined) options.push(`--safety-ms ${overrides.safetyMs}`)
  if (overrides.clients !== undefined) options.push(`--clients ${overrides.clients}`)
  return `pnpm sim ${options.join(' ')}`
}
