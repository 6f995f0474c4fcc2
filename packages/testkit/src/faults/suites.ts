/**
 * The fault scenarios: what `pnpm test:faults` runs (the full suite, ~5 minutes) and the subset the
 * default test run takes (~2 minutes). Each scenario runs every workload at once against one
 * cluster, so faults hit all of them; the scenarios differ in cluster size, seed and fault mix.
 */
import type { FaultCluster } from './cluster.js'
import { allFaultKinds, type FaultKind } from './nemesis.js'
import type { ScenarioOptions } from './scenario.js'
import { BankWorkload } from './workload-bank.js'
import { CounterWorkload } from './workload-counter.js'
import { LeaseWorkload } from './workload-lease.js'
import { LockWorkload } from './workload-lock.js'
import { RegisterWorkload } from './workload-register.js'
import { SetWorkload } from './workload-set.js'
import { WatchWorkload } from './workload-watch.js'
import type { FaultWorkload } from './workload.js'

export type ScenarioSpec = Omit<ScenarioOptions, 'reportDirectory' | 'log'>

/** Every workload, sized for a run of a few tens of seconds on 2 cores. */
export function allWorkloads(cluster: FaultCluster): FaultWorkload[] {
  return [
    new RegisterWorkload({ clients: 4, keys: 3, thinkMs: 20 }),
    new CounterWorkload({ clients: 3, keys: 2, thinkMs: 25 }),
    new SetWorkload({ clients: 3, prefixes: 6, thinkMs: 25, listChance: 0.15 }),
    new LockWorkload({ clients: 6, names: 2, ttlMs: 1_500, waitMs: 1_000, thinkMs: 20 }),
    new LeaseWorkload({ clients: 3, ttlMs: 2_000, thinkMs: 100 }),
    new BankWorkload({ clients: 3, accounts: 5, initialBalance: 100, thinkMs: 25 }),
    new WatchWorkload({ writers: 2, keys: 4, thinkMs: 30, watcherUrls: cluster.members().map((id) => cluster.urlOf(id)), catchUpTimeoutMs: 20_000 }),
  ]
}

const networkFaults: FaultKind[] = ['partition-full', 'partition-asymmetric', 'partition-bridge', 'delay', 'drop', 'client-cut']
const processFaults: FaultKind[] = ['kill', 'crash-all', 'pause', 'clock-skew', 'wipe']

function scenario(name: string, seed: number, nodes: 3 | 5, kinds: readonly FaultKind[], durationMs: number): ScenarioSpec {
  return { name, seed, nodes, workloads: allWorkloads, nemesis: { kinds, durationMs, holdMs: [800, 3_000], gapMs: [200, 1_000], wipesMax: 1 } }
}

/** The CI subset: one 3-node run with every kind of fault (about 1.5 minutes with setup and checks). */
export const ciSuite: readonly ScenarioSpec[] = [scenario('mixed-3', 1, 3, allFaultKinds, 40_000)]

/** `pnpm test:faults`: about 5 minutes. */
export const fullSuite: readonly ScenarioSpec[] = [
  scenario('network-3', 11, 3, networkFaults, 60_000),
  scenario('process-3', 12, 3, processFaults, 60_000),
  scenario('mixed-5', 13, 5, allFaultKinds, 75_000),
]
