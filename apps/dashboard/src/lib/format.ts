/** Formatting for people: numbers, durations, bytes, values (JSON pretty, binary as hex). */

export function formatCount(value: number | undefined): string {
  if (value === undefined || !Number.isFinite(value)) return '—'
  return Math.round(value).toLocaleString('en-US')
}

/** A rate like 1.2k/s; small rates keep a decimal so 0.5 ops/s does not read as 0. */
export function formatRate(perSecond: number | undefined): string {
  if (perSecond === undefined || !Number.isFinite(perSecond)) return '—'
  if (perSecond >= 10_000) return `${(perSecond / 1000).toFixed(1)}k`
  if (perSecond >= 100) return Math.round(perSecond).toLocaleString('en-US')
  if (perSecond >= 10) return perSecond.toFixed(1)
  if (perSecond === 0) return '0'
  return perSecond.toFixed(2)
}

/** A latency given in seconds: 850 µs, 12.3 ms, 1.20 s. */
export function formatSeconds(seconds: number | undefined): string {
  if (seconds === undefined || !Number.isFinite(seconds)) return '—'
  if (seconds < 0.001) return `${Math.round(seconds * 1_000_000)} µs`
  if (seconds < 1) return `${(seconds * 1000).toFixed(seconds < 0.01 ? 2 : 1)} ms`
  return `${seconds.toFixed(2)} s`
}

/** A duration given in ms, coarse: 45s, 3m 20s, 2h 5m, 4d 1h. */
export function formatDuration(ms: number | undefined): string {
  if (ms === undefined || !Number.isFinite(ms)) return '—'
  if (ms < 0) return 'expired'
  if (ms < 1000) return `${Math.round(ms)} ms`
  const seconds = Math.floor(ms / 1000)
  if (seconds < 60) return `${seconds}s`
  const minutes = Math.floor(seconds / 60)
  if (minutes < 60) return `${minutes}m ${seconds % 60}s`
  const hours = Math.floor(minutes / 60)
  if (hours < 24) return `${hours}h ${minutes % 60}m`
  return `${Math.floor(hours / 24)}d ${hours % 24}h`
}

export function formatBytes(bytes: number): string {
  if (bytes < 1024) return `${bytes} B`
  if (bytes < 1024 * 1024) return `${(bytes / 1024).toFixed(1)} KiB`
  return `${(bytes / 1024 / 1024).toFixed(1)} MiB`
}

/** Bytes shown per hex-dump line, and the most shown before cutting (the rest is summarised). */
export const hexBytesPerLine = 16
export const hexBytesMax = 4096

/** A classic hex dump: offset, 16 bytes in hex, printable ASCII. */
export function hexDump(bytes: Uint8Array, limit = hexBytesMax): string {
  const lines: string[] = []
  const shown = Math.min(bytes.length, limit)
  for (let offset = 0; offset < shown; offset += hexBytesPerLine) {
    const row = bytes.subarray(offset, Math.min(offset + hexBytesPerLine, shown))
    const hex = [...row].map((byte) => byte.toString(16).padStart(2, '0')).join(' ')
    const ascii = [...row].map((byte) => (byte >= 0x20 && byte < 0x7f ? String.fromCharCode(byte) : '.')).join('')
    lines.push(`${offset.toString(16).padStart(8, '0')}  ${hex.padEnd(hexBytesPerLine * 3 - 1)}  ${ascii}`)
  }
  if (bytes.length > shown) lines.push(`… ${formatBytes(bytes.length - shown)} more`)
  return lines.join('\n')
}

export type ValueKind = 'string' | 'number' | 'boolean' | 'null' | 'object' | 'array' | 'binary' | 'bigint' | 'date' | 'undefined'

export function valueKind(value: unknown): ValueKind {
  if (value === null) return 'null'
  if (value instanceof Uint8Array) return 'binary'
  if (value instanceof Date) return 'date'
  if (Array.isArray(value)) return 'array'
  switch (typeof value) {
    case 'string':
    case 'number':
    case 'boolean':
    case 'bigint':
    case 'undefined':
      return typeof value as ValueKind
    default:
      return 'object'
  }
}

/** JSON.stringify that also shows what msgpack values can hold beyond JSON (bigint, bytes, dates). */
function replacer(_key: string, value: unknown): unknown {
  if (typeof value === 'bigint') return `${value.toString()}n`
  if (value instanceof Uint8Array) return `<${value.length} bytes: ${[...value.subarray(0, 32)].map((byte) => byte.toString(16).padStart(2, '0')).join('')}${value.length > 32 ? '…' : ''}>`
  return value
}

/** The full view of a value: pretty JSON, a string as is, binary as a hex dump. */
export function formatValue(value: unknown): string {
  if (value instanceof Uint8Array) return hexDump(value)
  if (typeof value === 'string') return value
  if (value instanceof Date) return value.toISOString()
  if (typeof value === 'bigint') return value.toString()
  if (value === undefined) return ''
  return JSON.stringify(value, replacer, 2)
}

/** One line for a table cell, cut at `limit` characters. */
export function previewValue(value: unknown, limit = 120): string {
  let text: string
  if (value instanceof Uint8Array) text = `${formatBytes(value.length)} · ${[...value.subarray(0, 24)].map((byte) => byte.toString(16).padStart(2, '0')).join(' ')}`
  else if (typeof value === 'string') text = JSON.stringify(value)
  else if (value instanceof Date) text = value.toISOString()
  else if (typeof value === 'bigint') text = `${value.toString()}n`
  else if (value === undefined) text = ''
  else text = JSON.stringify(value, replacer)
  return text.length > limit ? `${text.slice(0, limit - 1)}…` : text
}

/** The text an editor starts from: strings as is (edited as text), everything else as JSON. */
export function editableText(value: unknown): { text: string; mode: 'json' | 'text' } | undefined {
  if (typeof value === 'string') return { text: value, mode: 'text' }
  if (value instanceof Uint8Array || value instanceof Date || typeof value === 'bigint' || containsSpecial(value)) return undefined
  return { text: JSON.stringify(value, null, 2), mode: 'json' }
}

function containsSpecial(value: unknown, depth = 0): boolean {
  if (depth > 64) return true
  if (value instanceof Uint8Array || value instanceof Date || typeof value === 'bigint') return true
  if (Array.isArray(value)) return value.some((item) => containsSpecial(item, depth + 1))
  if (typeof value === 'object' && value !== null) return Object.values(value).some((item) => containsSpecial(item, depth + 1))
  return false
}

/** Parses what the editor holds: JSON mode must be valid JSON; text mode is the string itself. */
export function parseEditorText(text: string, mode: 'json' | 'text'): { ok: true; value: unknown } | { ok: false; error: string } {
  if (mode === 'text') return { ok: true, value: text }
  try {
    return { ok: true, value: JSON.parse(text) as unknown }
  } catch (error) {
    return { ok: false, error: `not valid JSON: ${(error as Error).message}` }
  }
}

/**
 * The least key above every key that starts with `prefix` in the store's (UTF-8) order, or undefined
 * when there is none that simple (the empty prefix, or a last unit near the surrogate ranks): then
 * the caller reads on without an end and stops at the first key outside the prefix. Mirrors core's
 * prefixEnd, which the client does not export.
 */
export function prefixEnd(prefix: string): string | undefined {
  if (prefix.length === 0) return undefined
  const last = prefix.charCodeAt(prefix.length - 1)
  if (last < 0xd7ff || (last >= 0xdc00 && last < 0xdfff)) return prefix.slice(0, -1) + String.fromCharCode(last + 1)
  return undefined
}
