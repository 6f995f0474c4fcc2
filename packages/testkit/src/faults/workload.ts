/**
 * What every fault workload shares: the context it runs in, and how its verdict is reported.
 * Workloads use the public client API (`connect()` from @clustron/client) against the cluster's
 * fronts, exactly as an application would, and record what they did as checker histories.
 */
import { writeFile, mkdir } from 'node:fs/promises'
import { join } from 'node:path'
import type { Store } from '@clustron/client'
import { checkOperations, writeReport, type CheckOutcome, type Model, type Operation } from '../checker/index.js'
import type { Random } from '../simulator/random.js'
import type { CommittedHistory } from './committed.js'
import type { History, RevisionTimeline, RunClock } from './recorder.js'

/** A write the cluster acknowledged: it must be in the committed history at its revision. */
export interface AcknowledgedWrite {
  key: string
  revision: number
  version: number
  value: unknown
}

export interface WorkloadContext {
  /** clustron://<every front>/default?requestTimeoutMs=… */
  readonly url: string
  readonly clock: RunClock
  readonly random: Random
  readonly timeline: RevisionTimeline
  readonly acknowledged: AcknowledgedWrite[]
  /** True while the nemesis runs: workloads start new operations only then. */
  isActive(): boolean
  /** A new client (its own connection) to `url` (default: the cluster's); closed by the scenario at the end. */
  connect(url?: string): Promise<Store>
}

export interface Anomaly {
  workload: string
  kind: string
  detail: string
  /** Where the checker's report (or the anomaly's details) was written. */
  report?: string
}

export interface ModelVerdict {
  model: string
  outcome: CheckOutcome
  operations: number
  elapsedMs: number
}

export interface WorkloadCounts {
  ok: number
  /** Definitely not applied (refused, UNAVAILABLE) or a read that got no answer. */
  failed: number
  unknown: number
}

export interface WorkloadVerdict {
  workload: string
  counts: WorkloadCounts
  models: ModelVerdict[]
  anomalies: Anomaly[]
}

export interface CheckContext {
  committed: CommittedHistory
  timeline: RevisionTimeline
  /** Run time (ms) when the committed history was read: nothing happened later. */
  endTime: number
  reportDirectory: string
  /** e.g. `seed-7-nodes-3`: names report files. */
  reportName: string
  checkTimeoutMs: number
}

export interface FaultWorkload {
  readonly name: string
  /** Before the nemesis starts (initial data), retried by the workload until it succeeds. */
  setup?(context: WorkloadContext): Promise<void>
  /** Runs clients until `isActive()` turns false, then lets their last operations finish. */
  run(context: WorkloadContext): Promise<void>
  /** After the heal: release what the clients still hold (locks, leases). */
  teardown?(context: WorkloadContext): Promise<void>
  /** Final reads, recorded: linearizability then implies every acknowledged write is visible. */
  finalReads(context: WorkloadContext): Promise<void>
  check(context: CheckContext): Promise<WorkloadVerdict>
}

/** Checks one history against its model; an illegal verdict writes the checker's report and the history. */
export async function checkHistory<S, I, O>(
  workload: string,
  model: Model<S, I, O>,
  history: History<I, O>,
  context: CheckContext,
  extra: readonly Operation<I, O>[] = [],
): Promise<{ verdict: ModelVerdict; anomalies: Anomaly[] }> {
  const operations = [...history.checked(), ...extra]
  const result = checkOperations(model, operations, { timeoutMs: context.checkTimeoutMs })
  const verdict: ModelVerdict = { model: result.modelName, outcome: result.result, operations: operations.length, elapsedMs: result.elapsedMs }
  if (result.result !== 'illegal') return { verdict, anomalies: [] }
  const name = `${context.reportName}-${workload}`
  const paths = await writeReport(context.reportDirectory, name, result)
  await writeJson(context.reportDirectory, `${name}-history.json`, operations)
  const failing = result.partitions.filter((partition) => partition.result === 'illegal').length
  return {
    verdict,
    anomalies: [{ workload, kind: 'not-linearizable', detail: `${failing} of ${result.partitions.length} partitions of '${result.modelName}' are not linearizable`, report: paths.textPath }],
  }
}

/** Writes `data` as JSON (Infinity, which JSON cannot hold, as the string "Infinity"). */
export async function writeJson(directory: string, name: string, data: unknown): Promise<string> {
  await mkdir(directory, { recursive: true })
  const path = join(directory, name)
  await writeFile(path, JSON.stringify(data, (_key, value: unknown) => (value === Infinity ? 'Infinity' : typeof value === 'bigint' ? `${value}n` : value), 1))
  return path
}

export async function writeText(directory: string, name: string, text: string): Promise<string> {
  await mkdir(directory, { recursive: true })
  const path = join(directory, name)
  await writeFile(path, text)
  return path
}

export function countsOf(...stats: { ok: number; unknown: number; dropped: number }[]): WorkloadCounts {
  return stats.reduce((sum, each) => ({ ok: sum.ok + each.ok, failed: sum.failed + each.dropped, unknown: sum.unknown + each.unknown }), { ok: 0, failed: 0, unknown: 0 })
}

/** Client ids: unique across workloads so histories can be merged in reports. */
let nextClientId = 1
export function newClientId(): number {
  return nextClientId++
}
