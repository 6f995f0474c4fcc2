import type { Entry } from '@clustron/client'
import { toTypedJson, type JsonValue } from './typed-json.js'

/** Widest a table cell gets before it is cut with an ellipsis (values can be up to 1 MiB). */
export const cellWidthMax = 60

/** A left-aligned text table with a header row; numeric columns align right. */
export function renderTable(headers: string[], rows: string[][], options: { rightAligned?: number[] } = {}): string {
  const right = new Set(options.rightAligned ?? [])
  const cells = rows.map((row) => row.map((cell) => truncate(cell.replace(/[\r\n\t]/g, ' '), cellWidthMax)))
  const widths = headers.map((header, column) => Math.max(header.length, ...cells.map((row) => displayWidth(row[column] ?? ''))))
  const line = (row: string[]) =>
    row
      .map((cell, column) => {
        const pad = ' '.repeat(Math.max(0, widths[column]! - displayWidth(cell)))
        return right.has(column) ? pad + cell : cell + pad
      })
      .join('  ')
      .trimEnd()
  return [line(headers), ...cells.map(line)].map((text) => `${text}\n`).join('')
}

/** Aligned `label  value` lines (status, lease info). */
export function renderFields(fields: [string, string][]): string {
  const width = Math.max(...fields.map(([label]) => label.length))
  return fields.map(([label, value]) => `${label.padEnd(width)}  ${value}\n`).join('')
}

export function truncate(text: string, width: number): string {
  const characters = [...text]
  return characters.length <= width ? text : `${characters.slice(0, width - 1).join('')}…`
}

function displayWidth(text: string): number {
  return [...text].length
}

/** An entry as `--json` prints it: the value in typed JSON, absent fields left out. */
export function entryJson(entry: Entry, options: { keysOnly?: boolean } = {}): Record<string, JsonValue> {
  const out: Record<string, JsonValue> = { key: entry.key }
  if (options.keysOnly !== true) out.value = toTypedJson(entry.value)
  out.version = entry.version
  out.createRevision = entry.createRevision
  out.modRevision = entry.modRevision
  if (entry.lease !== undefined) out.lease = entry.lease
  if (entry.expiresAt !== undefined) out.expiresAt = entry.expiresAt
  return out
}

/** Bytes for people: 512 B, 1.5 KiB, 3.2 MiB. */
export function formatBytes(bytes: number): string {
  if (bytes < 1024) return `${bytes} B`
  const units = ['KiB', 'MiB', 'GiB', 'TiB']
  let value = bytes / 1024
  let unit = 0
  while (value >= 1024 && unit < units.length - 1) {
    value /= 1024
    unit++
  }
  return `${value.toFixed(1)} ${units[unit]}`
}

/** 12345.6 → "12,346". */
export function formatCount(value: number): string {
  return Math.round(value).toLocaleString('en-US')
}
