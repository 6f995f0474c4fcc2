/**
 * Failure reports for linearizability checks: a text timeline for test logs and a self-contained
 * HTML page (no external resources, so it opens from a CI artifact as is).
 */
import { mkdir, writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { truncateText } from './format.js'
import type { CheckResult } from './history.js'
import { renderHtmlReport } from './report-html.js'
import {
  buildPartitionView,
  describeCandidateReason,
  formatInterval,
  roleMark,
  selectPartition,
  summarize,
  timeRanks,
  type PartitionView,
  type ViewOperation,
} from './report-view.js'

const TIMELINE_COLUMNS = 48
const DESCRIPTION_LENGTH_MAX = 160
/** Prefix steps listed with their states at the end of the text report. */
const PREFIX_STEPS_LISTED = 12

function textBar(operation: ViewOperation, rankOf: (time: number) => number, rankCount: number): string {
  const scale = (TIMELINE_COLUMNS - 1) / Math.max(1, rankCount - 1)
  const start = Math.round(rankOf(operation.call) * scale)
  const end = Math.max(start + 1, Math.round(rankOf(operation.returnTime) * scale))
  const open = !Number.isFinite(operation.returnTime)
  const body = '='.repeat(Math.max(0, end - start - 1))
  return `${' '.repeat(start)}[${body}${open ? '>' : ']'}`.padEnd(TIMELINE_COLUMNS + 1)
}

function renderTextTimeline(view: PartitionView): string[] {
  const { rankOf, rankCount } = timeRanks(view.shown)
  const lines = view.shown.map((operation) => {
    const client = `client ${operation.clientId}`.padEnd(10)
    const mark = roleMark(operation).padEnd(6)
    return `${client}|${textBar(operation, rankOf, rankCount)}| ${mark} ${truncateText(operation.description, DESCRIPTION_LENGTH_MAX)}`
  })
  if (view.hiddenCount > 0) lines.push(`(${view.hiddenCount} operations outside this window are not shown)`)
  return lines
}

function renderTextPartition(view: PartitionView): string[] {
  const lines = [
    `${view.outcome === 'illegal' ? 'Smallest failing' : 'Smallest unfinished (timed out)'} partition #${view.partitionIndex}: ` +
      `${view.operationCount} operations; longest linearizable prefix: ${view.prefixLength}.`,
  ]
  if (view.failing !== undefined) {
    const reason = view.failing.candidateReason === undefined ? '' : ` (${describeCandidateReason(view.failing.candidateReason)})`
    lines.push(`Could not linearize: client ${view.failing.clientId} ${formatInterval(view.failing)} ${view.failing.description}${reason}`)
  }
  lines.push(`State after the prefix: ${view.stateAfterPrefix}`)
  if (view.candidates.length > 0) {
    lines.push('Other operations that could have come next, and why none did:')
    for (const candidate of view.candidates) {
      lines.push(`  - client ${candidate.clientId} ${formatInterval(candidate)} ${candidate.description}: ${describeCandidateReason(candidate.candidateReason)}`)
    }
    if (view.candidateCount > view.candidates.length) lines.push(`  … and ${view.candidateCount - view.candidates.length} more`)
  }
  lines.push('', 'Timeline (time rank →; ✓n n-th in the prefix, ~n omitted unknown outcome, ✗ failing, ? candidate, · other):')
  lines.push(...renderTextTimeline(view))
  const prefixTail = view.shown
    .filter((operation) => operation.order !== undefined)
    .sort((left, right) => (left.order ?? 0) - (right.order ?? 0))
    .slice(-PREFIX_STEPS_LISTED)
  if (prefixTail.length > 0) {
    lines.push('', `Last steps of the prefix, with the state after each (initial state: ${view.initialState}):`)
    for (const step of prefixTail) {
      lines.push(`  ${roleMark(step).padEnd(6)} client ${step.clientId} ${truncateText(step.description, DESCRIPTION_LENGTH_MAX)}  ⇒  ${step.stateAfter ?? ''}`)
    }
  }
  return lines
}

/** A plain-text report: the summary, then the smallest failing (or timed-out) partition as a timeline. */
export function renderTextReport<I, O>(result: CheckResult<I, O>): string {
  const lines = [summarize(result)]
  const chosen = selectPartition(result)
  const view = chosen === undefined ? undefined : buildPartitionView(result, chosen)
  if (view !== undefined) lines.push('', ...renderTextPartition(view))
  return `${lines.join('\n')}\n`
}

export interface ReportPaths {
  textPath: string
  htmlPath: string
}

/** Writes `<name>.txt` and `<name>.html` under `dir` (created if needed) and returns their paths. */
export async function writeReport<I, O>(dir: string, name: string, result: CheckResult<I, O>): Promise<ReportPaths> {
  const safeName = name.replace(/[^A-Za-z0-9._-]+/g, '-')
  await mkdir(dir, { recursive: true })
  const textPath = join(dir, `${safeName}.txt`)
  const htmlPath = join(dir, `${safeName}.html`)
  await writeFile(textPath, renderTextReport(result), 'utf8')
  await writeFile(htmlPath, renderHtmlReport(result), 'utf8')
  return { textPath, htmlPath }
}
