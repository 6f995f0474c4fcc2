/**
 * A linearizability checker in the style of Porcupine: the Wing–Gong search with Lowe's
 * improvements (a linked list of call/return entries, memoising (linearized set, state) pairs),
 * run separately on each part of a P-compositional model.
 *
 * The search is iterative with an explicit stack, so a 10k-operation partition cannot overflow
 * the call stack, and it checks a deadline so a hard history ends as `unknown`, never `illegal`.
 */
import { ExploredConfigurations, LinearizedSet } from './memo.js'
import { formatValue } from './format.js'
import {
  isUnknownOutput,
  unknownOutput,
  type CandidateDiagnosis,
  type CheckOptions,
  type CheckOutcome,
  type CheckResult,
  type LinearizationStep,
  type Model,
  type Operation,
  type PartitionDiagnosis,
  type PartitionResult,
  type UnknownOutput,
} from './history.js'

/** Linked-list terminator. */
const END = -1
/** Reading the clock on every step would dominate cheap models; every 1024 steps is ~sub-ms. */
const STEPS_PER_CLOCK_READ = 1024
/**
 * Memory for explored configurations per partition before giving up with `unknown`: each costs
 * operations/8 bytes plus ~100, so 1 GiB holds ~4 million for 1,000 operations.
 */
const MEMO_BYTES_MAX_DEFAULT = 1024 * 1024 * 1024

/** An operation with its outcome normalised: unknown outcomes return at Infinity with `unknownOutput`. */
interface PreparedOperation<I, O> {
  input: I
  output: O | UnknownOutput
  call: number
  returnTime: number
  unknown: boolean
  /** `Model.isReadOnly` for known outcomes: the search may take it greedily. */
  readOnly: boolean
}

function prepareOperation<S, I, O>(model: Model<S, I, O>, operation: Operation<I, O>): PreparedOperation<I, O> {
  if (!Number.isFinite(operation.call)) {
    throw new RangeError(`operation call time must be finite, got ${operation.call}`)
  }
  const output = operation.output
  const unknown = !Number.isFinite(operation.return) || isUnknownOutput(output)
  if (!unknown && operation.return < operation.call) {
    throw new RangeError(`operation returns (${operation.return}) before its call (${operation.call})`)
  }
  return {
    input: operation.input,
    output: unknown ? unknownOutput : output,
    call: operation.call,
    returnTime: unknown ? Infinity : operation.return,
    unknown,
    // `!unknown` implies the first test; that one narrows `output` to `O` for `isReadOnly`.
    readOnly: !isUnknownOutput(output) && !unknown && model.isReadOnly?.(operation.input, output) === true,
  }
}

/**
 * Call and return entries in time order as a doubly linked list. Entry 2i is the call of operation
 * i and entry 2i+1 its return. Linearizing an operation "lifts" both entries out; backtracking
 * puts them back in reverse order, which restores the list exactly (dancing links).
 */
class EntryList {
  readonly next: Int32Array
  private readonly previous: Int32Array
  private readonly head: number

  constructor(operations: readonly PreparedOperation<unknown, unknown>[]) {
    const entryCount = operations.length * 2
    const order = Array.from({ length: entryCount }, (_, entry) => entry)
    const timeOf = (entry: number): number => {
      const operation = operations[entry >> 1]
      if (operation === undefined) return Infinity
      return isCallEntry(entry) ? operation.call : operation.returnTime
    }
    // Calls sort before returns at equal times: closed intervals, so touching operations overlap.
    order.sort((left, right) => timeOf(left) - timeOf(right) || (left & 1) - (right & 1) || left - right)
    this.head = entryCount
    this.next = new Int32Array(entryCount + 1).fill(END)
    this.previous = new Int32Array(entryCount + 1).fill(END)
    let last = this.head
    for (const entry of order) {
      this.next[last] = entry
      this.previous[entry] = last
      last = entry
    }
  }

  first(): number {
    return this.next[this.head] ?? END
  }

  lift(callEntry: number): void {
    this.unlink(callEntry)
    this.unlink(callEntry + 1)
  }

  unlift(callEntry: number): void {
    this.relink(callEntry + 1)
    this.relink(callEntry)
  }

