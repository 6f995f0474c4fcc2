/**
 * The committed history: every change the cluster applied, in revision order.
 *
 * What is authoritative. The Raft log, applied by the state machine on every replica, is the truth;
 * a test outside the processes cannot read it. What it can read is the state machine's own retained
 * event history (`watch('', { fromRevision: 1 })`, with `--watch-history` large enough that nothing is
 * compacted), after the heal when every replica has applied the same log. A watcher that never
 * disconnects is not an option: kill -9, partitions and leader changes move every connection. The
 * replay is not trusted blindly; it is checked three ways before anything else relies on it:
 *
 * 1. Against the final state: replaying the changes up to a listing's revision must give exactly the
 *    listed keys, values, versions, createRevision and modRevision (`checkFinalState`).
 * 2. Against every acknowledged write: its revision must hold exactly that put, with that version and
 *    value (`checkAcknowledged`): no acknowledged write lost or rewritten.
 * 3. Against the linearizability-checked histories of the workloads, whose reads saw the same data.
 *
 * Watchers are then validated against it, and lease ends (the `lease`-reason deletes of the lock
 * workload's marker keys) are read from it to time lock expiry.
 */
import type { Store } from '@clustron/client'
import { canonicalValue, type CommittedChange } from '../checker/index.js'
import type { RunClock } from './recorder.js'
import type { AcknowledgedWrite, Anomaly } from './workload.js'

export const sentinelKey = 'faults/sentinel'

export interface CommittedHistory {
  readonly changes: readonly CommittedChange[]
  /** The sentinel's revision: the history is complete up to here. */
  readonly lastRevision: number
  /** Revision of the first delete of `key` with reason `lease` (its lease expired or was revoked). */
  leaseEndOf(key: string): number | undefined
  /** Changes of keys under `prefix`, revision ≤ `revision`. */
  under(prefix: string, revision?: number): CommittedChange[]
}

class History implements CommittedHistory {
  readonly #leaseEnds = new Map<string, number>()

