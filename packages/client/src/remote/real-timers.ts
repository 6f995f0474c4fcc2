import type { Clock } from '@clustron/core'

/**
 * Real time for the connection's own timers. Unlike core's system clock these timers keep a Node
 * process alive: a client that is reconnecting, or waiting for an answer, has work pending.
 */
export const realTimers: Clock = {
  now: () => Date.now(),
  setTimer(delayMs, callback) {
    const handle = setTimeout(callback, Math.max(0, Math.min(delayMs, 2_147_483_647)))
    return { cancel: () => clearTimeout(handle) }
  },
}
