/**
 * One seeded run of the whole cluster: boot, a safety phase with faults and the workload, a
 * liveness phase with every fault healed (a leader must be elected, every pending request must
 * finish, the final reads must succeed and all nodes must converge within a bound), then the
 * end-of-run checks: whole-state equality with the oracle, durability, watch validity and the
 * linearizability of every history.
 */
import { CommittedHistory } from './committed.js'
import { SimClient } from './client.js'
import { SimCluster } from './cluster.js'
import { chooseConfig, type ConfigOverrides, type SimulationConfig } from './config.js'
import { EventLoop } from './event-loop.js'
import { checkDurability, checkWatchers, compareStates, converged } from './final-checks.js'
import { Invariants, type Failure } from './invariants.js'
import { simulatorLimits } from './limits.js'
import { Nemesis } from './nemesis.js'
import { Random } from './random.js'
import { collectResult, type SimulationResult } from './result.js'
import { SimWatcher } from './watchers.js'
import { kvKeys } from './workload-keys.js'
import { Workload } from './workload.js'

export interface SimulationOptions extends ConfigOverrides {
  seed: number
  nodes: number
  /** Budget of each linearizability check (exhausted: 'unknown', never a failure). */
  checkTimeoutMs?: number
  /** Skip the linearizability checks (determinism tests that only compare traces). */
  skipLinearizability?: boolean
  /** Receives every executed event as a trace line (virtual µs, then what happened). */
  onEvent?: (line: string) => void
}

/** The parts of one run, wired together. */
export interface Simulation {
  config: SimulationConfig
  loop: EventLoop
  invariants: Invariants
  committed: CommittedHistory
  cluster: SimCluster
  workload: Workload
  nemesis: Nemesis
  clients: SimClient[]
  watchers: SimWatcher[]
  failures: Failure[]
  /** Liveness phase: virtual ms from the heal until the final reads were answered / all nodes converged. */
  recovery: { finalReadsMs: number | undefined; convergedMs: number | undefined }
}

export function buildSimulation(options: SimulationOptions): Simulation {
  const random = new Random(options.seed)
  const config = chooseConfig(options.seed, options.nodes, random.fork('config'), options)
  const loop = new EventLoop()
  loop.onEvent = options.onEvent
  const failures: Failure[] = []
  const workload = new Workload({ thinkMeanMs: config.thinkMeanMs })
  const histories = workload.histories
  const committed: CommittedHistory = new CommittedHistory(
    {
      onKeyExpired: (key, timeMs) => {
        if (kvKeys.includes(key)) histories.kv.internal({ type: 'delete', key }, { deleted: true }, timeMs)
      },
      onLockLeaseEnded: (name, token, timeMs) => histories.lock.internal({ type: 'expire', name, token }, {}, timeMs),
    },
    (message) => invariants.fail('oracle', message),
  )
  const invariants: Invariants = new Invariants(
    () => loop.now,
    (failure) => {
      if (failures.length < simulatorLimits.failuresPerRunMax) failures.push(failure)
      loop.stop(failure.kind)
    },
    (entry) => committed.apply(entry, loop.now),
  )
  const cluster = new SimCluster(loop, random.fork('cluster'), config.nodeIds, config.tuning, invariants, config.skews)
  cluster.network.holdRate = config.holdRate
  const nemesis = new Nemesis(loop, random.fork('nemesis'), cluster, { faultIntervalMeanMs: config.faultIntervalMeanMs, stayDownRate: config.stayDownRate })
  const clientRandom = random.fork('clients')
  const clients = Array.from({ length: config.clients + 1 }, (_, id) => new SimClient(id, loop, clientRandom.fork(`c${id}`), cluster, (message) => invariants.fail('harness', message)))
  const watcherRandom = random.fork('watchers')
  const watchers = [new SimWatcher('watch-all', '', cluster, watcherRandom), new SimWatcher('watch-accounts', 'x', cluster, watcherRandom)]
  return { config, loop, invariants, committed, cluster, workload, nemesis, clients, watchers, failures, recovery: { finalReadsMs: undefined, convergedMs: undefined } }
}