  constructor(
    readonly changes: readonly CommittedChange[],
    readonly lastRevision: number,
  ) {
    for (const change of changes) {
      if (change.type === 'delete' && change.reason === 'lease' && !this.#leaseEnds.has(change.key)) this.#leaseEnds.set(change.key, change.revision)
    }
  }

  leaseEndOf(key: string): number | undefined {
    return this.#leaseEnds.get(key)
  }

  under(prefix: string, revision = Number.POSITIVE_INFINITY): CommittedChange[] {
    return this.changes.filter((change) => change.revision <= revision && change.key.startsWith(prefix))
  }
}

/**
 * Reads the committed history: writes a sentinel, then replays every retained event from revision 1
 * until the sentinel's. Bounded by `timeoutMs` (throws then).
 */
export async function readCommittedHistory(store: Store, clock: RunClock, timeoutMs: number): Promise<CommittedHistory> {
  const deadline = performance.now() + timeoutMs
  let sentinelRevision: number | undefined
  for (let attempt = 0; sentinelRevision === undefined; attempt++) {
    try {
      const result = await store.put(sentinelKey, clock.now())
      if (result.ok) sentinelRevision = result.revision
    } catch (error) {
      if (performance.now() > deadline || attempt >= 20) throw new Error(`could not write the history sentinel: ${String(error)}`)
      await new Promise((resolve) => setTimeout(resolve, 250))
    }
  }
  const changes: CommittedChange[] = []
  const watch = store.watch('', { prefix: true, fromRevision: 1 })
  const timer = setTimeout(() => watch.close(), Math.max(1, deadline - performance.now()))
  let complete = false
  try {
    for await (const event of watch) {
      const change: CommittedChange = { revision: event.revision, key: event.key, type: event.type, version: event.version }
      if (event.type === 'put') change.value = event.value
      if (event.reason !== undefined) change.reason = event.reason
      changes.push(change)
      if (event.revision >= sentinelRevision) {
        complete = true
        break
      }
    }
  } finally {
    clearTimeout(timer)
    watch.close()
  }
  if (!complete) throw new Error(`the replay of the committed history did not reach the sentinel's revision ${sentinelRevision} within ${timeoutMs} ms (got ${changes.length} changes)`)
  return new History(changes, sentinelRevision)
}

/** Every acknowledged write must be in the committed history, at its revision, as acknowledged. */
export function checkAcknowledged(committed: CommittedHistory, acknowledged: readonly AcknowledgedWrite[], workload: string): Anomaly[] {
  const byRevision = new Map<number, CommittedChange[]>()
  for (const change of committed.changes) {
    const list = byRevision.get(change.revision)
    if (list === undefined) byRevision.set(change.revision, [change])
    else list.push(change)
  }
  const anomalies: Anomaly[] = []
  for (const write of acknowledged) {
    if (write.revision > committed.lastRevision) continue
    const change = byRevision.get(write.revision)?.find((candidate) => candidate.key === write.key)
    if (change === undefined) {
      anomalies.push({ workload, kind: 'lost-write', detail: `acknowledged put of ${write.key} at revision ${write.revision} (v${write.version}) is not in the committed history` })
    } else if (change.type !== 'put' || change.version !== write.version || canonicalValue(change.value) !== canonicalValue(write.value)) {
      anomalies.push({ workload, kind: 'rewritten-write', detail: `acknowledged put of ${write.key} at revision ${write.revision} (v${write.version}) is committed as ${change.type} v${change.version}` })
    }
  }
  return anomalies
}

/** A page of a final listing: every key in [from, to] (inclusive; `to` undefined = the prefix's end) at `revision`. */
export interface ListingPage {
  prefix: string
  from: string
  to: string | undefined
  revision: number
  entries: { key: string; value: unknown; version: number; createRevision: number; modRevision: number }[]
}

/** Lists every key under `prefix`, page by page (each page one snapshot), retrying failed pages. */
export async function listAll(store: Store, prefix: string, pageLimit = 5_000, attemptsMax = 20): Promise<ListingPage[]> {
  const pages: ListingPage[] = []
  let from = prefix
  for (let page = 0; page < 1_000; page++) {
    let result
    for (let attempt = 0; result === undefined; attempt++) {
      try {
        result = await store.list(page === 0 ? { prefix, limit: pageLimit } : { start: from, end: prefixEnd(prefix), limit: pageLimit })
      } catch (error) {
        if (attempt >= attemptsMax) throw error
        await new Promise((resolve) => setTimeout(resolve, 250))
      }
    }
    const entries = result.entries.filter((entry) => entry.key.startsWith(prefix))
    const last = entries[entries.length - 1]
    pages.push({
      prefix,
      from,
      to: result.more ? last?.key : undefined,
      revision: result.revision,
      entries: entries.map((entry) => ({ key: entry.key, value: entry.value, version: entry.version, createRevision: entry.createRevision, modRevision: entry.modRevision })),
    })
    if (!result.more || last === undefined) return pages
    from = `${last.key}\u0000`
  }
  throw new Error(`listing ${prefix} did not end within 1000 pages`)
}

/** The first key after every key starting with `prefix` (exclusive end of its range). */
function prefixEnd(prefix: string): string {
  return `${prefix}\u{10FFFF}`
}

/** Replaying the committed history up to each page's revision must give exactly the page. */
export function checkFinalState(committed: CommittedHistory, pages: readonly ListingPage[], workload: string): Anomaly[] {
  const anomalies: Anomaly[] = []
  for (const page of pages) {
    if (page.revision > committed.lastRevision) {
      anomalies.push({ workload, kind: 'history-incomplete', detail: `listing of ${page.prefix} at revision ${page.revision} is past the replayed history (${committed.lastRevision})` })
      continue
    }
    const expected = new Map<string, { value: unknown; version: number; createRevision: number; modRevision: number }>()
    for (const change of committed.under(page.prefix, page.revision)) {
      if (change.key < page.from || (page.to !== undefined && change.key > page.to)) continue
      if (change.type === 'delete') expected.delete(change.key)
      else {
        const createRevision = change.version === 1 ? change.revision : (expected.get(change.key)?.createRevision ?? -1)
        expected.set(change.key, { value: change.value, version: change.version, createRevision, modRevision: change.revision })
      }
    }
    for (const entry of page.entries) {
      const want = expected.get(entry.key)
      expected.delete(entry.key)
      const problem =
        want === undefined
          ? 'is listed but the history has no live put of it'
          : canonicalValue(want.value) !== canonicalValue(entry.value) || want.version !== entry.version || want.modRevision !== entry.modRevision || want.createRevision !== entry.createRevision
            ? `is v${entry.version} @${entry.createRevision}/${entry.modRevision}; the history gives v${want.version} @${want.createRevision}/${want.modRevision}`
            : undefined
      if (problem !== undefined) anomalies.push({ workload, kind: 'state-mismatch', detail: `${entry.key} at revision ${page.revision} ${problem}` })
    }
    for (const key of expected.keys()) anomalies.push({ workload, kind: 'state-mismatch', detail: `${key} is live in the history at revision ${page.revision} but missing from the listing` })
  }
  return anomalies
}
