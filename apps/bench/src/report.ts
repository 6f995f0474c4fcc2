import { renderGoals } from './goals.js'
import { baselines } from './load-target.js'
import { combine, formatBytes, formatMs, formatOps, formatRatio, peerRow, type BenchReport, type Row } from './report-model.js'

/** Where each workload row's chart is, relative to the Markdown file (undefined: no link). */
export type ChartLink = (workload: string) => string | undefined

/** Rows in the order of the report's workloads, then value size, in flight and target order. */
function rowsOf(report: BenchReport, label: string, rows: readonly Row[]): Row[] {
  const targetOrder = report.targets.map((target) => target.name)
  return rows
    .filter((row) => row.workload === label)
    .sort((a, b) => a.valueBytes - b.valueBytes || a.inFlight - b.inFlight || targetOrder.indexOf(a.target) - targetOrder.indexOf(b.target))
}

/** Notes of a row: errors, workload checks that failed, the numbers only some workloads have. */
function notesOf(row: Row): string {
  const notes: string[] = []
  const extra = row.extra
  if (row.errors > 0) notes.push(`**${row.errors} errors**${row.firstError === undefined ? '' : ` (${row.firstError.slice(0, 80).replace(/\|/g, '/')})`}`)
  if ((extra.misses ?? 0) > 0) notes.push(`**${extra.misses} misses**`)
  if ((extra.lostUpdates ?? 0) !== 0) notes.push(`**${extra.lostUpdates} lost updates**`)
  if ((extra.overlaps ?? 0) > 0) notes.push(`**${extra.overlaps} overlapping grants**`)
  if ((extra.missed ?? 0) > 0) notes.push(`**${extra.missed} deliveries missed**`)
  if (extra.retriesPerIncrement !== undefined) notes.push(`${extra.retriesPerIncrement.toFixed(2)} retries/increment`)
  if (extra.writesPerSecond !== undefined) notes.push(`${formatOps(extra.writesPerSecond)} writes/s`)
  if (extra.leases !== undefined) notes.push(`${extra.leases} leases`)
  if (extra.heapBytesPerKey !== undefined) notes.push(`heap ${extra.heapBytesPerKey.toFixed(0)} B/key (${(extra.overheadBytesPerKey ?? 0).toFixed(0)} over key+value)`)
  if (extra.rssBytesPerKey !== undefined) notes.push(`RSS ${extra.rssBytesPerKey.toFixed(0)} B/key`)
  if (row.rounds > 1 && row.spread > 0.2) notes.push(`spread ${(row.spread * 100).toFixed(0)}%`)
  return notes.join(', ')
}

function ratioOf(rows: readonly Row[], row: Row): string {
  const baseline = baselines[row.target]
  const peer = baseline === undefined ? undefined : peerRow(rows, baseline, row)
  if (peer === undefined || peer.opsPerSecond === 0) return ''
  return `${formatRatio(row.opsPerSecond / peer.opsPerSecond)}× ${baseline}`
}

const rowCells = (rows: readonly Row[], row: Row) => [
  row.inFlight,
  formatBytes(row.valueBytes),
  row.target,
  formatOps(row.opsPerSecond),
  formatMs(row.p50),
  formatMs(row.p99),
  formatMs(row.p999),
  ratioOf(rows, row),
  notesOf(row),
]

/** One table per workload row: ops/s, latency percentiles, ratio to the baseline peer, n/a targets. */
function renderWorkloadTable(report: BenchReport, label: string, rows: readonly Row[]): string {
  const own = rowsOf(report, label, rows)
  const unit = own[0]?.unit ?? 'ops'
  const lines = [`| in flight | value | target | ${unit}/s | p50 | p99 | p99.9 | vs peer | notes |`, '|---:|---:|---|---:|---:|---:|---:|---|---|']
  for (const row of own) lines.push(`| ${rowCells(rows, row).join(' | ')} |`)
  for (const skipped of report.unsupported.filter((entry) => entry.workload === label)) {
    lines.push(`| | | ${skipped.target} | n/a | | | | | no ${skipped.missing.join(', ')} |`)
  }
  return lines.join('\n')
}

