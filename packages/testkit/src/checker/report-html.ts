/**
 * The HTML report: one file with inline CSS and no scripts or external resources, so it renders
 * the same from a CI artifact, an email attachment or a sandboxed viewer.
 */
import type { CheckResult } from './history.js'
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

const RANK_WIDTH_PX = 28
const LANE_HEIGHT_PX = 26
const LANE_LABEL_WIDTH_PX = 90

const STYLE = `
body { font: 14px/1.4 system-ui, sans-serif; margin: 24px; color: #1d1d1f; }
h1 { font-size: 20px; } h2 { font-size: 16px; margin-top: 28px; }
code, .mono { font-family: ui-monospace, Menlo, Consolas, monospace; font-size: 12px; }
table { border-collapse: collapse; } td, th { border: 1px solid #ddd; padding: 3px 8px; text-align: left; vertical-align: top; }
.verdict-illegal { color: #b00020; } .verdict-unknown { color: #a15c00; } .verdict-ok { color: #0a7a2f; }
.timeline { position: relative; overflow-x: auto; border: 1px solid #ccc; background: #fafafa; }
.lane { position: absolute; left: 0; height: ${LANE_HEIGHT_PX}px; border-bottom: 1px dashed #e3e3e3; }
.lane-label { position: absolute; left: 4px; font-size: 12px; color: #555; }
.op { position: absolute; height: ${LANE_HEIGHT_PX - 8}px; border-radius: 3px; font-size: 11px; line-height: ${LANE_HEIGHT_PX - 8}px;
      overflow: hidden; white-space: nowrap; padding: 0 3px; box-sizing: border-box; border: 1px solid rgba(0,0,0,.25); }
.op.linearized { background: #b7e4c7; } .op.omitted { background: #e9ecef; border-style: dashed; }
.op.failing { background: #ff8a80; border: 2px solid #b00020; font-weight: 600; } .op.candidate { background: #ffe08a; }
.op.pending { background: #dee2e6; color: #666; } .op.open { border-right: none; background-image: linear-gradient(to right, transparent 70%, #fff); }
.legend span { display: inline-block; padding: 0 6px; margin-right: 6px; border-radius: 3px; }
`

export function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (character) => `&#${character.charCodeAt(0)};`)
}

function renderTimeline(view: PartitionView): string {
  const { rankOf, rankCount } = timeRanks(view.shown)
  const clients = [...new Set(view.shown.map((operation) => operation.clientId))].sort((left, right) => left - right)
  // Operations of one client do not overlap, but unknown outcomes stay open: stack them in sub-rows.
  const rowEnds = new Map<number, number[]>()
  const rowOf = (operation: ViewOperation): number => {
    const ends = rowEnds.get(operation.clientId) ?? []
    rowEnds.set(operation.clientId, ends)
    const start = rankOf(operation.call)
    let row = ends.findIndex((end) => end <= start)
    if (row === -1) row = ends.length
    ends[row] = rankOf(operation.returnTime)
    return row
  }
  const placed = view.shown.map((operation) => ({ operation, row: rowOf(operation) }))
  const rowsPerLane = new Map([...rowEnds].map(([clientId, ends]) => [clientId, Math.max(1, ends.length)] as const))
  const laneTop = new Map<number, number>()
  let top = 0
  for (const clientId of clients) {
    laneTop.set(clientId, top)
    top += (rowsPerLane.get(clientId) ?? 1) * LANE_HEIGHT_PX
  }
  const width = LANE_LABEL_WIDTH_PX + (rankCount + 1) * RANK_WIDTH_PX
  const lanes = clients.map((clientId) => {
    const height = (rowsPerLane.get(clientId) ?? 1) * LANE_HEIGHT_PX
    return `<div class="lane" style="top:${laneTop.get(clientId) ?? 0}px;width:${width}px;height:${height}px"><span class="lane-label">client ${clientId}</span></div>`
  })
  const bars = placed.map(({ operation, row }) => {
    const left = LANE_LABEL_WIDTH_PX + rankOf(operation.call) * RANK_WIDTH_PX
    const right = LANE_LABEL_WIDTH_PX + rankOf(operation.returnTime) * RANK_WIDTH_PX
    const barTop = (laneTop.get(operation.clientId) ?? 0) + row * LANE_HEIGHT_PX + 4
    const open = Number.isFinite(operation.returnTime) ? '' : ' open'
    const title = `${operation.description} ${formatInterval(operation)}${operation.stateAfter === undefined ? '' : ` ⇒ ${operation.stateAfter}`}`
    return (
      `<div class="op ${operation.role}${open}" data-operation="${operation.index}" title="${escapeHtml(title)}" ` +
      `style="left:${left}px;top:${barTop}px;width:${Math.max(RANK_WIDTH_PX / 2, right - left)}px">` +
      `${escapeHtml(roleMark(operation))} ${escapeHtml(operation.description)}</div>`
    )
  })
  return `<div class="timeline" style="height:${top + 2}px"><div style="position:relative;width:${width}px;height:${top}px">${lanes.join('')}${bars.join('')}</div></div>`
}

