/**
 * The plain-data shapes a linearizability check works on: operations, models and results.
 *
 * Histories are plain data so that the simulator, the fault tests and hand-written tests can all
 * produce them without depending on Clustron packages.
 */

/**
 * The output recorded for an operation whose outcome the client never learned (timeout, lost
 * connection). Such an operation may have taken effect at any point after its call, or never. The
 * checker passes this value to `Model.step` when it places the operation somewhere; an operation it
 * never needs to place is reported as omitted (never took effect).
 *
 * It is structural (`{ unknown: true }`) rather than a symbol so that a history survives a JSON
 * round trip; see `isUnknownOutput`.
 */
export interface UnknownOutput {
  readonly unknown: true
}

export const unknownOutput: UnknownOutput = Object.freeze({ unknown: true })

/** True for `{ unknown: true }` and nothing else, so real outputs with an `unknown` field stay real. */
export function isUnknownOutput(output: unknown): output is UnknownOutput {
  return (
    typeof output === 'object' &&
    output !== null &&
    'unknown' in output &&
    output.unknown === true &&
    Object.keys(output).length === 1
  )
}

/**
 * One completed (or abandoned) client operation.
 *
 * `call` and `return` are times on one clock shared by all clients (any unit; the simulator uses
 * its fake clock in ms). The interval is closed: an operation returning at t is concurrent with one
 * called at t, because two reads of a monotonic clock can return the same value.
 *
 * `return: Infinity` (or `output: unknownOutput`) marks an unknown outcome: the operation may
 * linearize anywhere after `call`, or not at all. Both markers mean the same; either is enough.
 * JSON turns Infinity into null: convert it back (or use `unknownOutput`) before checking.
 */
export interface Operation<I, O> {
  clientId: number
  input: I
  call: number
  output: O | UnknownOutput
  return: number
}

export interface StepResult<S> {
  ok: boolean
  /** The state after the operation; ignored when `ok` is false. */
  state: S
}

/**
 * A sequential specification. Models must be pure: `step` never mutates its arguments and returns
 * a new state (or the same object when nothing changed).
 */
export interface Model<S, I, O> {
  name: string
  init(): S
  /**
   * Applies `input` to `state` and says whether `output` is a legal result. With an unknown output
   * (`isUnknownOutput(output)`), `step` should return `ok: true` with the state the operation leads
   * to if it took effect (a failed condition leads to the unchanged state); the checker covers the
   * "never took effect" case on its own, so a step that rejects simply means "cannot happen here".
   */
  step(state: S, input: I, output: O | UnknownOutput): StepResult<S>
  /**
   * A canonical encoding of the state: equal strings MUST mean equal states, because the search
   * prunes a (linearized set, state) pair it has already explored by comparing these strings.
   */
  hash(state: S): string
  /**
   * Splits a history into independent parts (P-compositionality: e.g. one part per key). Must
   * return the same operation objects it was given, so that results can point back into the history.
   */
  partition?(history: readonly Operation<I, O>[]): Operation<I, O>[][]
  /**
   * Optional speed-up: true only if `step` never changes the state when it accepts this known
   * (input, output), in any state: reads, refused conditional writes. The search then linearizes
   * such an operation as soon as it is legal and tries nothing else at that point, which loses no
   * linearization (moving a state-preserving operation earlier keeps every state and every
   * real-time order). Without it, k concurrent reads cost up to 2^k search states.
   */
  isReadOnly?(input: I, output: O): boolean
  describeOperation?(input: I, output: O | UnknownOutput): string
  describeState?(state: S): string
}

export type CheckOutcome = 'ok' | 'illegal' | 'unknown'

export interface LinearizationStep {
  /** Index into `PartitionResult.operations`. */
  operation: number
  /**
   * `omitted`: an unknown-outcome operation the linearization did not need. It never took effect,
   * or took effect after everything else where nothing observed it: the two are indistinguishable.
   * Omitted steps come last, in call order, and only in complete (`ok`) linearizations.
   */
  effect: 'applied' | 'omitted'
}

export interface CandidateDiagnosis {
  operation: number
  /** Why this operation could not come next after the longest prefix. */
  reason: 'rejected-by-model' | 'dead-end'
}

/** Descriptions computed for partitions that did not check `ok`, so reports need no model. */
export interface PartitionDiagnosis {
  /** One per operation of the partition, from `describeOperation`. */
  operationDescriptions: string[]
  /** The model state after each step of `linearization`, from `describeState`. */
  statesAfterSteps: string[]
  initialState: string
  /** Operations that could have come right after the prefix, and why none did. */
  candidates: CandidateDiagnosis[]
}

export interface PartitionResult<I, O> {
  result: CheckOutcome
  /** This partition's operations, in the order `partition` returned them. */
  operations: Operation<I, O>[]
  /** For each operation, its index in the checked history (-1 if `partition` made a copy). */
  historyIndices: number[]
  /** A full linearization when `ok`; otherwise the longest linearizable prefix found. */
  linearization: LinearizationStep[]
  /**
   * `illegal` only: the operation that no extension of the longest prefix could linearize (the
   * earliest-returning operation outside the prefix: it bounds how long the choice can be delayed).
   */
  failingOperation?: number
  diagnosis?: PartitionDiagnosis
  /** Search steps taken: a measure of how hard the partition was. */
  searchSteps: number
  elapsedMs: number
}

export interface CheckResult<I, O> {
  result: CheckOutcome
  modelName: string
  partitions: PartitionResult<I, O>[]
  elapsedMs: number
}

export interface CheckOptions {
  /** Give up after this long and answer `unknown` (never a false `illegal`). Default: no limit. */
  timeoutMs?: number
  /**
   * Give up (`unknown`) once a partition's memo of explored configurations reaches about this many
   * bytes (each costs operations/8 + ~100 bytes). Default 1 GiB.
   */
  memoBytesMax?: number
}
