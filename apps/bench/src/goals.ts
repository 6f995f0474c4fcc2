import { formatMs, formatRatio, peerRow, type Row } from './report-model.js'

/** A target of issue 8 (and issue 2's in-process targets), checked against a run. */
interface Goal {
  text: string
  /** The measured value and whether it meets the goal; undefined when the run did not measure it. */
  check(rows: readonly Row[], smallestValue: number): { measured: string; met: boolean } | undefined
}

const find = (rows: readonly Row[], target: string, workload: string, valueBytes: number, inFlight?: number) =>
  rows.find((row) => row.target === target && row.workload === workload && row.valueBytes === valueBytes && (inFlight === undefined || row.inFlight === inFlight))

/** `target` reaches `factor` × the ops/s of `peer` on `workload` at 64 in flight. */
function ratioGoal(target: string, peer: string, workload: string, factor: number): Goal {
  return {
    text: `${target} ${workload} ≥ ${factor}× ${peer} ops/s (64 in flight)`,
    check(rows, valueBytes) {
      const row = find(rows, target, workload, valueBytes, 64)
      const other = row === undefined ? undefined : peerRow(rows, peer, row)
      if (row === undefined || other === undefined || other.opsPerSecond === 0) return undefined
      const ratio = row.opsPerSecond / other.opsPerSecond
      return { measured: `${formatRatio(ratio)}×`, met: ratio >= factor }
    },
  }
}

/** A latency percentile of `target` on `workload` stays under `limitMs`. */
function latencyGoal(target: string, workload: string, quantile: 'p50' | 'p99', limitMs: number, detail: string, inFlight?: number): Goal {
  return {
    text: `${target} ${workload} ${quantile} ≤ ${limitMs} ms (${detail})`,
    check(rows, valueBytes) {
      const row = find(rows, target, workload, valueBytes, inFlight) ?? find(rows, target, workload, 0, inFlight)
      const value = row?.[quantile]
      if (row === undefined || value === null || value === undefined) return undefined
      const measured = `${formatMs(value)}${workload === 'watch' ? ` with ${row.inFlight} watchers` : ''}`
      return { measured, met: value <= limitMs }
    },
  }
}

const goals: Goal[] = [
  ratioGoal('inproc', 'map', 'get', 0.25),
  ratioGoal('inproc', 'map', 'put', 0.1),
  {
    text: 'inproc memory ≤ 250 B per key over key + value size (1M keys)',
    check(rows) {
      const row = rows.find((candidate) => candidate.target === 'inproc' && candidate.workload === 'memory')
      const overhead = row?.extra.overheadBytesPerKey
      if (row === undefined || overhead === undefined) return undefined
      return { measured: `${overhead.toFixed(0)} B with ${row.extra.keys} keys`, met: overhead <= 250 }
    },
  },
  ratioGoal('remote', 'redis', 'put', 1),
  ratioGoal('remote', 'redis', 'get', 1),
  latencyGoal('remote', 'put', 'p99', 2, '64 in flight', 64),
  latencyGoal('remote', 'get', 'p99', 2, '64 in flight', 64),
  ratioGoal('cluster3', 'etcd', 'put', 5),
  ratioGoal('cluster3', 'etcd', 'get', 1),
  latencyGoal('remote', 'watch', 'p99', 10, '1 000 watchers, one node'),
  latencyGoal('remote', 'lock', 'p50', 1, 'handoff, single node'),
  latencyGoal('cluster3', 'lock', 'p50', 5, 'handoff, 3 nodes'),
]

/** The goals table: met / missed / not measured (at the run's smallest value size). */
export function renderGoals(rows: readonly Row[], valueSizes: readonly number[]): string {
  const positive = valueSizes.filter((size) => size > 0)
  const smallest = positive.length === 0 ? 100 : Math.min(...positive)
  const lines = ['| goal | measured | |', '|---|---:|---|']
  for (const goal of goals) {
    const result = goal.check(rows, smallest)
    lines.push(`| ${goal.text} | ${result?.measured ?? '–'} | ${result === undefined ? 'not measured' : result.met ? 'met' : '**missed**'} |`)
  }
  return lines.join('\n')
}