/** Every workload in one table (what the CLI prints): latency is of the workload's own operation. */
export function renderSummaryTable(report: BenchReport): string {
  const rows = combine(report.measurements)
  const lines = ['| workload | in flight | value | target | ops/s | p50 | p99 | p99.9 | vs peer | notes |', '|---|---:|---:|---|---:|---:|---:|---:|---|---|']
  for (const label of report.workloads.flatMap((workload) => workload.rows)) {
    for (const row of rowsOf(report, label, rows)) lines.push(`| ${label} | ${rowCells(rows, row).join(' | ')} |`)
    for (const skipped of report.unsupported.filter((entry) => entry.workload === label)) {
      lines.push(`| ${label} | | | ${skipped.target} | n/a | | | | | no ${skipped.missing.join(', ')} |`)
    }
  }
  return lines.join('\n')
}

function renderMemoryTable(rows: readonly Row[]): string {
  const lines = [
    '| target | keys | value | load keys/s | heap B/key | over key+value B/key | RSS B/key | RSS after | vs peer (heap) |',
    '|---|---:|---:|---:|---:|---:|---:|---:|---|',
  ]
  const perKey = (value: number | undefined) => (value === undefined ? '–' : value.toFixed(0))
  for (const row of rows.filter((candidate) => candidate.workload === 'memory')) {
    const baseline = baselines[row.target]
    const peer = baseline === undefined ? undefined : rows.find((other) => other.target === baseline && other.workload === 'memory')
    const heap = row.extra.heapBytesPerKey
    const peerHeap = peer?.extra.heapBytesPerKey
    const ratio = heap !== undefined && peerHeap !== undefined && peerHeap > 0 ? `${formatRatio(heap / peerHeap)}× ${baseline}` : ''
    const rss = row.extra.rssMiB === undefined ? '–' : `${row.extra.rssMiB.toFixed(0)} MiB`
    const cells = [row.target, row.extra.keys ?? '–', formatBytes(row.valueBytes), formatOps(row.opsPerSecond), perKey(heap), perKey(row.extra.overheadBytesPerKey), perKey(row.extra.rssBytesPerKey), rss, ratio]
    lines.push(`| ${cells.join(' | ')} |`)
  }
  return lines.join('\n')
}

/** The machine, the software and the run's parameters. */
export function renderEnvironment(report: BenchReport): string {
  const env = report.environment
  const options = report.options
  const lines = [
    `- Machine: ${env.cpuModel}, ${env.cores} cores, ${(env.memoryBytes / 2 ** 30).toFixed(1)} GiB RAM, ${env.os}; load average ${env.loadAverage.toFixed(2)} at start`,
    `- Software: Node ${env.node} (V8 ${env.v8}), Clustron ${env.clustron} at ${env.commit}`,
    `- Run: \`pnpm bench ${report.command}\` on ${report.startedAt.slice(0, 16).replace('T', ' ')} UTC — ${options.durationMs} ms per cell after ${options.warmupMs} ms warm-up, ${options.rounds} round(s) alternating targets, medians shown`,
    `- Sizes: ${options.keys} preloaded keys; in flight ${options.inFlight.join(', ')}; values ${options.valueBytes.map(formatBytes).join(', ')}; ${options.contenders} lock contenders, ${options.watchers} watchers, ${options.leases} leases, ${options.memoryKeys} keys for memory`,
    '',
    '| target | compared with | version | status |',
    '|---|---|---|---|',
    ...report.targets.map((target) => `| ${target.name} | ${target.baseline ?? ''} | ${target.version ?? ''} | ${target.status === 'ran' ? 'ran' : `skipped: ${target.message ?? ''}`} |`),
  ]
  return lines.join('\n')
}