  private unlink(entry: number): void {
    const before = this.previous[entry] ?? END
    const after = this.next[entry] ?? END
    this.next[before] = after
    if (after !== END) this.previous[after] = before
  }

  /** Valid only in reverse order of `unlink`: the removed entry still remembers its neighbours. */
  private relink(entry: number): void {
    const before = this.previous[entry] ?? END
    const after = this.next[entry] ?? END
    this.next[before] = entry
    if (after !== END) this.previous[after] = entry
  }
}

function isCallEntry(entry: number): boolean {
  return entry >= 0 && (entry & 1) === 0
}

interface Frame<S> {
  callEntry: number
  /** A read-only operation taken greedily: its node has no other branch worth trying. */
  forced: boolean
  stateBefore: S
  stateHashBefore: string
}

interface SearchOutcome {
  result: CheckOutcome
  linearization: LinearizationStep[]
  searchSteps: number
}

function toSteps<S>(stack: readonly Frame<S>[]): LinearizationStep[] {
  return stack.map((frame) => ({ operation: frame.callEntry >> 1, effect: 'applied' }))
}

/**
 * The stack as a partial linearization for reports, without unknown-outcome operations at its
 * end: placed there they explain nothing yet, and they would hide the state a reader needs.
 */
function toPrefix<S, I, O>(stack: readonly Frame<S>[], operations: readonly PreparedOperation<I, O>[]): LinearizationStep[] {
  let length = stack.length
  while (length > 0 && operations[(stack[length - 1]?.callEntry ?? 0) >> 1]?.unknown === true) length--
  return toSteps(stack.slice(0, length))
}

/**
 * Unknown-outcome operations left when every known one is linearized never need a place: they can
 * go after everything, where nothing observes them, which is the same as never taking effect.
 * This is how "omitted" is decided, rather than by a search branch: branching there would re-run
 * the whole tail of the search for every unknown operation that did take effect.
 */
function withOmitted<I, O>(operations: readonly PreparedOperation<I, O>[], steps: LinearizationStep[]): LinearizationStep[] {
  const placed = new Set(steps.map((step) => step.operation))
  const omitted = operations
    .map((operation, index) => ({ operation, index }))
    .filter(({ index }) => !placed.has(index))
    .sort((left, right) => left.operation.call - right.operation.call || left.index - right.index)
    .map(({ index }): LinearizationStep => ({ operation: index, effect: 'omitted' }))
  return [...steps, ...omitted]
}

/**
 * One depth-first search over a partition. A node is the set of linearized operations plus the
 * model state; its candidates are the call entries before the first remaining return entry. Each
 * node is walked twice: first for a read-only candidate to take greedily (a forced step, see
 * `Model.isReadOnly`), then for the others.
 */
class Search<S, I, O> {
  searchSteps = 0
  private readonly list: EntryList
  private readonly linearized: LinearizedSet
  private readonly explored: ExploredConfigurations
  private readonly stack: Frame<S>[] = []
  private longest: LinearizationStep[] = []
  private knownRemaining: number
  private state: S
  private stateHash: string
  /** The entry being considered; END means "this node is done: backtrack". */
  private entry: number
  private readsFirst = true

  constructor(
    private readonly model: Model<S, I, O>,
    private readonly operations: readonly PreparedOperation<I, O>[],
    private readonly memoBytesMax: number,
  ) {
    this.list = new EntryList(operations)
    this.linearized = new LinearizedSet(operations.length)
    this.explored = new ExploredConfigurations(this.linearized)
    this.knownRemaining = operations.filter((operation) => !operation.unknown).length
    this.state = model.init()
    this.stateHash = model.hash(this.state)
    this.entry = this.list.first()
  }

