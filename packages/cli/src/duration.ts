import { UsageError } from './exit-codes.js'

/** Milliseconds per unit of a written duration. */
const unitMs: Record<string, number> = {
  ms: 1,
  s: 1_000,
  m: 60_000,
  h: 3_600_000,
  d: 86_400_000,
}

/** The longest duration the CLI accepts (the store caps TTLs at ten years too). */
export const durationMsMax = 10 * 365 * unitMs.d!

const partPattern = /(\d+(?:\.\d+)?|\.\d+)(ms|s|m|h|d)/y

/**
 * Parses a human-readable duration into milliseconds: `250ms`, `30s`, `1.5s`, `5m`, `1h`, `2d`, or
 * several parts such as `1m30s`. A unit is required: a bare `30` could mean seconds or milliseconds,
 * and guessing wrong by a factor of 1000 is the mistake this type exists to prevent.
 */
export function parseDuration(text: string, what = 'duration'): number {
  const source = text.trim()
  if (source === '') throw new UsageError(`${what} is empty; write it with a unit, e.g. 30s, 5m, 250ms`)
  if (/^\d+(\.\d+)?$/.test(source)) throw new UsageError(`${what} '${text}' has no unit; write ${source}s, ${source}ms or ${source}m`)
  let totalMs = 0
  partPattern.lastIndex = 0
  while (partPattern.lastIndex < source.length) {
    const at = partPattern.lastIndex
    const match = partPattern.exec(source)
    if (match === null) {
      throw new UsageError(`${what} '${text}' is not a duration (at '${source.slice(at)}'); use a number and a unit: ms, s, m, h or d, e.g. 30s, 1m30s, 250ms`)
    }
    totalMs += Number(match[1]) * unitMs[match[2]!]!
  }
  const rounded = Math.round(totalMs)
  if (rounded > durationMsMax) throw new UsageError(`${what} '${text}' is longer than the maximum of 3650d`)
  return rounded
}

/** Formats milliseconds for people: `250ms`, `1.5s`, `30s`, `5m`, `1h 30m`, `2d 3h`. */
export function formatDuration(ms: number): string {
  if (!Number.isFinite(ms)) return ms > 0 ? 'forever' : '-forever'
  if (ms < 0) return `-${formatDuration(-ms)}`
  if (ms < 1_000) return `${Math.round(ms * 10) / 10}ms`
  if (ms < 60_000) return `${trim(ms / 1_000)}s`
  const parts: string[] = []
  let rest = Math.round(ms / 1_000)
  for (const [unit, size] of [['d', 86_400], ['h', 3_600], ['m', 60], ['s', 1]] as const) {
    const count = Math.floor(rest / size)
    rest -= count * size
    if (count > 0) parts.push(`${count}${unit}`)
  }
  // Two parts are enough to read at a glance: 1h 30m, not 1h 30m 12s.
  return parts.slice(0, 2).join(' ')
}

function trim(value: number): string {
  return String(Math.round(value * 10) / 10)
}
