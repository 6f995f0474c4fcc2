/**
 * One virtual clock for the whole cluster. Every timer, message delivery, disk completion and
 * client step is an event in a priority queue ordered by (time, sequence); the loop runs one event,
 * then lets every microtask it caused run to completion before the next event. Nothing in the
 * simulated code uses real timers, so one macrotask turn (`setImmediate`) drains all microtasks,
 * including chains of them, in the same order on every run: same seed ⇒ same trace hash.
 */
import { simulatorLimits } from './limits.js'
import { hashString } from './random.js'

export interface ScheduledEvent {
  cancel(): void
}

interface QueuedEvent {
  time: number
  sequence: number
  label: string
  run: () => void
  cancelled: boolean
}

/** A 64-bit FNV-style hash of the executed events (two 32-bit lanes), printed as hex. */
export class TraceHash {
  #low = 0x811c9dc5
  #high = 0x01000193

  add(text: string): void {
    this.#low = hashString(text, this.#low)
    this.#high = hashString(text, Math.imul(this.#high ^ 0x5bd1e995, 0x27d4eb2d) >>> 0)
  }

  hex(): string {
    return `${this.#high.toString(16).padStart(8, '0')}${this.#low.toString(16).padStart(8, '0')}`
  }
}

export type RunOutcome = 'condition' | 'deadline' | 'idle' | 'stopped'

export class EventLoop {
  /** Virtual milliseconds since the start of the run. */
  now = 0
  eventsRun = 0
  readonly trace = new TraceHash()
  readonly #heap: QueuedEvent[] = []
  #sequence = 0
  readonly #tail: string[] = []
  #stopped: string | undefined
  /** Sees every executed event's trace line (`pnpm sim --seed N --trace`). */
  onEvent: ((line: string) => void) | undefined

  /** Runs `run` after `delayMs` (never in the past; ties run in scheduling order). */
  schedule(delayMs: number, label: string, run: () => void): ScheduledEvent {
    return this.at(this.now + Math.max(0, delayMs), label, run)
  }

  at(time: number, label: string, run: () => void): ScheduledEvent {
    const event: QueuedEvent = { time: Math.max(time, this.now), sequence: this.#sequence++, label, run, cancelled: false }
    this.#push(event)
    return {
      cancel: () => {
        event.cancelled = true
      },
    }
  }

  /** Stops the loop after the current event (a failure was found). */
  stop(reason: string): void {
    this.#stopped ??= reason
  }

  get stopped(): string | undefined {
    return this.#stopped
  }

  /** The last executed events, oldest first (for failure reports). */
  traceTail(): string[] {
    return [...this.#tail]
  }

  /** Pending (not cancelled) events. */
  get pending(): number {
    return this.#heap.filter((event) => !event.cancelled).length
  }

  /**
   * Runs events until `condition()` holds (checked after each event), virtual time passes
   * `deadline`, the queue empties, or `stop` is called. `afterEvent` runs after each event's
   * microtasks have settled (continuous invariant checks).
   */
  async runUntil(condition: () => boolean, deadline: number, afterEvent: () => void = () => {}): Promise<RunOutcome> {
    for (;;) {
      if (this.#stopped !== undefined) return 'stopped'
      if (condition()) return 'condition'
      const event = this.#pop()
      if (event === undefined) return 'idle'
      if (event.time > deadline) {
        this.#push(event)
        this.now = deadline
        return 'deadline'
      }
      this.now = event.time
      this.eventsRun++
      if (this.eventsRun > simulatorLimits.eventsPerRunMax) {
        this.stop(`more than ${simulatorLimits.eventsPerRunMax} events in one run (livelock?)`)
        return 'stopped'
      }
      this.#record(event)
      event.run()
      await settle()
      afterEvent()
    }
  }

  #record(event: QueuedEvent): void {
    const line = `${Math.round(event.time * 1000)} ${event.label}`
    this.trace.add(line)
    this.onEvent?.(line)
    this.#tail.push(line)
    if (this.#tail.length > simulatorLimits.traceTailEvents) this.#tail.shift()
  }

  #pop(): QueuedEvent | undefined {
    for (;;) {
      const top = this.#heap[0]
      if (top === undefined) return undefined
      const last = this.#heap.pop()!
      if (this.#heap.length > 0) {
        this.#heap[0] = last
        this.#siftDown(0)
      }
      if (!top.cancelled) return top
    }
  }

  #push(event: QueuedEvent): void {
    this.#heap.push(event)
    let index = this.#heap.length - 1
    while (index > 0) {
      const parent = (index - 1) >> 1
      if (!before(this.#heap[index]!, this.#heap[parent]!)) break
      this.#swap(index, parent)
      index = parent
    }
  }

  #siftDown(start: number): void {
    let index = start
    for (;;) {
      const left = index * 2 + 1
      const right = left + 1
      let smallest = index
      if (left < this.#heap.length && before(this.#heap[left]!, this.#heap[smallest]!)) smallest = left
      if (right < this.#heap.length && before(this.#heap[right]!, this.#heap[smallest]!)) smallest = right
      if (smallest === index) return
      this.#swap(index, smallest)
      index = smallest
    }
  }

  #swap(left: number, right: number): void {
    const item = this.#heap[left]!
    this.#heap[left] = this.#heap[right]!
    this.#heap[right] = item
  }
}

function before(left: QueuedEvent, right: QueuedEvent): boolean {
  return left.time < right.time || (left.time === right.time && left.sequence < right.sequence)
}

/** Lets every queued microtask (and the microtasks they queue) run: one macrotask turn. */
export function settle(): Promise<void> {
  return new Promise<void>((resolve) => setImmediate(resolve))
}
