import type { Clock, Environment, Timer } from '../store/backend.js'

/**
 * The one module of @clustron/core that reads the real clock, real timers and real randomness
 * (the lint rule that keeps the rest of core pure exempts this file). Works in Node and browsers.
 */
export const systemClock: Clock = {
  now: () => Date.now(),
  setTimer(delayMs: number, callback: () => void): Timer {
    const handle = setTimeout(callback, Math.max(0, Math.min(delayMs, 2_147_483_647)))
    // Timers of a store never keep a Node process alive on their own.
    ;(handle as { unref?: () => void }).unref?.()
    return { cancel: () => clearTimeout(handle) }
  },
}

let idSequence = 0
const idPrefix = randomHex(8)

function randomHex(bytes: number): string {
  const buffer = new Uint8Array(bytes)
  globalThis.crypto.getRandomValues(buffer)
  return Array.from(buffer, (byte) => byte.toString(16).padStart(2, '0')).join('')
}

const yieldTurn: () => Promise<void> =
  typeof setImmediate === 'function'
    ? () => new Promise((resolve) => setImmediate(resolve))
    : () => new Promise((resolve) => setTimeout(resolve, 0))

export function systemEnvironment(clock: Clock = systemClock): Environment {
  return {
    clock,
    randomId: () => `${idPrefix}-${(++idSequence).toString(36)}`,
    random: () => Math.random(),
    yieldTurn,
  }
}
