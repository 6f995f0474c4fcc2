import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { arenaChunkBytes, arenaLargeValueBytes, ValueArena, type ArenaSlot } from '../src/machine/arena.js'

function slot(): ArenaSlot {
  return { chunk: null, offset: 0, length: 0 }
}

/** Bytes that identify their writer: a seed pattern of the given length. */
function pattern(seed: number, length: number): Uint8Array {
  const bytes = new Uint8Array(length)
  for (let index = 0; index < length; index++) bytes[index] = (seed * 31 + index * 7) & 0xff
  return bytes
}

function same(a: Uint8Array, b: Uint8Array): boolean {
  return a.length === b.length && a.every((byte, index) => byte === b[index])
}

/** Value sizes from tiny to beyond the large-value threshold (own chunk). */
const length = fc.oneof(
  { weight: 20, arbitrary: fc.integer({ min: 1, max: 300 }) },
  { weight: 4, arbitrary: fc.integer({ min: 300, max: 20_000 }) },
  { weight: 1, arbitrary: fc.integer({ min: arenaLargeValueBytes - 2, max: arenaLargeValueBytes + 5000 }) },
)

describe('ValueArena', () => {
  it('keeps every live value intact through heavy overwrite/free churn and compaction; bytesLive is exact', () => {
    fc.assert(
      fc.property(
        fc.array(fc.oneof({ weight: 4, arbitrary: fc.record({ write: fc.nat(40), length }) }, { weight: 1, arbitrary: fc.record({ free: fc.nat(40) }) }), {
          minLength: 500,
          maxLength: 2000,
        }),
        (operations) => {
          const arena = new ValueArena()
          const slots = Array.from({ length: 41 }, slot)
          const expected = new Map<number, Uint8Array>()
          /** Views taken earlier stay valid: chunks are never written twice. */
          const views: [Uint8Array, Uint8Array][] = []
          for (const [step, operation] of operations.entries()) {
            if ('write' in operation) {
              const target = slots[operation.write]!
              arena.free(target)
              const bytes = pattern(step, operation.length)
              arena.store(target, bytes)
              bytes.fill(0) // the arena copied them
              expected.set(operation.write, pattern(step, operation.length))
              if (step % 50 === 0) views.push([arena.view(target), pattern(step, operation.length)])
            } else {
              arena.free(slots[operation.free]!)
              expected.delete(operation.free)
            }
            let live = 0
            for (const [index, bytes] of expected) {
              // Every value at every 16th step (each step would be slow with the large ones): enough to
              // catch any compaction that moved or lost a value.
              if (step % 16 === 0 || step === operations.length - 1) expect(same(arena.view(slots[index]!), bytes), `slot ${index} after step ${step}`).toBe(true)
              live += bytes.length
            }
            expect(arena.bytesLive).toBe(live)
            expect(arena.bytesAllocated).toBeGreaterThanOrEqual(arena.bytesLive)
          }
          for (const [view, bytes] of views) expect(same(view, bytes)).toBe(true)
        },
      ),
      { numRuns: 12, endOnFailure: true },
    )
  })

  it('copy() is a copy and view() of an empty slot is an assertion', () => {
    const arena = new ValueArena()
    const target = slot()
    arena.store(target, pattern(1, 10))
    const copy = arena.copy(target)
    copy.fill(0)
    expect(same(arena.view(target), pattern(1, 10))).toBe(true)
    arena.free(target)
    expect(target.chunk).toBeNull()
    expect(arena.bytesLive).toBe(0)
    expect(() => arena.view(target)).toThrow(/assertion/)
    arena.free(target) // freeing an empty slot is a no-op
    expect(arena.bytesLive).toBe(0)
  })

  it('gives large values their own chunk and returns it when freed', () => {
    const arena = new ValueArena()
    const base = arena.bytesAllocated
    const big = slot()
    arena.store(big, pattern(2, arenaLargeValueBytes + 10))
    expect(arena.bytesAllocated).toBe(base + arenaLargeValueBytes + 10)
    arena.free(big)
    expect(arena.bytesAllocated).toBe(base)
  })

  it('releases chunks whose values were all overwritten', () => {
    const arena = new ValueArena()
    const hot = slot()
    // ~5 chunks' worth of writes to one slot: only its latest value is live.
    for (let index = 0; index < (5 * arenaChunkBytes) / 1000; index++) {
      arena.free(hot)
      arena.store(hot, pattern(index, 1000))
    }
    expect(arena.bytesLive).toBe(1000)
    expect(arena.bytesAllocated).toBeLessThanOrEqual(2 * arenaChunkBytes)
  })

  it('stays within ~4x of live bytes (plus the chunk being filled) when cold values sit between hot overwrites', () => {
    // One cold value per chunk, the rest of each chunk filled by overwrites of a hot key: without
    // compacting a chunk when it stops being the current one, each chunk stays pinned by its one
    // cold value (100 bytes holding 1 MiB).
    const arena = new ValueArena()
    const hot = slot()
    const colds: ArenaSlot[] = []
    for (let round = 0; round < 40; round++) {
      const cold = slot()
      arena.store(cold, pattern(round, 100))
      colds.push(cold)
      for (let index = 0; index < arenaChunkBytes / 1000 + 1; index++) {
        arena.free(hot)
        arena.store(hot, pattern(index, 1000))
      }
    }
    expect(arena.bytesLive).toBe(40 * 100 + 1000)
    expect(arena.bytesAllocated).toBeLessThanOrEqual(4 * arena.bytesLive + 2 * arenaChunkBytes)
    colds.forEach((cold, round) => expect(same(arena.view(cold), pattern(round, 100))).toBe(true))
  })
})