/**
 * One line per workload row: ops/s of every target at the highest concurrency and smallest value
 * size that ran, and each Clustron target's ratio to its peer.
 */
export function renderGlance(report: BenchReport, rows: readonly Row[]): string {
  const targets = report.targets.filter((target) => target.status === 'ran').map((target) => target.name)
  const pairs = targets.filter((target) => baselines[target] !== undefined && targets.includes(baselines[target]!))
  const header = ['workload', 'in flight · value', ...targets.map((target) => `${target}`), ...pairs.map((target) => `${target} / ${baselines[target]}`)]
  const lines = [`| ${header.join(' | ')} |`, `|${header.map((_, index) => (index < 2 ? '---' : '---:')).join('|')}|`]
  for (const label of report.workloads.flatMap((workload) => workload.rows)) {
    const own = rows.filter((row) => row.workload === label && label !== 'memory')
    if (own.length === 0) continue
    const sized = own.filter((row) => row.valueBytes > 0)
    const valueBytes = sized.length === 0 ? 0 : Math.min(...sized.map((row) => row.valueBytes))
    const inFlight = Math.max(...own.filter((row) => row.valueBytes === valueBytes).map((row) => row.inFlight))
    const cell = own.filter((row) => row.valueBytes === valueBytes && row.inFlight === inFlight)
    const ops = (target: string) => cell.find((row) => row.target === target)
    const ratios = pairs.map((target) => {
      const mine = ops(target)
      const peer = ops(baselines[target]!)
      return mine === undefined || peer === undefined || peer.opsPerSecond === 0 ? '' : `${formatRatio(mine.opsPerSecond / peer.opsPerSecond)}×`
    })
    const where = `${inFlight}${valueBytes > 0 ? ` · ${formatBytes(valueBytes)}` : ''}`
    lines.push(`| ${[label, where, ...targets.map((target) => (ops(target) === undefined ? 'n/a' : formatOps(ops(target)!.opsPerSecond))), ...ratios].join(' | ')} |`)
  }
  return lines.join('\n')
}

/** The body shared by bench.md and docs/benchmarks.md: environment, goals, one section per workload. */
export function renderReport(report: BenchReport, chartLink: ChartLink): string {
  const rows = combine(report.measurements)
  const sections = [
    '## Machine and versions',
    renderEnvironment(report),
    '## At a glance',
    'Operations per second (median of the rounds) at the highest concurrency and the smallest value size; the sections below have every cell.',
    renderGlance(report, rows),
    '## Goals',
    renderGoals(rows, report.options.valueBytes),
    '## Workloads',
  ]
  for (const workload of report.workloads) {
    for (const label of workload.rows) {
      const hasRows = rows.some((row) => row.workload === label) || report.unsupported.some((entry) => entry.workload === label)
      if (!hasRows) continue
      const link = chartLink(label)
      sections.push(`### ${label}`, `${workload.description}.`)
      const measured = rows.find((row) => row.workload === label)
      const what = label === 'memory' ? 'heap bytes per key' : `${measured?.unit ?? 'ops'}/s`
      if (link !== undefined && measured !== undefined) sections.push(`![${label}: ${what} per target](${link})`)
      sections.push(label === 'memory' ? renderMemoryTable(rows) : renderWorkloadTable(report, label, rows))
    }
  }
  if (report.failures.length > 0) {
    sections.push('## Failed cells', report.failures.map((f) => `- ${f.target} ${f.workload} x${f.inFlight} ${formatBytes(f.valueBytes)} round ${f.round}: ${f.message}`).join('\n'))
  }
  if (report.profiles.length > 0) sections.push('## CPU profiles', report.profiles.map((file) => `- \`${file}\``).join('\n'))
  if (report.notes.length > 0) sections.push('## Notes', report.notes.map((note) => `- ${note}`).join('\n'))
  return `${sections.join('\n\n')}\n`
}
