/**
 * The recorded client histories, one per checker model, and the helpers that record an operation
 * from its call to its outcome. An operation is in its history from its call, with an unknown
 * outcome (`return: Infinity`, `unknownOutput`) until a response says otherwise, so an operation
 * that never finishes is checked as "may have taken effect at any point after its call".
 */
import {
  checkOperations,
  createCounterModel,
  createKeySetModel,
  createKvRegisterModel,
  createLockModel,
  createTxnModel,
  unknownOutput,
  writeReport,
  type CheckOutcome,
  type Model,
  type ReportPaths,
  type CounterInput,
  type CounterOutput,
  type KeySetInput,
  type KeySetOutput,
  type KvInput,
  type KvOutput,
  type LockInput,
  type LockOutput,
  type Operation,
  type TxnModelInput,
  type TxnModelOutput,
} from '../checker/index.js'

/** The client id of operations the cluster did on its own (expiry), recorded by the simulator. */
export const clusterClientId = 1_000

export interface OperationStats {
  /** Operations recorded (internal ones excluded). */
  recorded: number
  ok: number
  /** Recorded with an unknown outcome (timeout, crash of the node, lost connection). */
  unknown: number
  /** Definitely not applied (refused everywhere, or a machine error): left out of the history. */
  dropped: number
  internal: number
}

/** One operation being recorded. */
export class PendingOperation<I, O> {
  #settled = false

  constructor(
    private readonly history: History<I, O>,
    readonly operation: Operation<I, O>,
  ) {}

  /** The response arrived at `timeMs` with `output`. */
  complete(output: O, timeMs: number): void {
    if (this.#settled) return
    this.#settled = true
    this.operation.output = output
    this.operation.return = timeMs
    this.history.stats.ok++
  }

  /** The outcome will never be known (it stays in the history as possibly applied). */
  unknown(): void {
    if (this.#settled) return
    this.#settled = true
    this.history.stats.unknown++
  }

  /** It certainly had no effect and observed nothing: leave it out. */
  drop(): void {
    if (this.#settled) return
    this.#settled = true
    this.history.dropped.add(this.operation)
    this.history.stats.dropped++
  }
}

export class History<I, O> {
  readonly operations: Operation<I, O>[] = []
  readonly dropped = new Set<Operation<I, O>>()

  constructor(
    readonly name: string,
    readonly stats: OperationStats,
  ) {}

  begin(clientId: number, input: I, callMs: number): PendingOperation<I, O> {
    const operation: Operation<I, O> = { clientId, input, call: callMs, output: unknownOutput, return: Infinity }
    this.operations.push(operation)
    this.stats.recorded++
    return new PendingOperation(this, operation)
  }

  /** An operation the cluster performed by itself, known to have taken effect at `timeMs`. */
  internal(input: I, output: O, timeMs: number): void {
    this.operations.push({ clientId: clusterClientId, input, call: timeMs, output, return: timeMs })
    this.stats.internal++
  }

  checked(): Operation<I, O>[] {
    return this.dropped.size === 0 ? this.operations : this.operations.filter((operation) => !this.dropped.has(operation))
  }
}

export class Histories {
  readonly stats: OperationStats = { recorded: 0, ok: 0, unknown: 0, dropped: 0, internal: 0 }
  readonly kv = new History<KvInput, KvOutput>('kv', this.stats)
  readonly counter = new History<CounterInput, CounterOutput>('counter', this.stats)
  readonly lock = new History<LockInput, LockOutput>('lock', this.stats)
  readonly txn = new History<TxnModelInput, TxnModelOutput>('txn', this.stats)
  readonly set = new History<KeySetInput, KeySetOutput>('set', this.stats)

  /** Checks every history against its model; one result per model. */
  check(timeoutMs: number): ModelCheck[] {
    return [
      checkHistory(createKvRegisterModel(), this.kv, timeoutMs),
      checkHistory(createCounterModel(), this.counter, timeoutMs),
      checkHistory(createLockModel({ expiry: 'explicit' }), this.lock, timeoutMs),
      checkHistory(createTxnModel(), this.txn, timeoutMs),
      checkHistory(createKeySetModel(), this.set, timeoutMs),
    ]
  }
}

/** The verdict on one history, with a way to write the checker's report. */
export interface ModelCheck {
  name: string
  outcome: CheckOutcome
  operations: number
  elapsedMs: number
  writeReport(dir: string, name: string): Promise<ReportPaths>
}

function checkHistory<S, I, O>(model: Model<S, I, O>, history: History<I, O>, timeoutMs: number): ModelCheck {
  const operations = history.checked()
  const result = checkOperations(model, operations, { timeoutMs })
  return {
    name: history.name,
    outcome: result.result,
    operations: operations.length,
    elapsedMs: result.elapsedMs,
    writeReport: (dir, name) => writeReport(dir, name, result),
  }
}
