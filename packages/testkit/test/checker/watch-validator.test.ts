import { describe, expect, it } from 'vitest'
import {
  formatWatchAnomalies,
  validateWatches,
  watchReconnect,
  type CommittedChange,
  type ObservedWatchEvent,
  type WatcherRecord,
  type WatchStreamItem,
} from '../../src/checker/index.js'

/** Revisions 1..6 over three keys; revision 4 is a transaction touching two keys. */
const committed: CommittedChange[] = [
  { revision: 1, key: 'cfg/a', type: 'put', value: 'a1', version: 1 },
  { revision: 2, key: 'cfg/b', type: 'put', value: 'b1', version: 1 },
  { revision: 3, key: 'other', type: 'put', value: 'o1', version: 1 },
  { revision: 4, key: 'cfg/a', type: 'put', value: 'a2', version: 2 },
  { revision: 4, key: 'cfg/b', type: 'delete', version: 0, reason: 'deleted' },
  { revision: 5, key: 'cfg/c', type: 'put', value: { n: 1 }, version: 1 },
  { revision: 6, key: 'cfg/a', type: 'delete', version: 0 },
]

const asEvent = (change: CommittedChange): ObservedWatchEvent => {
  const event: ObservedWatchEvent = { type: change.type, key: change.key, version: change.version, revision: change.revision }
  if (change.value !== undefined) event.value = change.value
  return event
}
const prefixEvents = committed.filter((change) => change.key.startsWith('cfg/')).map(asEvent)

function prefixWatcher(received: WatchStreamItem[], extra: Partial<WatcherRecord> = {}): WatcherRecord {
  return { watcher: 'w1', key: 'cfg/', prefix: true, start: { kind: 'fromRevision', revision: 1 }, received, ...extra }
}

const kinds = (record: WatcherRecord): string[] => validateWatches(committed, [record]).map((anomaly) => anomaly.kind)

