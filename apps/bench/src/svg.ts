import { combine, formatBytes, formatMs, formatOps, type BenchReport, type Row } from './report-model.js'

/** One horizontal bar; `value` null draws no bar, only the label ('n/a'). */
export interface ChartBar {
  target: string
  value: number | null
  label: string
}

export interface ChartGroup {
  label: string
  bars: ChartBar[]
}

export interface Chart {
  title: string
  subtitle: string
  axisLabel: string
  groups: ChartGroup[]
}

/** Colors of the known targets: Clustron modes in blues/purple, peers in grey/red/green. */
const colors: Record<string, string> = { inproc: '#1f6feb', remote: '#0969da', cluster3: '#8250df', map: '#8c959f', redis: '#cf222e', etcd: '#1a7f37' }
const fallbackColors = ['#bf8700', '#0a8f8f', '#953800', '#6e7781']

const layout = { labelRight: 168, plotLeft: 176, plotWidth: 470, barHeight: 16, barGap: 4, groupGap: 14, top: 92, characterWidth: 7 }

/** 0, 250, 1.5k, 2M: tick labels without trailing zeros. */
function compact(value: number): string {
  const [divisor, suffix] = value >= 1e6 ? [1e6, 'M'] : value >= 1e3 ? [1e3, 'k'] : [1, '']
  return `${Number((value / divisor).toPrecision(3))}${suffix}`
}