  run(deadlineMs: number): SearchOutcome {
    // Known returns are finite and unknown ones infinite, so while a known operation remains, each
    // walk down the list meets a known return entry: the end of the current candidates.
    while (this.knownRemaining > 0) {
      this.searchSteps++
      const overBudget = this.explored.approximateBytes > this.memoBytesMax
      if (overBudget || (this.searchSteps % STEPS_PER_CLOCK_READ === 0 && performance.now() > deadlineMs)) {
        const current = toPrefix(this.stack, this.operations)
        const linearization = current.length > this.longest.length ? current : this.longest
        return { result: 'unknown', linearization, searchSteps: this.searchSteps }
      }
      if (isCallEntry(this.entry)) {
        this.tryCandidate(this.entry)
      } else if (this.readsFirst && this.entry !== END) {
        this.readsFirst = false
        this.entry = this.list.first()
      } else if (!this.backtrack()) {
        return { result: 'illegal', linearization: this.longest, searchSteps: this.searchSteps }
      }
    }
    return { result: 'ok', linearization: withOmitted(this.operations, toSteps(this.stack)), searchSteps: this.searchSteps }
  }

  private tryCandidate(callEntry: number): void {
    const operationIndex = callEntry >> 1
    const operation = this.operations[operationIndex]
    // Read-only operations are all tried in the first pass; the second pass tries only the rest.
    const next = operation?.readOnly === this.readsFirst ? this.model.step(this.state, operation.input, operation.output) : undefined
    if (operation === undefined || next?.ok !== true) {
      this.entry = this.list.next[callEntry] ?? END
      return
    }
    const nextHash = this.model.hash(next.state)
    if (operation.readOnly && nextHash !== this.stateHash) {
      // Taking reads greedily is only sound if they truly change nothing: a model bug, not a verdict.
      throw new Error(`model ${this.model.name}: isReadOnly holds for an operation whose step changed the state`)
    }
    this.linearized.toggle(operationIndex)
    if (!this.explored.add(this.linearized, nextHash)) {
      // This set of operations already reached this state by another order: nothing new below.
      this.linearized.toggle(operationIndex)
      this.entry = operation.readOnly ? END : (this.list.next[callEntry] ?? END)
      return
    }
    this.stack.push({ callEntry, forced: operation.readOnly, stateBefore: this.state, stateHashBefore: this.stateHash })
    if (!operation.unknown) this.knownRemaining--
    this.state = next.state
    this.stateHash = nextHash
    this.list.lift(callEntry)
    this.entry = this.list.first()
    this.readsFirst = true
  }

  /**
   * Every candidate was tried at this node and none led to a complete linearization, so the last
   * choice was wrong: undo it and continue with the candidate after it. False when none is left.
   */
  private backtrack(): boolean {
    if (this.stack.length > this.longest.length) {
      const current = toPrefix(this.stack, this.operations)
      if (current.length > this.longest.length) this.longest = current
    }
    const frame = this.stack.pop()
    if (frame === undefined) return false
    this.list.unlift(frame.callEntry)
    this.linearized.toggle(frame.callEntry >> 1)
    if (this.operations[frame.callEntry >> 1]?.unknown === false) this.knownRemaining++
    this.state = frame.stateBefore
    this.stateHash = frame.stateHashBefore
    // A forced step stood for its whole node, so when it fails the node fails: backtrack again.
    this.entry = frame.forced ? END : (this.list.next[frame.callEntry] ?? END)
    this.readsFirst = false
    return true
  }
}

/**
 * The operation no extension of the prefix could place: among those left, the one that returns
 * first. Everything that could precede it was tried (the candidates), and none worked.
 */
function findFailingOperation<I, O>(
  operations: readonly PreparedOperation<I, O>[],
  inPrefix: ReadonlySet<number>,
): number | undefined {
  let failing: number | undefined
  operations.forEach((operation, index) => {
    if (inPrefix.has(index)) return
    const current = failing === undefined ? undefined : operations[failing]
    if (current === undefined || operation.returnTime < current.returnTime) failing = index
  })
  return failing
}

