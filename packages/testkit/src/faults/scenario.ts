/**
 * One fault run: start a cluster behind fronts, set up the workloads, run them while the nemesis
 * injects faults for a bounded time, heal, wait for recovery, release what clients hold, do the
 * final reads, read the committed history, and check everything:
 * - each workload's history against its model (linearizability, watch validation, invariants);
 * - every acknowledged write is in the committed history as acknowledged;
 * - the final listing of the whole store equals the replay of the committed history.
 */
import { connect, type Store } from '@clustron/client'
import { Random } from '../simulator/random.js'
import { FaultCluster, retryUntil } from './cluster.js'
import { checkAcknowledged, checkFinalState, listAll, readCommittedHistory } from './committed.js'
import { Nemesis, type NemesisOptions, type NemesisReport } from './nemesis.js'
import { RevisionTimeline, RunClock } from './recorder.js'
import { writeJson, writeText, type AcknowledgedWrite, type Anomaly, type FaultWorkload, type WorkloadContext, type WorkloadVerdict } from './workload.js'

export interface ScenarioOptions {
  name: string
  seed: number
  nodes: 3 | 5
  workloads: (cluster: FaultCluster) => FaultWorkload[]
  nemesis: Omit<NemesisOptions, 'log'>
  /** Client request deadline: an operation past it is `unknown` (TIMEOUT). */
  requestTimeoutMs?: number
  recoveryTimeoutMs?: number
  checkTimeoutMs?: number
  reportDirectory: string
  log?: (line: string) => void
  verbose?: boolean
}

export interface ScenarioResult {
  name: string
  seed: number
  nodes: number
  verdicts: WorkloadVerdict[]
  /** Acknowledged writes and the final state against the committed history. */
  committedAnomalies: Anomaly[]
  nemesis: NemesisReport
  /** From the heal to a cluster that serves writes with every replica caught up. */
  recoveryMs: number
  durationMs: number
  committedChanges: number
  /** Connections the fronts could not attribute (their faults were not applied): must be 0. */
  unidentifiedConnections: number
}

export function anomaliesOf(result: ScenarioResult): Anomaly[] {
  return [...result.verdicts.flatMap((verdict) => verdict.anomalies), ...result.committedAnomalies]
}

