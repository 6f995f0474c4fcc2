import { writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { renderReport } from './report.js'
import type { BenchReport } from './report-model.js'
import { renderChart, workloadChart } from './svg.js'

/** The workload rows of a report that have a chart (at least one measured row). */
export function chartedRows(report: BenchReport): string[] {
  const measured = new Set(report.measurements.map((measurement) => measurement.workload))
  return report.workloads.flatMap((workload) => workload.rows).filter((row) => measured.has(row))
}

/** Writes bench.json, one `<workload>.svg` per measured workload row, and bench.md linking them. */
export function writeRun(report: BenchReport, directory: string): string[] {
  const files: string[] = []
  const write = (name: string, content: string) => {
    const file = join(directory, name)
    writeFileSync(file, content)
    files.push(file)
  }
  write('bench.json', `${JSON.stringify(report, null, 2)}\n`)
  const charted = new Set<string>()
  for (const label of chartedRows(report)) {
    const chart = workloadChart(report, label)
    if (chart === undefined) continue
    write(`${label}.svg`, renderChart(chart))
    charted.add(label)
  }
  const title = `# Clustron benchmark run of ${report.startedAt.slice(0, 19).replace('T', ' ')} UTC\n\n`
  write('bench.md', title + renderReport(report, (label) => (charted.has(label) ? `${label}.svg` : undefined)))
  return files
}
