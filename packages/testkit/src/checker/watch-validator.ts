/**
 * Validates what watchers received against the authoritative history of committed changes
 * (api.md §7): events in revision order, each (revision, key) once, none missing between the start
 * and the last revision seen, each equal to the committed change, and a reconnect that neither
 * skips nor repeats. Order among the events of one revision is not checked (a transaction's
 * events carry one revision and the spec fixes no order among them).
 *
 * A revision's events are expected to arrive together: trim a stream that was closed in the middle
 * of one before validating, or its missing tail is reported as a gap.
 */
import { formatValue } from './format.js'
import { canonicalValue, compareKeys } from './models/canonical.js'

/** One change as committed, e.g. collected from a linearized history or the leader's log. */
export interface CommittedChange {
  revision: number
  key: string
  type: 'put' | 'delete'
  value?: unknown
  /** The key's version after the change; 0 for deletes. */
  version: number
  reason?: string
}

/** A watch event as the watcher received it; a client `WatchEvent` fits as is. */
export interface ObservedWatchEvent {
  type: 'put' | 'delete'
  key: string
  value?: unknown
  version: number
  revision: number
  reason?: string
}

/** Pushed into a watcher's stream where its connection dropped and the client resumed. */
export interface WatchReconnect {
  reconnect: true
}

export const watchReconnect: WatchReconnect = Object.freeze({ reconnect: true })

export type WatchStreamItem = ObservedWatchEvent | WatchReconnect

export type WatchStart =
  /** `fromRevision: r`: every retained change with revision >= r. */
  | { kind: 'fromRevision'; revision: number }
  /** Registered (w.ready resolved) when the store was at `registeredRevision`: changes after it. */
  | { kind: 'now'; registeredRevision: number }
  /**
   * `initial: true`: first the matching entries at `snapshotRevision` as puts carrying that
   * revision, then changes after it. Needs a committed history that starts from an empty store.
   */
  | { kind: 'initial'; snapshotRevision: number }

export interface WatcherRecord {
  watcher: string
  key: string
  prefix?: boolean
  start: WatchStart
  received: readonly WatchStreamItem[]
  /** The watcher had caught up to this revision (e.g. the test waited for it): gaps count up to here. */
  caughtUpToRevision?: number
}

export type WatchAnomalyKind =
  | 'out-of-order'
  | 'duplicate'
  | 'gap'
  | 'mismatch'
  | 'phantom'
  | 'outside-range'
  | 'before-start'
  | 'repeat-after-reconnect'
  | 'skip-after-reconnect'

export interface WatchAnomaly {
  kind: WatchAnomalyKind
  watcher: string
  revision: number
  key: string
  detail: string
  /** Position in `received` of the offending event; absent for events that never arrived. */
  itemIndex?: number
}

export interface WatchValidationOptions {
  /** A broken watcher can produce one anomaly per event; keep reports readable. Default 100. */
  anomaliesPerWatcherMax?: number
}

export function isWatchReconnect(item: WatchStreamItem): item is WatchReconnect {
  return 'reconnect' in item && item.reconnect
}

interface ExpectedEvent {
  revision: number
  key: string
  type: 'put' | 'delete'
  value: unknown
  version: number
  reason: string | undefined
}

interface Delivery {
  itemIndex: number
  /** Number of reconnects before it in the stream. */
  segment: number
}

const identity = (revision: number, key: string): string => `${revision}\u0000${key}`

function inRange(record: WatcherRecord, key: string): boolean {
  return record.prefix === true ? key.startsWith(record.key) : key === record.key
}

function firstExpectedRevision(start: WatchStart): number {
  switch (start.kind) {
    case 'fromRevision':
      return start.revision
    case 'now':
      return start.registeredRevision + 1
    case 'initial':
      return start.snapshotRevision
  }
}

/** The matching keys' entries at `revision`, as the put events an initial snapshot yields. */
function snapshotEvents(committed: readonly CommittedChange[], record: WatcherRecord, revision: number): ExpectedEvent[] {
  const entries = new Map<string, ExpectedEvent>()
  for (const change of committed) {
    if (change.revision > revision || !inRange(record, change.key)) continue
    if (change.type === 'delete') entries.delete(change.key)
    else entries.set(change.key, { ...toExpected(change), revision })
  }
  return [...entries.values()].sort((left, right) => compareKeys(left.key, right.key))
}

function toExpected(change: CommittedChange): ExpectedEvent {
  return {
    revision: change.revision,
    key: change.key,
    type: change.type,
    value: change.value,
    version: change.version,
    reason: change.reason,
  }
}

/** What the watcher should see, in order; a later change of one (revision, key) replaces an earlier. */
function expectedEvents(committed: readonly CommittedChange[], record: WatcherRecord): ExpectedEvent[] {
  const first = firstExpectedRevision(record.start)
  const live = committed
    .filter((change) => inRange(record, change.key) && change.revision >= first)
    .filter((change) => record.start.kind !== 'initial' || change.revision > first)
    .map(toExpected)
  const initial = record.start.kind === 'initial' ? snapshotEvents(committed, record, first) : []
  const byIdentity = new Map<string, ExpectedEvent>()
  for (const event of [...initial, ...live]) byIdentity.set(identity(event.revision, event.key), event)
  return [...byIdentity.values()].sort((left, right) => left.revision - right.revision)
}