export async function runScenario(options: ScenarioOptions): Promise<ScenarioResult> {
  const started = performance.now()
  const random = new Random(options.seed)
  const log = options.log ?? (() => {})
  const cluster = new FaultCluster({ size: options.nodes, random: random.fork('cluster'), ...(options.verbose === undefined ? {} : { verbose: options.verbose }) })
  const stores: Store[] = []
  const clock = new RunClock()
  const query = `requestTimeoutMs=${options.requestTimeoutMs ?? 3_000}`
  let active = false
  const acknowledged: AcknowledgedWrite[] = []
  const context: WorkloadContext = {
    url: '',
    clock,
    random: random.fork('workloads'),
    timeline: new RevisionTimeline(),
    acknowledged,
    isActive: () => active,
    // Connecting is not a checked operation: retried (bounded) while a fault keeps every node away.
    connect: async (url) => {
      const store = await retryUntil(performance.now() + 60_000, () => connect(url ?? cluster.url(query)))
      stores.push(store)
      return store
    },
  }
  const reportName = `${options.name}-seed-${options.seed}`
  try {
    await cluster.start()
    Object.assign(context, { url: cluster.url(query) })
    const workloads = options.workloads(cluster)
    const setupDeadline = performance.now() + 30_000
    for (const workload of workloads) if (workload.setup !== undefined) await retryUntil(setupDeadline, () => workload.setup!(context))
    log(`${options.name}: ${options.nodes} nodes up, workloads ${workloads.map((workload) => workload.name).join(', ')}`)

    const nemesis = new Nemesis(cluster, random.fork('nemesis'), { ...options.nemesis, log }, () => clock.now())
    active = true
    // Handled at once: a workload failing while the nemesis runs must fail the run, not the process.
    const running = Promise.all(workloads.map((workload) => workload.run(context))).then(
      () => undefined,
      (error: unknown) => error,
    )
    try {
      await nemesis.run()
    } finally {
      active = false
    }
    const healStarted = performance.now()
    await cluster.heal()
    const probe = await context.connect()
    await cluster.waitRecovered(options.recoveryTimeoutMs ?? 60_000, async () => {
      const result = await probe.put('faults/probe', clock.now())
      if (!result.ok) throw new Error('assertion failed: an unconditional put failed')
    })
    const recoveredAfterMs = performance.now() - healStarted
    log(`${options.name}: healed; recovered ${recoveredAfterMs.toFixed(0)} ms after the heal (${nemesis.report.faults} faults)`)
    const workloadError = await running
    if (workloadError !== undefined) throw workloadError
    for (const workload of workloads) await workload.teardown?.(context)
    for (const workload of workloads) await workload.finalReads(context)

    const pages = await listAll(probe, '')
    const committed = await readCommittedHistory(probe, clock, 60_000)
    const endTime = clock.now()
    const checkContext = { committed, timeline: context.timeline, endTime, reportDirectory: options.reportDirectory, reportName, checkTimeoutMs: options.checkTimeoutMs ?? 60_000 }
    const verdicts: WorkloadVerdict[] = []
    for (const workload of workloads) verdicts.push(await workload.check(checkContext))
    const committedAnomalies = [...checkAcknowledged(committed, acknowledged, 'committed'), ...checkFinalState(committed, pages, 'committed')]
    const result: ScenarioResult = {
      name: options.name,
      seed: options.seed,
      nodes: options.nodes,
      verdicts,
      committedAnomalies,
      nemesis: nemesis.report,
      recoveryMs: recoveredAfterMs,
      durationMs: performance.now() - started,
      committedChanges: committed.changes.length,
      unidentifiedConnections: cluster.unidentifiedConnections(),
    }
    if (anomaliesOf(result).length > 0 || result.unidentifiedConnections > 0) {
      await writeJson(options.reportDirectory, `${reportName}-result.json`, result)
      await writeText(options.reportDirectory, `${reportName}-nodes.log`, Object.entries(cluster.logTails()).map(([id, lines]) => `== ${id}\n${lines.join('\n')}`).join('\n'))
    }
    return result
  } catch (error) {
    await writeText(options.reportDirectory, `${reportName}-error.log`, `${String(error)}\n${error instanceof Error ? error.stack : ''}\n\n${Object.entries(cluster.logTails()).map(([id, lines]) => `== ${id}\n${lines.join('\n')}`).join('\n')}`).catch(() => {})
    throw error
  } finally {
    await Promise.allSettled(stores.map((store) => store.close()))
    await cluster.close()
  }
}

/** The table `pnpm test:faults` prints: one row per workload of each scenario. */
export function formatTable(results: readonly ScenarioResult[]): string {
  const header = ['scenario', 'nodes', 'workload', 'ok', 'failed', 'unknown', 'faults', 'anomalies', 'recovery ms', 'check']
  const rows = results.flatMap((result) => [
    ...result.verdicts.map((verdict) => [
      result.name,
      String(result.nodes),
      verdict.workload,
      String(verdict.counts.ok),
      String(verdict.counts.failed),
      String(verdict.counts.unknown),
      String(result.nemesis.faults),
      String(verdict.anomalies.length),
      result.recoveryMs.toFixed(0),
      verdict.models.map((model) => `${model.outcome} ${model.operations} ops ${model.elapsedMs.toFixed(0)} ms`).join('; '),
    ]),
    [result.name, String(result.nodes), '(committed)', String(result.committedChanges), '-', '-', String(result.nemesis.faults), String(result.committedAnomalies.length), result.recoveryMs.toFixed(0), 'acknowledged writes + final state'],
  ])
  const widths = header.map((title, column) => Math.max(title.length, ...rows.map((row) => row[column]!.length)))
  const line = (cells: readonly string[]) => cells.map((cell, column) => (column >= 3 && column <= 8 ? cell.padStart(widths[column]!) : cell.padEnd(widths[column]!))).join('  ').trimEnd()
  return [line(header), line(widths.map((width) => '-'.repeat(width))), ...rows.map(line)].join('\n')
}