describe('validateWatches', () => {
  it('accepts a complete stream, events within a revision in any order, and a clean resumption', () => {
    expect(kinds(prefixWatcher(prefixEvents))).toEqual([])
    const swapped = [prefixEvents[0]!, prefixEvents[1]!, prefixEvents[3]!, prefixEvents[2]!, prefixEvents[4]!, prefixEvents[5]!]
    expect(kinds(prefixWatcher(swapped))).toEqual([])
    const resumed = [...prefixEvents.slice(0, 3), watchReconnect, ...prefixEvents.slice(3)]
    expect(kinds(prefixWatcher(resumed))).toEqual([])
  })

  it('accepts a single-key watcher started "now" and one with an initial snapshot', () => {
    const keyWatcher: WatcherRecord = {
      watcher: 'w2',
      key: 'cfg/a',
      start: { kind: 'now', registeredRevision: 1 },
      received: [asEvent(committed[3]!), asEvent(committed[6]!)],
    }
    expect(validateWatches(committed, [keyWatcher])).toEqual([])
    const initial: WatcherRecord = {
      watcher: 'w3',
      key: 'cfg/',
      prefix: true,
      start: { kind: 'initial', snapshotRevision: 4 },
      received: [{ type: 'put', key: 'cfg/a', value: 'a2', version: 2, revision: 4 }, asEvent(committed[5]!), asEvent(committed[6]!)],
    }
    expect(validateWatches(committed, [initial])).toEqual([])
    const staleSnapshot: WatcherRecord = { ...initial, received: [{ type: 'put', key: 'cfg/a', value: 'a1', version: 1, revision: 4 }, ...initial.received.slice(1)] }
    expect(validateWatches(committed, [staleSnapshot]).map((anomaly) => anomaly.kind)).toEqual(['mismatch'])
  })

  it('reports out-of-order events', () => {
    const reordered = [prefixEvents[0]!, prefixEvents[4]!, prefixEvents[1]!, prefixEvents[2]!, prefixEvents[3]!, prefixEvents[5]!]
    const anomalies = validateWatches(committed, [prefixWatcher(reordered)])
    expect(anomalies.map((anomaly) => [anomaly.kind, anomaly.revision])).toEqual([
      ['out-of-order', 2],
      ['out-of-order', 4],
      ['out-of-order', 4],
    ])
    expect(anomalies[0]).toMatchObject({ watcher: 'w1', key: 'cfg/b', itemIndex: 2 })
    expect(formatWatchAnomalies(anomalies).split('\n')[0]).toBe('w1: out-of-order at revision 2 key "cfg/b": after revision 5')
  })

  it('reports a gap, including a missing event inside a multi-key revision', () => {
    const withoutRevisionTwo = prefixEvents.filter((event) => event.revision !== 2)
    expect(validateWatches(committed, [prefixWatcher(withoutRevisionTwo)])).toEqual([
      expect.objectContaining({ kind: 'gap', revision: 2, key: 'cfg/b' }),
    ])
    const torn = prefixEvents.filter((event) => !(event.revision === 4 && event.key === 'cfg/b'))
    expect(kinds(prefixWatcher(torn))).toEqual(['gap'])
  })

  it('reports events missing at the tail when the watcher is known to have caught up', () => {
    const early = prefixEvents.slice(0, 4)
    expect(kinds(prefixWatcher(early))).toEqual([])
    expect(kinds(prefixWatcher(early, { caughtUpToRevision: 6 }))).toEqual(['gap', 'gap'])
  })

  it('reports a duplicate', () => {
    const doubled = [...prefixEvents.slice(0, 2), prefixEvents[1]!, ...prefixEvents.slice(2)]
    expect(kinds(prefixWatcher(doubled))).toEqual(['duplicate'])
  })

  it('reports wrong values, versions and types, and events nobody committed', () => {
    const wrongValue = prefixEvents.map((event) => (event.revision === 5 ? { ...event, value: { n: 2 } } : event))
    const anomalies = validateWatches(committed, [prefixWatcher(wrongValue)])
    expect(anomalies).toEqual([expect.objectContaining({ kind: 'mismatch', revision: 5, key: 'cfg/c' })])
    expect(anomalies[0]!.detail).toContain('value')
    const wrongVersion = prefixEvents.map((event) => (event.revision === 1 ? { ...event, version: 2 } : event))
    expect(kinds(prefixWatcher(wrongVersion))).toEqual(['mismatch'])
    const wrongType = prefixEvents.map((event): ObservedWatchEvent => (event.revision === 6 ? { ...event, type: 'put', value: 'x' } : event))
    expect(kinds(prefixWatcher(wrongType))).toEqual(['mismatch'])
    const phantom: ObservedWatchEvent = { type: 'put', key: 'cfg/z', value: 1, version: 1, revision: 5 }
    expect(kinds(prefixWatcher([...prefixEvents.slice(0, 5), phantom, prefixEvents[5]!]))).toEqual(['phantom'])
  })

  it('reports events outside the key range or before the start', () => {
    const foreign: ObservedWatchEvent = asEvent(committed[2]!)
    expect(kinds(prefixWatcher([...prefixEvents.slice(0, 2), foreign, ...prefixEvents.slice(2)]))).toEqual(['outside-range'])
    const late = prefixWatcher(prefixEvents, { start: { kind: 'fromRevision', revision: 4 } })
    expect(kinds(late)).toEqual(['before-start', 'before-start'])
  })

  it('reports a skip across a reconnect', () => {
    const skipped = [...prefixEvents.slice(0, 2), watchReconnect, ...prefixEvents.slice(4)]
    const anomalies = validateWatches(committed, [prefixWatcher(skipped)])
    expect(anomalies.map((anomaly) => [anomaly.kind, anomaly.revision, anomaly.key])).toEqual([
      ['skip-after-reconnect', 4, 'cfg/a'],
      ['skip-after-reconnect', 4, 'cfg/b'],
    ])
  })

  it('reports a repeat across a reconnect', () => {
    const repeated = [...prefixEvents.slice(0, 4), watchReconnect, ...prefixEvents.slice(2)]
    expect(kinds(prefixWatcher(repeated))).toEqual(['repeat-after-reconnect', 'repeat-after-reconnect'])
  })

  it('bounds the anomalies reported per watcher', () => {
    const chaos = Array.from({ length: 50 }, () => prefixEvents[0]!)
    expect(validateWatches(committed, [prefixWatcher(chaos)], { anomaliesPerWatcherMax: 5 })).toHaveLength(5)
  })
})
