import { InvalidArgumentError } from '../errors.js'
import type { Clock, Timer } from '../store/backend.js'

interface Scheduled {
  at: number
  sequence: number
  callback: () => void
  cancelled: boolean
}

/**
 * A clock that moves only when told. `advance(ms)` fires every timer that falls due, synchronously
 * and in deadline order (ties in scheduling order), with `now()` reading each timer's deadline while
 * it runs, so TTL, lease and lock deadlines fire as they would in real time, without sleeps.
 */
export class ManualClock implements Clock {
  #now: number
  #sequence = 0
  #timers: Scheduled[] = []

  constructor(startMs = 1_700_000_000_000) {
    this.#now = startMs
  }

  now(): number {
    return this.#now
  }

  setTimer(delayMs: number, callback: () => void): Timer {
    const scheduled: Scheduled = { at: this.#now + Math.max(0, delayMs), sequence: this.#sequence++, callback, cancelled: false }
    this.#timers.push(scheduled)
    return {
      cancel: () => {
        scheduled.cancelled = true
      },
    }
  }

  /** Moves time forward by `ms`, firing due timers in order (including ones they schedule). */
  advance(ms: number): void {
    if (!Number.isFinite(ms) || ms < 0) throw new InvalidArgumentError(`advance takes a non-negative number of ms, got ${ms}`)
    const target = this.#now + ms
    for (;;) {
      const next = this.#takeNext(target)
      if (next === undefined) break
      this.#now = Math.max(this.#now, next.at)
      next.callback()
    }
    this.#now = target
  }

  /** Sets the time to `epochMs` (not backwards), firing due timers like {@link advance}. */
  set(epochMs: number): void {
    this.advance(Math.max(0, epochMs - this.#now))
  }

  /** Timers still waiting. */
  get pending(): number {
    return this.#timers.filter((timer) => !timer.cancelled).length
  }

  #takeNext(target: number): Scheduled | undefined {
    this.#timers = this.#timers.filter((timer) => !timer.cancelled)
    let best: Scheduled | undefined
    for (const timer of this.#timers) {
      if (timer.at > target) continue
      if (best === undefined || timer.at < best.at || (timer.at === best.at && timer.sequence < best.sequence)) best = timer
    }
    if (best !== undefined) best.cancelled = true
    return best
  }
}
