import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { ClustronError } from '../src/errors.js'
import { WatchHistory, type HistoryBatch, type HistoryBounds } from '../src/machine/history.js'
import type { RawWatchEvent } from '../src/machine/types.js'

function events(revision: number, count: number, valueBytes = 1): RawWatchEvent[] {
  return Array.from({ length: count }, (_, index) => ({ type: 'put', key: `k${index}`, value: new Uint8Array(valueBytes), version: 1, revision }))
}

/** The size the history charges an event (mirrors its documented estimate, for the byte bound). */
function eventBytes(event: RawWatchEvent): number {
  return 64 + event.key.length + (event.value?.length ?? 0) + (event.prev === undefined ? 0 : 48 + event.prev.value.length)
}

/** The naive reference: keep every batch, drop from the front until the bounds hold. */
class ReferenceHistory {
  batches: HistoryBatch[] = []
  compactRevision = 0

  constructor(readonly bounds: HistoryBounds) {}

  append(revision: number, batch: RawWatchEvent[]): void {
    if (batch.length > 0) this.batches.push({ revision, events: batch })
    this.compactTo(Math.max(this.compactRevision, revision - this.bounds.revisions))
    const total = () => this.batches.flatMap((item) => item.events)
    while (this.batches.length > 0 && (total().length > this.bounds.events || total().reduce((sum, event) => sum + eventBytes(event), 0) > this.bounds.bytes)) {
      this.compactTo(this.batches[0]!.revision)
    }
  }

  compactTo(revision: number): void {
    this.compactRevision = revision
    this.batches = this.batches.filter((batch) => batch.revision > revision)
  }

  since(revision: number): RawWatchEvent[] | 'compacted' {
    if (revision <= this.compactRevision) return 'compacted'
    return this.batches.filter((batch) => batch.revision >= revision).flatMap((batch) => batch.events)
  }
}

function since(history: WatchHistory, revision: number): RawWatchEvent[] | 'compacted' {
  try {
    return history.since(revision)
  } catch (error) {
    if (error instanceof ClustronError && error.code === 'COMPACTED') {
      expect(error.details.compactRevision).toBe(history.compactRevision)
      return 'compacted'
    }
    throw error
  }
}

describe('WatchHistory', () => {
  it('retains exactly what its revision, event and byte bounds allow (against a naive list)', () => {
    fc.assert(
      fc.property(
        fc.record({ revisions: fc.integer({ min: 1, max: 8 }), events: fc.integer({ min: 1, max: 12 }), bytes: fc.integer({ min: 100, max: 2000 }) }),
        fc.array(fc.record({ count: fc.integer({ min: 0, max: 5 }), valueBytes: fc.integer({ min: 0, max: 200 }) }), { maxLength: 60, size: 'max' }),
        fc.array(fc.integer({ min: 0, max: 70 }), { minLength: 5, maxLength: 5 }),
        (bounds, appends, probes) => {
          const history = new WatchHistory(bounds)
          const reference = new ReferenceHistory(bounds)
          appends.forEach(({ count, valueBytes }, index) => {
            const revision = index + 1
            const batch = events(revision, count, valueBytes)
            history.append(revision, batch)
            reference.append(revision, batch)
            expect(history.compactRevision).toBe(reference.compactRevision)
            expect(history.eventCount).toBe(reference.batches.reduce((sum, item) => sum + item.events.length, 0))
            expect(history.batches()).toEqual(reference.batches)
            for (const probe of [...probes, revision, revision + 1, reference.compactRevision, reference.compactRevision + 1]) {
              expect(since(history, probe), `since(${probe}) at revision ${revision}`).toEqual(reference.since(probe))
            }
          })
        },
      ),
      { numRuns: 300 },
    )
  })

  it('keeps its bounds over thousands of revisions (the consumed head is reclaimed) and restores exactly', () => {
    const history = new WatchHistory({ revisions: 10, events: 1_000, bytes: 1 << 20 })
    for (let revision = 1; revision <= 5_000; revision++) history.append(revision, revision % 3 === 0 ? [] : events(revision, 2))
    expect(history.compactRevision).toBe(4_990)
    const retained = Array.from({ length: 10 }, (_, index) => 4_991 + index).filter((revision) => revision % 3 !== 0)
    expect(history.batches().map((batch) => batch.revision)).toEqual(retained)
    expect(history.since(4_995).map((event) => event.revision)).toEqual(retained.filter((revision) => revision >= 4_995).flatMap((revision) => [revision, revision]))
    expect(since(history, 4_990)).toBe('compacted')

    const copy = new WatchHistory(history.bounds)
    copy.restore(history.compactRevision, history.batches())
    expect(copy.compactRevision).toBe(history.compactRevision)
    expect(copy.eventCount).toBe(history.eventCount)
    expect(copy.since(4_991)).toEqual(history.since(4_991))
    copy.append(5_001, events(5_001, 1))
    expect(copy.compactRevision).toBe(4_991)
  })

  it('compacts a revision too large for the event bound as a whole', () => {
    const history = new WatchHistory({ revisions: 100, events: 3, bytes: 1 << 20 })
    history.append(1, events(1, 2))
    history.append(2, events(2, 5))
    expect(history.compactRevision).toBe(2)
    expect(history.eventCount).toBe(0)
    expect(since(history, 2)).toBe('compacted')
    expect(history.since(3)).toEqual([])
  })
})
