import type { Environment } from './environment.js'
import type { Measurement } from './measure.js'

/** Everything a run produced: written as bench.json, and all Markdown, charts and docs are rendered from it. */
export interface BenchReport {
  schema: 1
  startedAt: string
  finishedAt: string
  /** The command line, as typed after `pnpm bench`. */
  command: string
  options: ReportOptions
  environment: Environment
  targets: TargetStatus[]
  workloads: { name: string; description: string; rows: string[] }[]
  /** Every measured cell of every round (warm-ups excluded). */
  measurements: Measurement[]
  /** Workload rows a target cannot run: shown as n/a. */
  unsupported: { target: string; workload: string; missing: string[] }[]
  /** Cells that threw or timed out. */
  failures: CellFailure[]
  /** CPU profiles written with --profile. */
  profiles: string[]
  notes: string[]
}

export interface ReportOptions {
  durationMs: number
  warmupMs: number
  rounds: number
  inFlight: number[]
  valueBytes: number[]
  keys: number
  contenders: number
  watchers: number
  leases: number
  memoryKeys: number
  profile: boolean
}

export interface TargetStatus {
  name: string
  status: 'ran' | 'skipped'
  /** The peer its ratio is computed against. */
  baseline?: string
  version?: string
  /** Why it was skipped. */
  message?: string
}

export interface CellFailure {
  target: string
  workload: string
  inFlight: number
  valueBytes: number
  round: number
  message: string
}

/** The rounds of one (target, workload row, in flight, value size) combined: medians, and their spread. */
export interface Row {
  target: string
  workload: string
  inFlight: number
  valueBytes: number
  unit: string
  rounds: number
  opsPerSecond: number
  /** (max − min) / median of the rounds' ops/s: how much the noisy machine moved the number. */
  spread: number
  p50: number | null
  p99: number | null
  p999: number | null
  errors: number
  extra: Record<string, number>
  firstError?: string
}

const median = (values: number[]): number => {
  const sorted = [...values].sort((a, b) => a - b)
  return sorted[Math.floor(sorted.length / 2)] ?? Number.NaN
}

const medianOrNull = (values: (number | null)[]): number | null => {
  const present = values.filter((value): value is number => value !== null)
  return present.length === 0 ? null : median(present)
}

/** Combines the rounds of every cell, in the order the cells first ran. */
export function combine(measurements: readonly Measurement[]): Row[] {
  const groups = new Map<string, Measurement[]>()
  for (const measurement of measurements) {
    const key = `${measurement.target}|${measurement.workload}|${measurement.inFlight}|${measurement.valueBytes}`
    const group = groups.get(key)
    if (group === undefined) groups.set(key, [measurement])
    else group.push(measurement)
  }
  return [...groups.values()].map((group) => {
    const first = group[0]!
    const ops = group.map((m) => m.opsPerSecond)
    const opsMedian = median(ops)
    const extraKeys = [...new Set(group.flatMap((m) => Object.keys(m.extra)))]
    const row: Row = {
      target: first.target,
      workload: first.workload,
      inFlight: first.inFlight,
      valueBytes: first.valueBytes,
      unit: first.unit,
      rounds: group.length,
      opsPerSecond: opsMedian,
      spread: opsMedian > 0 ? (Math.max(...ops) - Math.min(...ops)) / opsMedian : 0,
      p50: medianOrNull(group.map((m) => m.latencyMs.p50)),
      p99: medianOrNull(group.map((m) => m.latencyMs.p99)),
      p999: medianOrNull(group.map((m) => m.latencyMs.p999)),
      errors: group.reduce((sum, m) => sum + m.errors, 0),
      extra: Object.fromEntries(extraKeys.map((key) => [key, median(group.map((m) => m.extra[key] ?? 0))])),
    }
    const firstError = group.find((m) => m.firstError !== undefined)?.firstError
    if (firstError !== undefined) row.firstError = firstError
    return row
  })
}

/** The row of `target` in the same cell as `row`. */
export function peerRow(rows: readonly Row[], target: string, row: Row): Row | undefined {
  return rows.find((other) => other.target === target && other.workload === row.workload && other.inFlight === row.inFlight && other.valueBytes === row.valueBytes)
}

export const formatOps = (value: number): string =>
  value >= 1e6 ? `${(value / 1e6).toFixed(2)}M` : value >= 1e4 ? `${(value / 1e3).toFixed(1)}k` : value >= 1e3 ? `${(value / 1e3).toFixed(2)}k` : value.toFixed(value < 10 ? 1 : 0)

export const formatMs = (value: number | null): string => {
  if (value === null || Number.isNaN(value)) return '–'
  if (value < 0.01) return `${(value * 1000).toFixed(1)}µs`
  if (value < 1) return `${(value * 1000).toFixed(0)}µs`
  if (value < 100) return `${value.toFixed(2)}ms`
  return `${value.toFixed(0)}ms`
}

export const formatBytes = (bytes: number): string =>
  bytes === 0 ? '–' : bytes >= 1024 * 1024 ? `${bytes / (1024 * 1024)} MiB` : bytes >= 1024 ? `${bytes / 1024} KiB` : `${bytes} B`

export const formatRatio = (ratio: number): string => (ratio >= 10 ? ratio.toFixed(0) : ratio >= 1 ? ratio.toFixed(2) : ratio.toFixed(3).replace(/0$/, ''))