export async function runSimulation(options: SimulationOptions): Promise<SimulationResult> {
  const startedMs = performance.now()
  const simulation = buildSimulation(options)
  const { loop, invariants } = simulation
  let linearizability: ReturnType<Simulation['workload']['histories']['check']> = []
  boot(simulation)
  await loop.runUntil(() => false, simulation.config.safetyMs)
  if (loop.stopped === undefined) await liveness(simulation)
  if (loop.stopped === undefined) endChecks(simulation)
  if (simulation.failures.length === 0 && options.skipLinearizability !== true) {
    linearizability = simulation.workload.histories.check(options.checkTimeoutMs ?? simulatorLimits.checkTimeoutMs)
    for (const check of linearizability) {
      if (check.outcome === 'illegal') invariants.fail('linearizability', `the ${check.name} history (${check.operations} operations) is not linearizable`)
    }
  }
  return collectResult(simulation, linearizability, performance.now() - startedMs, { safetyMs: options.safetyMs, clients: options.clients })
}

function boot(simulation: Simulation): void {
  const { loop, cluster, workload, nemesis, clients } = simulation
  const random = new Random(simulation.config.seed ^ 0x5eed)
  for (const node of cluster.nodes) loop.schedule(random.between(0, 50), `boot ${node.id}`, () => cluster.start(node))
  for (const client of clients.slice(0, -1)) {
    loop.schedule(random.between(100, 400), `client ${client.id} starts`, () => {
      workload.runClient(client).catch((error: unknown) => simulation.invariants.fail('harness', `client ${client.id} crashed: ${String(error)}`))
    })
  }
  loop.schedule(random.between(300, 1_000), 'nemesis starts', () => nemesis.start())
}

/** Heals everything, then requires progress within the bound. */
async function liveness(simulation: Simulation): Promise<void> {
  const { loop, workload, nemesis, invariants, cluster, committed, clients } = simulation
  workload.active = false
  nemesis.healAll()
  const healedAt = loop.now
  const deadline = loop.now + simulatorLimits.livenessBoundMs
  const failLiveness = (what: string) => {
    if (loop.stopped !== undefined) return // an earlier failure stopped the run
    const roles = cluster.nodes.map((node) => {
      const status = node.replica?.status()
      return `${node.id}:${status === undefined ? 'down' : `${status.leader === node.id ? 'leader' : 'follower'}@${status.term} applied ${status.appliedIndex}`}`
    })
    invariants.fail('liveness', `${what} within ${simulatorLimits.livenessBoundMs} ms after the heal (${roles.join(', ')}; committed ${committed.index})`)
  }
  if ((await loop.runUntil(() => workload.running === 0, deadline)) !== 'condition') return failLiveness('client requests were still pending')
  let finalReads: boolean | undefined
  workload.finalReads(clients[clients.length - 1]!).then(
    (done) => (finalReads = done),
    (error: unknown) => invariants.fail('harness', `final reads crashed: ${String(error)}`),
  )
  if ((await loop.runUntil(() => finalReads !== undefined, deadline)) !== 'condition' || finalReads !== true) return failLiveness('the final reads did not complete')
  simulation.recovery.finalReadsMs = loop.now - healedAt
  if ((await loop.runUntil(() => converged(cluster, committed), deadline)) !== 'condition') return failLiveness('the replicas did not converge')
  simulation.recovery.convergedMs = loop.now - healedAt
}

function endChecks(simulation: Simulation): void {
  const { cluster, committed, invariants, workload, watchers } = simulation
  compareStates(cluster, committed, invariants)
  checkDurability(workload.acknowledgedWrites, committed, invariants)
  checkWatchers(watchers, committed, invariants)
}
