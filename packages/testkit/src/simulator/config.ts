/**
 * Everything a run varies, drawn from its seed (plus the node count, which the caller chooses), so
 * that `(seed, nodes)` names one run exactly.
 */
import type { ClockSkew } from './clock.js'
import type { ReplicaTuning } from './cluster.js'
import { simulatorLimits } from './limits.js'
import type { Random } from './random.js'

export interface SimulationConfig {
  seed: number
  nodeIds: string[]
  clients: number
  /** Virtual length of the safety phase (faults on, workload running). */
  safetyMs: number
  thinkMeanMs: number
  faultIntervalMeanMs: number
  stayDownRate: number
  /** Probability that a message for an unreachable peer is kept and delivered later. */
  holdRate: number
  tuning: ReplicaTuning
  skews: ClockSkew[]
}

export interface ConfigOverrides {
  safetyMs?: number | undefined
  clients?: number | undefined
}

export function chooseConfig(seed: number, nodes: number, random: Random, overrides: ConfigOverrides = {}): SimulationConfig {
  const nodeIds = Array.from({ length: nodes }, (_, index) => `n${index + 1}`)
  const clients = random.int(4, 8)
  const safetyMs = random.int(6_000, 14_000)
  return {
    seed,
    nodeIds,
    clients: overrides.clients ?? clients,
    safetyMs: overrides.safetyMs ?? safetyMs,
    thinkMeanMs: random.between(5, 60),
    faultIntervalMeanMs: random.between(400, 1_500),
    stayDownRate: 0.1,
    holdRate: random.pick([0, 0.5, 1]),
    tuning: {
      tickMs: 100,
      // Short election timeouts give more elections per simulated second (and spurious ones under delay).
      electionTicks: random.int(4, 12),
      heartbeatTicks: 1,
      // Small and varied so that snapshots, compaction and InstallSnapshot happen in most runs.
      snapshotEntries: random.int(10, 200),
      retainEntries: random.int(0, 40),
      requestTimeoutMs: simulatorLimits.replicaRequestTimeoutMs,
    },
    skews: nodeIds.map(() => ({
      drift: random.between(-simulatorLimits.clockDriftMax, simulatorLimits.clockDriftMax),
      offsetMs: random.between(-simulatorLimits.clockOffsetMsMax, simulatorLimits.clockOffsetMsMax),
    })),
  }
}

export function describeConfig(config: SimulationConfig): string {
  const tuning = config.tuning
  const skews = config.skews.map((skew, index) => `${config.nodeIds[index]}:${(skew.drift * 100).toFixed(2)}%/${skew.offsetMs.toFixed(0)}ms`).join(' ')
  return [
    `nodes=${config.nodeIds.length} clients=${config.clients} safety=${config.safetyMs}ms think=${config.thinkMeanMs.toFixed(0)}ms faultEvery≈${config.faultIntervalMeanMs.toFixed(0)}ms hold=${config.holdRate}`,
    `snapshotEntries=${tuning.snapshotEntries} retainEntries=${tuning.retainEntries} tick=${tuning.tickMs}ms election=${tuning.electionTicks} ticks`,
    `clocks ${skews}`,
  ].join('\n')
}
