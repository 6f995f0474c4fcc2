/**
 * A node's clock: `now()` = base + offset + t × (1 + drift), where t is the loop's virtual time,
 * truncated to whole milliseconds like Date.now(). A timer of `delayMs` node-milliseconds fires
 * after delayMs / (1 + drift) virtual milliseconds, so a node whose clock runs fast also times out
 * early in real time. A clock belongs to one incarnation of a node: its timers run through the
 * node's gate (`run`), which drops them once the incarnation crashed and defers them while the
 * process is paused.
 */
import type { Clock, Timer } from '@clustron/core'
import type { EventLoop } from './event-loop.js'

/** The epoch every node clock starts near (2023-11-14), so times look like real ones. */
export const clockEpochMs = 1_700_000_000_000

export interface ClockSkew {
  /** Rate error: 0.01 runs 1 % fast. */
  drift: number
  /** Constant offset from the true time, ms. */
  offsetMs: number
}

export class NodeClock implements Clock {
  constructor(
    private readonly loop: EventLoop,
    private readonly skew: ClockSkew,
    private readonly label: string,
    private readonly run: (callback: () => void) => void,
  ) {}

  now(): number {
    return Math.floor(this.exact(this.loop.now))
  }

  setTimer(delayMs: number, callback: () => void): Timer {
    // Fire when this node's clock reads at least now() + delayMs (the epsilon absorbs rounding).
    const target = this.now() + Math.max(0, delayMs)
    const fireAt = (target - clockEpochMs - this.skew.offsetMs) / (1 + this.skew.drift) + 1e-6
    let cancelled = false
    const event = this.loop.at(fireAt, `timer ${this.label}`, () => {
      this.run(() => {
        if (!cancelled) callback()
      })
    })
    return {
      cancel: () => {
        cancelled = true
        event.cancel()
      },
    }
  }

  /** This clock's reading at virtual time `time`, unrounded. */
  exact(time: number): number {
    return clockEpochMs + this.skew.offsetMs + time * (1 + this.skew.drift)
  }
}
