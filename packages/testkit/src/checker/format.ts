/**
 * Short, deterministic text for values in descriptions and reports. JSON.stringify alone throws on
 * bigint and loses undefined, Infinity and bytes, all of which appear in Clustron histories.
 */
export function formatValue(value: unknown): string {
  if (value === undefined) return 'undefined'
  if (typeof value === 'bigint') return `${value}n`
  if (typeof value === 'number') return Object.is(value, -0) ? '-0' : String(value)
  if (typeof value === 'string') return JSON.stringify(value)
  if (typeof value !== 'object' || value === null) return String(value)
  if (value instanceof Uint8Array) return `bytes(${value.length})`
  if (value instanceof Date) return `Date(${value.toISOString()})`
  if (Array.isArray(value)) return `[${value.map((item: unknown) => formatValue(item)).join(', ')}]`
  const fields = Object.entries(value)
    .filter(([, fieldValue]) => fieldValue !== undefined)
    .map(([name, fieldValue]) => `${name}: ${formatValue(fieldValue)}`)
  return `{ ${fields.join(', ')} }`.replace('{  }', '{}')
}

/** Cuts long descriptions so one odd value cannot blow up a report line. */
export function truncateText(text: string, lengthMax: number): string {
  return text.length <= lengthMax ? text : `${text.slice(0, lengthMax - 1)}…`
}
