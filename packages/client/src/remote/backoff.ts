/**
 * Delays between connection attempts: exponential from `initialMs` up to `maxMs`, with "equal
 * jitter" (half fixed, half random) so many clients cut at once do not reconnect in lockstep.
 */
export interface BackoffOptions {
  initialMs: number
  maxMs: number
}

export const defaultBackoff: BackoffOptions = { initialMs: 50, maxMs: 5_000 }

/** The delay before attempt `attempt` (0 = the first retry), given a uniform random number in [0, 1). */
export function backoffDelayMs(attempt: number, random: number, options: BackoffOptions = defaultBackoff): number {
  const ceiling = Math.min(options.maxMs, options.initialMs * 2 ** Math.min(attempt, 30))
  return Math.round(ceiling / 2 + (random * ceiling) / 2)
}
