import type { Entry, ListOptions, Store, WatchEvent } from '@clustron/client'
import { prefixEnd } from './format.js'

/** Page sizes offered; the default first. */
export const pageSizes = [50, 25, 100] as const

/** One page of the key browser: entries in key order from `start`. */
export interface KeyPage {
  prefix: string
  /** The first key the page may hold (inclusive); the prefix itself on the first page. */
  start: string
  limit: number
  entries: Entry[]
  /** More keys follow the page. */
  more: boolean
  /** The revision the page was read at; the watch resumes after it. */
  revision: number
}

/** Reads a page of keys with `prefix` from `start` (undefined: the first page). */
export async function loadPage(store: Store, prefix: string, start: string | undefined, limit: number): Promise<KeyPage> {
  if (start === undefined) {
    const result = await store.list({ prefix, limit })
    return { prefix, start: prefix, limit, entries: result.entries, more: result.more, revision: result.revision }
  }
  const end = prefixEnd(prefix)
  const options: ListOptions = end === undefined ? { start, limit } : { start, end, limit }
  const result = await store.list(options)
  // Without an end (a prefix near the surrogate ranks, or ''), stop at the first key outside the prefix.
  const inside = result.entries.filter((entry) => entry.key.startsWith(prefix))
  return { prefix, start, limit, entries: inside, more: result.more && inside.length === result.entries.length, revision: result.revision }
}

/** The start key of the page after `page` (just past its last key). */
export function nextStart(page: KeyPage): string | undefined {
  const last = page.entries.at(-1)
  return page.more && last !== undefined ? `${last.key}\u0000` : undefined
}

/** Whether `key` belongs on `page`: inside the prefix, at or after its start, before the next page. */
export function onPage(page: KeyPage, key: string): boolean {
  if (!key.startsWith(page.prefix) || key < page.start) return false
  const last = page.entries.at(-1)
  return !page.more || last === undefined || key <= last.key
}

/**
 * The page after a watch event: a put updates the entry in place or inserts it in key order (the
 * page keeps its size: an entry pushed off the end means more keys follow); a delete removes it.
 * Fields the event does not carry (lease, expiresAt) are kept from before, or left out for a new
 * key until the caller re-reads it. Events at or below the revision the page was read at are
 * already in it (several events may share a later revision: one transaction).
 */
export function applyEvent(page: KeyPage, event: WatchEvent): KeyPage {
  if (event.revision <= page.revision) return page
  const index = page.entries.findIndex((entry) => entry.key === event.key)
  if (event.type === 'delete') {
    if (index < 0) return page
    return { ...page, entries: page.entries.filter((_, position) => position !== index) }
  }
  if (!onPage(page, event.key)) return page
  const before = index < 0 ? undefined : page.entries[index]!
  const entry: Entry = {
    key: event.key,
    value: event.value,
    version: event.version,
    createRevision: before === undefined || event.version === 1 ? event.revision : before.createRevision,
    modRevision: event.revision,
  }
  if (before?.lease !== undefined && event.version !== 1) entry.lease = before.lease
  if (before?.expiresAt !== undefined && event.version !== 1) entry.expiresAt = before.expiresAt
  if (before !== undefined) {
    const entries = [...page.entries]
    entries[index] = entry
    return { ...page, entries }
  }
  const entries = [...page.entries, entry].sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0))
  if (entries.length <= page.limit) return { ...page, entries }
  return { ...page, entries: entries.slice(0, page.limit), more: true }
}