function describeMismatch(expected: ExpectedEvent, observed: ObservedWatchEvent): string | undefined {
  const differences: string[] = []
  if (expected.type !== observed.type) differences.push(`type ${observed.type}, committed ${expected.type}`)
  if (expected.version !== observed.version) differences.push(`version ${observed.version}, committed ${expected.version}`)
  if (expected.type === 'put' && canonicalValue(expected.value) !== canonicalValue(observed.value)) {
    differences.push(`value ${formatValue(observed.value)}, committed ${formatValue(expected.value)}`)
  }
  if (expected.reason !== undefined && observed.reason !== undefined && expected.reason !== observed.reason) {
    differences.push(`reason ${observed.reason}, committed ${expected.reason}`)
  }
  return differences.length === 0 ? undefined : differences.join('; ')
}

class AnomalyLog {
  readonly anomalies: WatchAnomaly[] = []
  constructor(
    private readonly watcher: string,
    private readonly limit: number,
  ) {}

  add(kind: WatchAnomalyKind, revision: number, key: string, detail: string, itemIndex?: number): void {
    if (this.anomalies.length >= this.limit) return
    const anomaly: WatchAnomaly = { kind, watcher: this.watcher, revision, key, detail }
    if (itemIndex !== undefined) anomaly.itemIndex = itemIndex
    this.anomalies.push(anomaly)
  }
}

/** Walks the stream once: order, duplicates, repeats, range, start and content. */
function checkDeliveries(
  record: WatcherRecord,
  expectedByIdentity: ReadonlyMap<string, ExpectedEvent>,
  log: AnomalyLog,
): { delivered: Map<string, Delivery>; lastRevision: number; segments: number } {
  const first = firstExpectedRevision(record.start)
  const delivered = new Map<string, Delivery>()
  let lastRevision = -Infinity
  let segment = 0
  record.received.forEach((item, itemIndex) => {
    if (isWatchReconnect(item)) {
      segment++
      return
    }
    const { revision, key } = item
    const earlier = delivered.get(identity(revision, key))
    if (earlier !== undefined) {
      const repeated = earlier.segment < segment
      log.add(repeated ? 'repeat-after-reconnect' : 'duplicate', revision, key,
        `already delivered at item ${earlier.itemIndex}${repeated ? ', before a reconnect' : ''}`, itemIndex)
      return
    }
    delivered.set(identity(revision, key), { itemIndex, segment })
    if (revision < lastRevision) log.add('out-of-order', revision, key, `after revision ${lastRevision}`, itemIndex)
    lastRevision = Math.max(lastRevision, revision)
    if (!inRange(record, key)) {
      log.add('outside-range', revision, key, `watching ${record.prefix === true ? 'prefix' : 'key'} ${JSON.stringify(record.key)}`, itemIndex)
    } else if (revision < first) {
      log.add('before-start', revision, key, `first expected revision is ${first}`, itemIndex)
    } else {
      const expected = expectedByIdentity.get(identity(revision, key))
      const detail = expected === undefined ? undefined : describeMismatch(expected, item)
      if (expected === undefined) log.add('phantom', revision, key, 'no such committed change', itemIndex)
      else if (detail !== undefined) log.add('mismatch', revision, key, detail, itemIndex)
    }
  })
  return { delivered, lastRevision, segments: segment }
}

/**
 * Reports expected events that never arrived. A missing event whose delivered neighbours (in
 * expected order) sit on different sides of a reconnect was skipped by the resumption.
 */
function checkGaps(
  record: WatcherRecord,
  expected: readonly ExpectedEvent[],
  deliveries: { delivered: ReadonlyMap<string, Delivery>; lastRevision: number; segments: number },
  log: AnomalyLog,
): void {
  const upTo = Math.max(deliveries.lastRevision, record.caughtUpToRevision ?? -Infinity)
  const segments = expected.map((event) => deliveries.delivered.get(identity(event.revision, event.key))?.segment)
  // Segment of the nearest delivered event after each position; past the last one, the final segment.
  const segmentAfter: number[] = new Array<number>(expected.length)
  let following = deliveries.segments
  for (let index = expected.length - 1; index >= 0; index--) {
    segmentAfter[index] = following
    following = segments[index] ?? following
  }
  let preceding = 0
  expected.forEach((event, index) => {
    const own = segments[index]
    if (own !== undefined) {
      preceding = own
      return
    }
    if (event.revision > upTo) return
    const skipped = preceding !== segmentAfter[index]
    log.add(skipped ? 'skip-after-reconnect' : 'gap', event.revision, event.key,
      `committed ${event.type} v${event.version} never delivered${skipped ? ' (lost across a reconnect)' : ''}`)
  })
}

/** Checks every watcher against the committed changes; an empty list means no anomaly. */
export function validateWatches(
  committed: readonly CommittedChange[],
  watchers: readonly WatcherRecord[],
  options: WatchValidationOptions = {},
): WatchAnomaly[] {
  const ordered = [...committed].sort((left, right) => left.revision - right.revision)
  return watchers.flatMap((record) => {
    const log = new AnomalyLog(record.watcher, options.anomaliesPerWatcherMax ?? 100)
    const expected = expectedEvents(ordered, record)
    const expectedByIdentity = new Map(expected.map((event) => [identity(event.revision, event.key), event] as const))
    const deliveries = checkDeliveries(record, expectedByIdentity, log)
    checkGaps(record, expected, deliveries, log)
    return log.anomalies
  })
}

/** One line per anomaly, for assertion messages and logs. */
export function formatWatchAnomalies(anomalies: readonly WatchAnomaly[]): string {
  return anomalies
    .map((anomaly) => `${anomaly.watcher}: ${anomaly.kind} at revision ${anomaly.revision} key ${JSON.stringify(anomaly.key)}: ${anomaly.detail}`)
    .join('\n')
}