function renderOperationRows(operations: readonly ViewOperation[], withState: boolean): string {
  return operations
    .map(
      (operation) =>
        `<tr><td>${escapeHtml(roleMark(operation))}</td><td>client ${operation.clientId}</td><td class="mono">${escapeHtml(formatInterval(operation))}</td>` +
        `<td class="mono">${escapeHtml(operation.description)}</td>` +
        (withState ? `<td class="mono">${escapeHtml(operation.stateAfter ?? describeCandidateReason(operation.candidateReason))}</td>` : '') +
        '</tr>',
    )
    .join('')
}

function renderPartition(view: PartitionView): string {
  const failing =
    view.failing === undefined
      ? ''
      : `<p><strong>Could not linearize:</strong> client ${view.failing.clientId} <code>${escapeHtml(formatInterval(view.failing))}</code> ` +
        `<code class="failing-operation">${escapeHtml(view.failing.description)}</code>` +
        `${view.failing.candidateReason === undefined ? '' : ` (${escapeHtml(describeCandidateReason(view.failing.candidateReason))})`}</p>`
  const candidates =
    view.candidates.length === 0
      ? ''
      : `<h2>Other operations that could have come next</h2><table><tr><th></th><th>client</th><th>interval</th><th>operation</th><th>why not</th></tr>${renderOperationRows(view.candidates, true)}</table>` +
        (view.candidateCount > view.candidates.length ? `<p>… and ${view.candidateCount - view.candidates.length} more.</p>` : '')
  const prefix = view.shown
    .filter((operation) => operation.order !== undefined)
    .sort((left, right) => (left.order ?? 0) - (right.order ?? 0))
  return [
    `<h2>${view.outcome === 'illegal' ? 'Smallest failing' : 'Smallest unfinished (timed out)'} partition #${view.partitionIndex}</h2>`,
    `<p>${view.operationCount} operations; longest linearizable prefix: ${view.prefixLength}.` +
      `${view.hiddenCount > 0 ? ` ${view.hiddenCount} operations outside the window around the failure are not shown.` : ''}</p>`,
    failing,
    `<p><strong>State after the prefix:</strong> <code>${escapeHtml(view.stateAfterPrefix)}</code></p>`,
    '<p class="legend"><span class="op linearized" style="position:static">✓n in the prefix</span><span class="op omitted" style="position:static">~n unknown outcome, omitted</span>' +
      '<span class="op failing" style="position:static">✗ failing</span><span class="op candidate" style="position:static">? candidate</span><span class="op pending" style="position:static">· other</span></p>',
    renderTimeline(view),
    candidates,
    `<h2>Prefix steps shown, with the state after each</h2><p>Initial state: <code>${escapeHtml(view.initialState)}</code></p>`,
    `<table><tr><th>#</th><th>client</th><th>interval</th><th>operation</th><th>state after</th></tr>${renderOperationRows(prefix, true)}</table>`,
  ].join('\n')
}

function renderPartitionTable<I, O>(result: CheckResult<I, O>): string {
  const rows = result.partitions.map(
    (partition, index) =>
      `<tr><td>#${index}</td><td class="verdict-${partition.result}">${partition.result}</td><td>${partition.operations.length}</td>` +
      `<td>${partition.linearization.length}</td><td>${partition.searchSteps}</td><td>${partition.elapsedMs.toFixed(1)}</td></tr>`,
  )
  return `<h2>Partitions</h2><table><tr><th>partition</th><th>result</th><th>operations</th><th>linearized</th><th>search steps</th><th>ms</th></tr>${rows.join('')}</table>`
}

/** A self-contained HTML page for a check result. */
export function renderHtmlReport<I, O>(result: CheckResult<I, O>): string {
  const chosen = selectPartition(result)
  const view = chosen === undefined ? undefined : buildPartitionView(result, chosen)
  return [
    '<!doctype html>',
    '<html lang="en"><head><meta charset="utf-8">',
    `<title>${escapeHtml(`${result.modelName}: ${result.result}`)}</title>`,
    `<style>${STYLE}</style></head><body>`,
    `<h1 class="verdict-${result.result}">${escapeHtml(summarize(result))}</h1>`,
    view === undefined ? '<p>Every partition has a linearization.</p>' : renderPartition(view),
    renderPartitionTable(result),
    '</body></html>',
    '',
  ].join('\n')
}
