/**
 * What a report shows, independent of how it is rendered: the partition to explain and the
 * operations around the point where the search got stuck, each with its role.
 */
import type { CheckResult, LinearizationStep, PartitionResult } from './history.js'

/** A partition of 10k operations would make an unreadable timeline; show the neighbourhood of the failure. */
export const SHOWN_OPERATIONS_MAX = 300
/** How many of the last linearized steps anchor the shown window. */
const PREFIX_TAIL_SHOWN = 60
/** Pending unknown outcomes are all candidates; past this many, listing them stops helping. */
const CANDIDATES_LISTED_MAX = 20

export type OperationRole = 'linearized' | 'omitted' | 'failing' | 'candidate' | 'pending'

export interface ViewOperation {
  /** Index in the partition's operations. */
  index: number
  clientId: number
  call: number
  /** Infinity for an unknown outcome. */
  returnTime: number
  description: string
  role: OperationRole
  /** 1-based position in the linearization prefix, for linearized and omitted operations. */
  order?: number
  stateAfter?: string
  candidateReason?: 'rejected-by-model' | 'dead-end'
}

export interface PartitionView {
  partitionIndex: number
  outcome: 'illegal' | 'unknown'
  operationCount: number
  prefixLength: number
  initialState: string
  stateAfterPrefix: string
  /** In order of call time. */
  shown: ViewOperation[]
  hiddenCount: number
  failing?: ViewOperation
  /** At most `CANDIDATES_LISTED_MAX`; `candidateCount` has the full number. */
  candidates: ViewOperation[]
  candidateCount: number
}

/** The partition a report explains: the smallest illegal one, else the smallest that timed out. */
export function selectPartition<I, O>(result: CheckResult<I, O>): number | undefined {
  let chosen: number | undefined
  result.partitions.forEach((partition, index) => {
    if (partition.result === 'ok') return
    const current = chosen === undefined ? undefined : result.partitions[chosen]
    const better =
      current === undefined ||
      (partition.result === 'illegal' && current.result !== 'illegal') ||
      (partition.result === current.result && partition.operations.length < current.operations.length)
    if (better) chosen = index
  })
  return chosen
}

function isUnknownReturn(value: number): boolean {
  return !Number.isFinite(value)
}

function buildOperations<I, O>(partition: PartitionResult<I, O>): ViewOperation[] {
  const diagnosis = partition.diagnosis
  const views: ViewOperation[] = partition.operations.map((operation, index) => ({
    index,
    clientId: operation.clientId,
    call: operation.call,
    returnTime: isUnknownReturn(operation.return) ? Infinity : operation.return,
    description: diagnosis?.operationDescriptions[index] ?? `operation ${index}`,
    role: 'pending',
  }))
  partition.linearization.forEach((step, position) => {
    const view = views[step.operation]
    if (view === undefined) return
    view.role = step.effect === 'applied' ? 'linearized' : 'omitted'
    view.order = position + 1
    const stateAfter = diagnosis?.statesAfterSteps[position]
    if (stateAfter !== undefined) view.stateAfter = stateAfter
  })
  for (const candidate of diagnosis?.candidates ?? []) {
    const view = views[candidate.operation]
    if (view === undefined) continue
    view.role = 'candidate'
    view.candidateReason = candidate.reason
  }
  const failing = partition.failingOperation === undefined ? undefined : views[partition.failingOperation]
  if (failing !== undefined) failing.role = 'failing'
  return views
}

/** Operations overlapping [start of the prefix tail, return of the failing operation]. */
function chooseShown(views: readonly ViewOperation[], linearization: readonly LinearizationStep[], failing: ViewOperation | undefined): ViewOperation[] {
  const tailStep = linearization[Math.max(0, linearization.length - PREFIX_TAIL_SHOWN)]
  const windowStart = tailStep === undefined ? -Infinity : (views[tailStep.operation]?.call ?? -Infinity)
  const windowEnd = failing?.returnTime ?? Infinity
  // Unknown outcomes stay open to the end, so only those called inside the window are shown.
  const inWindow = views.filter(
    (view) =>
      view.role === 'failing' ||
      (view.call <= windowEnd && (Number.isFinite(view.returnTime) ? view.returnTime >= windowStart : view.call >= windowStart)),
  )
  return inWindow.sort((left, right) => left.call - right.call || left.index - right.index).slice(0, SHOWN_OPERATIONS_MAX)
}

export function buildPartitionView<I, O>(result: CheckResult<I, O>, partitionIndex: number): PartitionView | undefined {
  const partition = result.partitions[partitionIndex]
  if (partition === undefined || partition.result === 'ok') return undefined
  const views = buildOperations(partition)
  const failing = partition.failingOperation === undefined ? undefined : views[partition.failingOperation]
  const shown = chooseShown(views, partition.linearization, failing)
  const diagnosis = partition.diagnosis
  const view: PartitionView = {
    partitionIndex,
    outcome: partition.result,
    operationCount: partition.operations.length,
    prefixLength: partition.linearization.length,
    initialState: diagnosis?.initialState ?? '',
    stateAfterPrefix: diagnosis?.statesAfterSteps.at(-1) ?? diagnosis?.initialState ?? '',
    shown,
    hiddenCount: views.length - shown.length,
    candidates: views.filter((operation) => operation.role === 'candidate').slice(0, CANDIDATES_LISTED_MAX),
    candidateCount: views.filter((operation) => operation.role === 'candidate').length,
  }
  if (failing !== undefined) view.failing = failing
  return view
}

/** Maps times to evenly spaced ranks: real gaps vary by orders of magnitude and would hide overlaps. */
export function timeRanks(operations: readonly ViewOperation[]): { rankOf: (time: number) => number; rankCount: number } {
  const times = [...new Set(operations.flatMap((operation) => [operation.call, operation.returnTime]).filter(Number.isFinite))].sort(
    (left, right) => left - right,
  )
  const ranks = new Map(times.map((time, rank) => [time, rank] as const))
  // Unknown outcomes run one rank past the last real time: "still open at the end".
  return { rankOf: (time) => ranks.get(time) ?? times.length, rankCount: times.length + 1 }
}

export function summarize<I, O>(result: CheckResult<I, O>): string {
  const count = (outcome: string): number => result.partitions.filter((partition) => partition.result === outcome).length
  return (
    `Linearizability check: ${result.result} (model ${result.modelName}; ${result.partitions.length} partitions: ` +
    `${count('ok')} ok, ${count('illegal')} illegal, ${count('unknown')} unknown; ${result.elapsedMs.toFixed(1)} ms)`
  )
}

export function roleMark(operation: ViewOperation): string {
  switch (operation.role) {
    case 'linearized':
      return `✓${operation.order ?? ''}`
    case 'omitted':
      return `~${operation.order ?? ''}`
    case 'failing':
      return '✗'
    case 'candidate':
      return '?'
    case 'pending':
      return '·'
  }
}

export function describeCandidateReason(reason: ViewOperation['candidateReason']): string {
  return reason === 'rejected-by-model'
    ? 'the model rejects this output here'
    : 'legal here, but no complete linearization follows'
}

/** Times with at most three decimals: simulator clocks produce long fractions. */
export function formatTime(time: number): string {
  return Number.isInteger(time) ? String(time) : String(Number(time.toFixed(3)))
}

export function formatInterval(operation: ViewOperation): string {
  const end = Number.isFinite(operation.returnTime) ? formatTime(operation.returnTime) : '∞ (unknown outcome)'
  return `[${formatTime(operation.call)} → ${end}]`
}
