import type { Entry } from './types.js'

/**
 * Approximate bytes an entry takes on the wire besides its payload (term, index, type and framing). Used so
 * that a stream of empty entries still counts against byte bounds.
 */
export const ENTRY_HEADER_BYTES = 24

/** Wire size of one entry, the unit of `maxEntriesBytesPerMessage` and `maxInflightBytes`. */
export function entryBytes(entry: Entry): number {
  return entry.data.byteLength + ENTRY_HEADER_BYTES
}

export function entriesBytes(entries: readonly Entry[]): number {
  let total = 0
  for (const entry of entries) total += entryBytes(entry)
  return total
}

/**
 * Payload bytes, the unit of `maxUncommittedEntriesBytes`. Headers are left out so that the empty entry a new
 * leader appends never counts against the bound.
 */
export function entriesPayloadBytes(entries: readonly Entry[]): number {
  let total = 0
  for (const entry of entries) total += entry.data.byteLength
  return total
}

/**
 * The longest prefix of `entries` whose wire size stays within `maxBytes`, but always at least one entry so
 * that an entry larger than the bound still makes progress.
 */
export function limitEntriesBytes(entries: Entry[], maxBytes: number | undefined): Entry[] {
  if (maxBytes === undefined || entries.length === 0) return entries
  let total = entryBytes(entries[0]!)
  let count = 1
  while (count < entries.length) {
    total += entryBytes(entries[count]!)
    if (total > maxBytes) break
    count++
  }
  return count === entries.length ? entries : entries.slice(0, count)
}
