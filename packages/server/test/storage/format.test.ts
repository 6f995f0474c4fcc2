import { describe, expect, it } from 'vitest'
import { crc32, crc32Portable } from '../../src/storage/crc32.js'
import { TermRuns } from '../../src/storage/term-runs.js'
import { decodeFrameBody, FRAME_HEADER_BYTES, FrameBuilder, parseFrameHeader, type WalRecord } from '../../src/storage/wal-format.js'
import { makeEntry, seededRandom } from './support.js'

describe('crc32', () => {
  it('matches the IEEE check value, and the table matches zlib on random data and chained calls', () => {
    const check = new TextEncoder().encode('123456789')
    expect(crc32(check)).toBe(0xcbf43926)
    expect(crc32Portable(check)).toBe(0xcbf43926)
    const random = seededRandom(7)
    for (let round = 0; round < 50; round++) {
      const data = Uint8Array.from({ length: random(3000) }, () => random(256))
      const split = random(data.length + 1)
      expect(crc32Portable(data)).toBe(crc32(data))
      expect(crc32Portable(data.subarray(split), crc32Portable(data.subarray(0, split)))).toBe(crc32(data))
    }
  })
})

describe('frames', () => {
  it('round-trips every record kind, with offsets, and checksums its header', () => {
    const frame = new FrameBuilder(16)
    frame.addSegmentHeader(2 ** 40 + 3)
    const entries = [makeEntry(2 ** 52, 2 ** 33), makeEntry(5, 1, 0), makeEntry(7, 1, 10_000)]
    for (const entry of entries) frame.addEntry(entry)
    frame.addHardState({ term: 9, vote: 'nœud-1', commit: 2 ** 45 })
    frame.addHardState({ term: 9, vote: undefined, commit: 3 })
    frame.addLogReset(44, 4)
    expect(frame.firstEntryIndex).toBe(2 ** 52)
    expect(frame.maxEntryIndex).toBe(2 ** 52)
    expect(frame.logLastIndex).toBe(44)
    const bytes = frame.seal()
    const header = parseFrameHeader(bytes.subarray(0, FRAME_HEADER_BYTES))
    expect(header).toEqual({ ok: true, bodyBytes: bytes.length - FRAME_HEADER_BYTES, bodyCrc: crc32(bytes.subarray(FRAME_HEADER_BYTES)) })
    const records: [WalRecord, number][] = []
    decodeFrameBody(bytes.subarray(FRAME_HEADER_BYTES), (record, offset) => records.push([record, offset]))
    expect(records.map(([record]) => record)).toEqual([
      { kind: 'segmentHeader', version: 1, firstIndex: 2 ** 40 + 3 },
      ...entries.map((entry) => ({ kind: 'entry', entry })),
      { kind: 'hardState', hardState: { term: 9, vote: 'nœud-1', commit: 2 ** 45 } },
      { kind: 'hardState', hardState: { term: 9, vote: undefined, commit: 3 } },
      { kind: 'logReset', index: 44, term: 4 },
    ])
    expect(records.map(([, offset]) => offset).slice(0, 3)).toEqual([0, 21, 21 + 22 + 24])
    const damaged = Buffer.from(bytes)
    damaged[1] = damaged[1]! ^ 1
    expect(parseFrameHeader(damaged)).toEqual({ ok: false, reason: 'frame header checksum mismatch' })
  })
})

describe('TermRuns', () => {
  it('answers terms after appends, truncations, compaction and resets, like an array of terms', () => {
    const random = seededRandom(3)
    const runs = new TermRuns()
    runs.reset(0, 0)
    let model: number[] = [0]
    let first = 0
    let term = 1
    for (let step = 0; step < 2000; step++) {
      const last = first + model.length - 1
      const choice = random(10)
      if (choice < 6) {
        const index = Math.max(first + 1, last + 1 - random(3))
        if (random(4) === 0) term++
        model = model.slice(0, index - first).concat([term])
        runs.append(index, term)
      } else if (choice < 8 && last > first) {
        const index = first + 1 + random(last - first)
        model = model.slice(index - first)
        first = index
        runs.compactTo(index)
      } else if (choice === 8) {
        first = last + random(5)
        term++
        model = [term]
        runs.reset(first, term)
      }
      expect([runs.firstIndex(), runs.lastIndex()]).toEqual([first, first + model.length - 1])
      const probe = first - 1 + random(model.length + 2)
      expect(runs.termAt(probe)).toBe(model[probe - first])
    }
  })
})