function diagnosePartition<S, I, O>(
  model: Model<S, I, O>,
  operations: readonly PreparedOperation<I, O>[],
  linearization: readonly LinearizationStep[],
  failing: number | undefined,
): PartitionDiagnosis {
  const describeState = (state: S): string => model.describeState?.(state) ?? model.hash(state)
  const operationDescriptions = operations.map(
    (operation) =>
      model.describeOperation?.(operation.input, operation.output) ??
      `${formatValue(operation.input)} → ${formatValue(operation.output)}`,
  )
  let state = model.init()
  const initialState = describeState(state)
  const statesAfterSteps: string[] = []
  for (const step of linearization) {
    const operation = operations[step.operation]
    if (operation !== undefined && step.effect === 'applied') {
      state = model.step(state, operation.input, operation.output).state
    }
    statesAfterSteps.push(describeState(state))
  }
  const inPrefix = new Set(linearization.map((step) => step.operation))
  // Candidates: operations left that were called before the failing one returned.
  const callLimit = failing === undefined ? -Infinity : (operations[failing]?.returnTime ?? -Infinity)
  const candidates: CandidateDiagnosis[] = []
  operations.forEach((operation, index) => {
    if (inPrefix.has(index) || operation.call > callLimit) return
    const accepted = model.step(state, operation.input, operation.output).ok
    candidates.push({ operation: index, reason: accepted ? 'dead-end' : 'rejected-by-model' })
  })
  return { operationDescriptions, statesAfterSteps, initialState, candidates }
}

interface SearchLimits {
  deadlineMs: number
  memoBytesMax: number
}

function checkPartition<S, I, O>(
  model: Model<S, I, O>,
  part: readonly Operation<I, O>[],
  historyIndexOf: ReadonlyMap<Operation<I, O>, number>,
  limits: SearchLimits,
): PartitionResult<I, O> {
  const startedMs = performance.now()
  const prepared = part.map((operation) => prepareOperation(model, operation))
  const search: SearchOutcome =
    performance.now() > limits.deadlineMs
      ? { result: 'unknown', linearization: [], searchSteps: 0 }
      : new Search(model, prepared, limits.memoBytesMax).run(limits.deadlineMs)
  const result: PartitionResult<I, O> = {
    result: search.result,
    operations: [...part],
    historyIndices: part.map((operation) => historyIndexOf.get(operation) ?? -1),
    linearization: search.linearization,
    searchSteps: search.searchSteps,
    elapsedMs: 0,
  }
  if (search.result !== 'ok') {
    const failing = findFailingOperation(prepared, new Set(search.linearization.map((step) => step.operation)))
    result.diagnosis = diagnosePartition(model, prepared, search.linearization, failing)
    // After a timeout the prefix may simply be unfinished: naming a culprit would mislead.
    if (search.result === 'illegal' && failing !== undefined) result.failingOperation = failing
  }
  result.elapsedMs = performance.now() - startedMs
  return result
}

function combineOutcomes(outcomes: readonly CheckOutcome[]): CheckOutcome {
  if (outcomes.includes('illegal')) return 'illegal'
  if (outcomes.includes('unknown')) return 'unknown'
  return 'ok'
}

/**
 * Checks that `history` is linearizable with respect to `model`.
 *
 * `illegal` is definite: some partition has no linearization. `unknown` means a limit ran out
 * first: the time limit (shared by all partitions) or the memo memory bound (per partition).
 */
export function checkOperations<S, I, O>(
  model: Model<S, I, O>,
  history: readonly Operation<I, O>[],
  options: CheckOptions = {},
): CheckResult<I, O> {
  const startedMs = performance.now()
  const limits: SearchLimits = {
    deadlineMs: startedMs + (options.timeoutMs ?? Infinity),
    memoBytesMax: options.memoBytesMax ?? MEMO_BYTES_MAX_DEFAULT,
  }
  const parts = model.partition ? model.partition(history) : [[...history]]
  const partitionedCount = parts.reduce((total, part) => total + part.length, 0)
  if (partitionedCount !== history.length) {
    // Dropping or duplicating operations would make any verdict meaningless.
    throw new Error(`model ${model.name}: partition returned ${partitionedCount} operations for ${history.length}`)
  }
  const historyIndexOf = new Map(history.map((operation, index) => [operation, index] as const))
  const partitions = parts
    .filter((part) => part.length > 0)
    .map((part) => checkPartition(model, part, historyIndexOf, limits))
  return {
    result: combineOutcomes(partitions.map((partition) => partition.result)),
    modelName: model.name,
    partitions,
    elapsedMs: performance.now() - startedMs,
  }
}