const escapeXml = (text: string) => text.replace(/[&<>"']/g, (c) => `&${{ '&': 'amp', '<': 'lt', '>': 'gt', '"': 'quot', "'": 'apos' }[c]!};`)

function niceStep(rough: number): number {
  const power = 10 ** Math.floor(Math.log10(rough))
  const mantissa = rough / power
  return (mantissa <= 1 ? 1 : mantissa <= 2 ? 2 : mantissa <= 5 ? 5 : 10) * power
}

/** Linear from 0, or log10 when the values span more than two orders of magnitude (then said in the axis label). */
function scaleOf(values: number[]): { x: (value: number) => number; ticks: number[]; log: boolean } {
  const positive = values.filter((value) => value > 0)
  const max = positive.length === 0 ? 1 : Math.max(...positive)
  const min = positive.length === 0 ? 1 : Math.min(...positive)
  if (max / min > 100) {
    const low = 10 ** Math.floor(Math.log10(min))
    const high = Math.max(10 ** Math.ceil(Math.log10(max)), low * 10)
    const span = Math.log10(high) - Math.log10(low)
    const ticks: number[] = []
    for (let tick = low; tick <= high * 1.0001; tick *= 10) ticks.push(tick)
    return { x: (value) => (value <= low ? 0 : ((Math.log10(value) - Math.log10(low)) / span) * layout.plotWidth), ticks, log: true }
  }
  const step = niceStep(max / 5)
  const high = Math.ceil(max / step) * step
  const ticks = Array.from({ length: Math.round(high / step) + 1 }, (_, index) => index * step)
  return { x: (value) => (Math.max(0, value) / high) * layout.plotWidth, ticks, log: false }
}

function colorOf(target: string, order: string[]): string {
  return colors[target] ?? fallbackColors[order.indexOf(target) % fallbackColors.length]!
}

/** A grouped horizontal bar chart as a standalone SVG (no scripts, no external fonts or links). */
export function renderChart(chart: Chart): string {
  const targets = [...new Set(chart.groups.flatMap((group) => group.bars.map((bar) => bar.target)))]
  const scale = scaleOf(chart.groups.flatMap((group) => group.bars.map((bar) => bar.value ?? 0)))
  const parts: string[] = []
  let y = layout.top
  for (const group of chart.groups) {
    const groupHeight = group.bars.length * (layout.barHeight + layout.barGap) - layout.barGap
    parts.push(`<text x="${layout.labelRight}" y="${y + groupHeight / 2 + 4}" text-anchor="end" class="group">${escapeXml(group.label)}</text>`)
    for (const bar of group.bars) {
      const width = bar.value === null ? 0 : Math.max(1.5, scale.x(bar.value))
      if (bar.value !== null) parts.push(`<rect x="${layout.plotLeft}" y="${y}" width="${width.toFixed(1)}" height="${layout.barHeight}" fill="${colorOf(bar.target, targets)}"><title>${escapeXml(`${bar.target}: ${bar.label}`)}</title></rect>`)
      parts.push(`<text x="${(layout.plotLeft + width + 6).toFixed(1)}" y="${y + layout.barHeight - 4}" class="${bar.value === null ? 'muted' : 'value'}">${escapeXml(`${bar.target}  ${bar.label}`)}</text>`)
      y += layout.barHeight + layout.barGap
    }
    y += layout.groupGap
  }
  const axisY = y - layout.groupGap + 6
  const grid = scale.ticks.map((tick) => {
    const x = (layout.plotLeft + scale.x(tick)).toFixed(1)
    return `<line x1="${x}" y1="${layout.top - 6}" x2="${x}" y2="${axisY}" class="grid"/><text x="${x}" y="${axisY + 16}" text-anchor="middle" class="tick">${compact(tick)}</text>`
  })
  let legendX = layout.plotLeft
  const legend = targets.map((target) => {
    const item = `<rect x="${legendX}" y="58" width="12" height="12" fill="${colorOf(target, targets)}"/><text x="${legendX + 17}" y="69" class="legend">${escapeXml(target)}</text>`
    legendX += 30 + target.length * 7.5
    return item
  })
  const height = axisY + 44
  // Wide enough for the longest label after a full-length bar.
  const longest = Math.max(...chart.groups.flatMap((group) => group.bars.map((bar) => bar.target.length + bar.label.length + 2)), 0)
  const width = Math.max(layout.plotLeft + layout.plotWidth + 40, layout.plotLeft + layout.plotWidth + 12 + longest * layout.characterWidth, chart.subtitle.length * 6 + 24)
  const axisLabel = `${chart.axisLabel}${scale.log ? ' (log scale)' : ''}`
  return [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}" role="img" aria-label="${escapeXml(chart.title)}">`,
    `<title>${escapeXml(chart.title)}</title>`,
    '<style>text{font-family:system-ui,-apple-system,"Segoe UI",Helvetica,Arial,sans-serif;font-size:12px;fill:#1f2328}.title{font-size:16px;font-weight:600}.sub{fill:#59636e;font-size:11px}.group{font-weight:600}.muted{fill:#8c959f;font-style:italic}.tick{fill:#59636e;font-size:10px}.grid{stroke:#d1d9e0;stroke-width:1}</style>',
    `<rect width="${width}" height="${height}" fill="#ffffff"/>`,
    `<text x="12" y="24" class="title">${escapeXml(chart.title)}</text>`,
    `<text x="12" y="42" class="sub">${escapeXml(chart.subtitle)}</text>`,
    ...legend,
    ...grid,
    ...parts,
    `<text x="${layout.plotLeft + layout.plotWidth / 2}" y="${axisY + 34}" text-anchor="middle" class="sub">${escapeXml(axisLabel)}</text>`,
    '</svg>',
    '',
  ].join('\n')
}

function groupLabel(row: Pick<Row, 'inFlight' | 'valueBytes' | 'unit'>): string {
  const who = row.unit === 'deliveries' ? 'watchers' : row.unit === 'acquisitions' ? 'contenders' : 'in flight'
  return row.valueBytes > 0 ? `${row.inFlight} ${who} · ${formatBytes(row.valueBytes)}` : `${row.inFlight} ${who}`
}

/** The chart of one workload row of a report: ops/s per target, grouped by in flight and value size. */
export function workloadChart(report: BenchReport, label: string): Chart | undefined {
  const rows = combine(report.measurements).filter((row) => row.workload === label)
  if (rows.length === 0) return undefined
  const targets = report.targets.filter((target) => target.status === 'ran').map((target) => target.name)
  const unsupported = new Set(report.unsupported.filter((entry) => entry.workload === label).map((entry) => entry.target))
  const cells = [...new Map(rows.map((row) => [`${row.valueBytes}|${row.inFlight}`, row])).values()].sort((a, b) => a.valueBytes - b.valueBytes || a.inFlight - b.inFlight)
  const memory = label === 'memory'
  const groups = cells.map((cell) => ({
    label: memory ? `${cell.extra.keys ?? ''} keys · ${formatBytes(cell.valueBytes)}` : groupLabel(cell),
    bars: targets.flatMap((target): ChartBar[] => {
      const row = rows.find((candidate) => candidate.target === target && candidate.valueBytes === cell.valueBytes && candidate.inFlight === cell.inFlight)
      if (row === undefined) return unsupported.has(target) ? [{ target, value: null, label: 'n/a' }] : []
      if (memory) {
        const perKey = row.extra.heapBytesPerKey ?? row.extra.rssBytesPerKey ?? null
        return [{ target, value: perKey, label: perKey === null ? 'n/a' : `${perKey.toFixed(0)} B/key` }]
      }
      return [{ target, value: row.opsPerSecond, label: `${formatOps(row.opsPerSecond)} ${row.unit}/s · p50 ${formatMs(row.p50)} · p99 ${formatMs(row.p99)}` }]
    }),
  }))
  const env = report.environment
  return {
    title: memory ? 'memory — heap bytes per key (lower is better)' : `${label} — ${rows[0]!.unit}/s per target (higher is better)`,
    subtitle: `${env.cpuModel}, ${env.cores} cores · Node ${env.node} · Clustron ${env.clustron} ${env.commit} · ${report.startedAt.slice(0, 10)} · median of ${report.options.rounds} round(s)`,
    axisLabel: memory ? 'bytes per key' : `${rows[0]!.unit} per second`,
    groups,
  }
}
