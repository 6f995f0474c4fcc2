import { TimeoutError, type ClustronError, type Clock, type Timer } from '@clustron/core'

/** A request as the client tracks it: from the call until its answer, failure or timeout. */
export interface Call {
  /** The request without its id (the session assigns one when it sends it). */
  readonly body: { type: string } & Record<string, unknown>
  /** Checks and converts the answer (undefined: accept as is). */
  readonly accept: ((result: unknown) => unknown) | undefined
  /** Counts against the node's in-flight bound (writes, reads, status). */
  readonly bounded: boolean
  resolve(value: unknown): void
  reject(error: ClustronError): void
  /** Set while the call is in flight on a session (so a timeout can take it back). */
  id?: number | undefined
  forget?: (() => void) | undefined
  deadline: number
}

/**
 * Request timeouts with one timer instead of one per request. Every call gets the same timeout,
 * so calls enter in deadline order: the sweep looks only at the oldest.
 */
export class CallDeadlines {
  readonly #calls = new Set<Call>()
  #timer: Timer | undefined

  constructor(
    private readonly clock: Clock,
    readonly timeoutMs: number,
  ) {}

  add(call: Call): void {
    call.deadline = this.clock.now() + this.timeoutMs
    this.#calls.add(call)
    if (this.#timer === undefined) this.#arm(this.timeoutMs)
  }

  /** The call was answered (or failed): it no longer times out. */
  remove(call: Call): void {
    this.#calls.delete(call)
  }

  clear(): void {
    this.#calls.clear()
    this.#timer?.cancel()
    this.#timer = undefined
  }

  #arm(delayMs: number): void {
    this.#timer = this.clock.setTimer(delayMs, () => this.#sweep())
  }

  #sweep(): void {
    this.#timer = undefined
    const now = this.clock.now()
    for (const call of this.#calls) {
      if (call.deadline > now) return this.#arm(call.deadline - now)
      this.#calls.delete(call)
      call.forget?.()
      call.reject(new TimeoutError(`no answer to '${describeCall(call)}' within ${this.timeoutMs} ms (it may or may not have been applied); retry, or raise requestTimeoutMs`))
    }
  }
}

export function describeCall(call: Call): string {
  const body = call.body as { command?: { type?: string }; query?: { type?: string } }
  return body.command?.type ?? body.query?.type ?? call.body.type
}
