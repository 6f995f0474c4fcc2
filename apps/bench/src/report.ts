import type { Measurement } from './measure.js'

interface Row {
  target: string
  workload: string
  inFlight: number
  valueBytes: number
  opsPerSecond: number
  p50: number
  p99: number
  p999: number
}

/** Median of the rounds of each (target, workload, in-flight, value size). */
function combine(results: Measurement[]): Row[] {
  const groups = new Map<string, Measurement[]>()
  for (const result of results) {
    const key = `${result.target}|${result.workload}|${result.inFlight}|${result.valueBytes}`
    const group = groups.get(key)
    if (group === undefined) groups.set(key, [result])
    else group.push(result)
  }
  const median = (values: number[]) => {
    const sorted = [...values].sort((a, b) => a - b)
    return sorted[Math.floor(sorted.length / 2)]!
  }
  return [...groups.values()].map((group) => ({
    target: group[0]!.target,
    workload: group[0]!.workload,
    inFlight: group[0]!.inFlight,
    valueBytes: group[0]!.valueBytes,
    opsPerSecond: median(group.map((m) => m.opsPerSecond)),
    p50: median(group.map((m) => m.latencyMs.p50)),
    p99: median(group.map((m) => m.latencyMs.p99)),
    p999: median(group.map((m) => m.latencyMs.p999)),
  }))
}

const formatOps = (value: number) => (value >= 1e6 ? `${(value / 1e6).toFixed(2)}M` : value >= 1e3 ? `${(value / 1e3).toFixed(1)}k` : value.toFixed(0))
const formatMs = (value: number) => (Number.isNaN(value) ? 'n/a' : value < 0.01 ? `${(value * 1000).toFixed(1)}µs` : `${value.toFixed(3)}ms`)

/** A Markdown table: ops/s, latency percentiles, and the ratio to each target's baseline peer. */
export function renderTable(results: Measurement[], baselines: Record<string, string>): string {
  const rows = combine(results)
  const find = (target: string, row: Row) =>
    rows.find((other) => other.target === target && other.workload === row.workload && other.inFlight === row.inFlight && other.valueBytes === row.valueBytes)
  const lines = [
    '| workload | in flight | value | target | ops/s | p50 | p99 | p99.9 | ratio |',
    '|---|---:|---:|---|---:|---:|---:|---:|---|',
  ]
  rows.sort((a, b) => a.workload.localeCompare(b.workload) || a.inFlight - b.inFlight || a.valueBytes - b.valueBytes || a.target.localeCompare(b.target))
  for (const row of rows) {
    const baseline = baselines[row.target]
    const peer = baseline === undefined ? undefined : find(baseline, row)
    const ratio = peer === undefined ? '' : `${(row.opsPerSecond / peer.opsPerSecond).toFixed(2)}× ${baseline}`
    lines.push(
      `| ${row.workload} | ${row.inFlight} | ${row.valueBytes} B | ${row.target} | ${formatOps(row.opsPerSecond)} | ${formatMs(row.p50)} | ${formatMs(row.p99)} | ${formatMs(row.p999)} | ${ratio} |`,
    )
  }
  return lines.join('\n')
}
