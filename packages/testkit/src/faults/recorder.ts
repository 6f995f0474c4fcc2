/**
 * Recording client operations against real processes: one clock for every client (monotonic ms
 * since the run started), error classification by the client's contract, and the revisions each
 * operation is known to have taken effect at (used to time internal operations such as lease
 * expiry, which no client performs).
 *
 * The contract (api.md §9, client/remote/session.ts): TIMEOUT means "may or may not have been
 * applied"; UNAVAILABLE means "not applied" (refused before the log, or never sent; the client
 * already retried it until its deadline). A machine refusal (INVALID_ARGUMENT, LEASE_NOT_FOUND,
 * TYPE_MISMATCH, ...) changed nothing. Anything else, or a non-Clustron error, is unknown.
 */
import { ClustronError } from '@clustron/client'
import { History, type OperationStats, type PendingOperation } from '../simulator/histories.js'

export { History, type OperationStats, type PendingOperation }

export type ErrorOutcome = 'unknown' | 'failed'

/** What an error from a write says about whether it was applied. */
export function classifyWriteError(error: unknown): ErrorOutcome {
  if (!(error instanceof ClustronError)) return 'unknown'
  switch (error.code) {
    case 'TIMEOUT':
    case 'CLOSED':
    case 'INTERNAL':
      return 'unknown'
    default:
      return 'failed'
  }
}

export function errorCode(error: unknown): string {
  return error instanceof ClustronError ? error.code : error instanceof Error ? error.name : 'unknown'
}

export function newStats(): OperationStats {
  return { recorded: 0, ok: 0, unknown: 0, dropped: 0, internal: 0 }
}

/** The run's clock: ms since the run started, shared by every client, monotonic. */
export class RunClock {
  readonly #origin = performance.now()

  now(): number {
    return performance.now() - this.#origin
  }
}

/**
 * Revisions with the real-time interval in which they were applied: an operation known to have
 * taken effect at revision r was applied after its call and before its return. A revision seen by a
 * watcher at t was applied before t. So a revision R that no client observed was applied after the
 * call of every operation below R and before the return of every operation above R.
 */
export class RevisionTimeline {
  readonly #anchors: { revision: number; call: number; return: number }[] = []

  /** An operation that took effect at `revision` within [call, return]. */
  add(revision: number, call: number, returnTime: number): void {
    this.#anchors.push({ revision, call, return: returnTime })
  }

  /** A watcher received `revision` at `time`. */
  seen(revision: number, time: number): void {
    this.#anchors.push({ revision, call: Number.NEGATIVE_INFINITY, return: time })
  }

  get size(): number {
    return this.#anchors.length
  }

  /** When revision `revision` (seen by nobody) can have been applied: [call, return], `end` if nothing after it was seen. */
  intervalOf(revision: number, end: number): { call: number; return: number } {
    let call = 0
    let returnTime = end
    for (const anchor of this.#anchors) {
      if (anchor.revision < revision && anchor.call > call) call = anchor.call
      if (anchor.revision > revision && anchor.return < returnTime) returnTime = anchor.return
    }
    return { call, return: Math.max(call, returnTime) }
  }
}

/** Runs a write and records it: ok → output; TIMEOUT and the like → unknown; refusals → left out. */
export async function recordWrite<I, O, T>(
  history: History<I, O>,
  clock: RunClock,
  clientId: number,
  input: I,
  run: () => Promise<T>,
  output: (value: T) => O,
): Promise<{ value: T; call: number; return: number } | { error: unknown; outcome: ErrorOutcome }> {
  const call = clock.now()
  const pending = history.begin(clientId, input, call)
  try {
    const value = await run()
    const returnTime = clock.now()
    pending.complete(output(value), returnTime)
    return { value, call, return: returnTime }
  } catch (error) {
    const outcome = classifyWriteError(error)
    if (outcome === 'unknown') pending.unknown()
    else pending.drop()
    return { error, outcome }
  }
}

/** Runs a read and records it when answered; a read that failed observed nothing and is left out. */
export async function recordRead<I, O, T>(
  history: History<I, O>,
  clock: RunClock,
  clientId: number,
  input: I,
  run: () => Promise<T>,
  output: (value: T) => O,
): Promise<{ value: T } | undefined> {
  const pending = history.begin(clientId, input, clock.now())
  try {
    const value = await run()
    pending.complete(output(value), clock.now())
    return { value }
  } catch {
    pending.drop()
    return undefined
  }
}

/** A final read: retried (each attempt recorded only if answered) until answered, at most `attemptsMax` times. */
export async function finalRead<I, O, T>(
  history: History<I, O>,
  clock: RunClock,
  clientId: number,
  input: I,
  run: () => Promise<T>,
  output: (value: T) => O,
  attemptsMax = 40,
): Promise<{ value: T } | undefined> {
  for (let attempt = 0; attempt < attemptsMax; attempt++) {
    const answered = await recordRead(history, clock, clientId, input, run, output)
    if (answered !== undefined) return answered
    await sleep(250)
  }
  return undefined
}

/** Sleeps; resolves early never (bounded by the caller's choice of `delayMs`). */
export function sleep(delayMs: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, Math.max(0, delayMs)))
}
