import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { DeadlineHeap, type Deadline } from '../src/machine/deadlines.js'

type Operation = { push: number; id: number } | { pop: true } | { rebuild: number }

describe('DeadlineHeap', () => {
  it('pops in deadline order against a sorted list (pushes, pops, rebuilds from arbitrary arrays)', () => {
    const operation: fc.Arbitrary<Operation> = fc.oneof(
      { weight: 5, arbitrary: fc.record({ push: fc.integer({ min: 0, max: 50 }), id: fc.nat(1000) }) },
      { weight: 3, arbitrary: fc.constant({ pop: true as const }) },
      { weight: 1, arbitrary: fc.record({ rebuild: fc.nat(1_000_000) }) },
    )
    fc.assert(
      fc.property(fc.array(operation, { maxLength: 400, size: 'max' }), (operations) => {
        const heap = new DeadlineHeap()
        let reference: Deadline[] = []
        for (const item of operations) {
          if ('push' in item) {
            heap.push(item.push, item.id % 2 === 0 ? 'key' : 'lease', String(item.id))
            reference.push({ at: item.push, kind: item.id % 2 === 0 ? 'key' : 'lease', id: String(item.id) })
          } else if ('pop' in item) {
            const minimum = Math.min(...reference.map((deadline) => deadline.at))
            const popped = heap.pop()
            if (reference.length === 0) {
              expect(popped).toBeUndefined()
              continue
            }
            expect(popped!.at).toBe(minimum)
            // Ties may come out in any order, but the popped one must be one of them.
            const index = reference.findIndex((deadline) => deadline.at === popped!.at && deadline.id === popped!.id && deadline.kind === popped!.kind)
            expect(index).toBeGreaterThanOrEqual(0)
            reference.splice(index, 1)
          } else {
            // Rebuild from the live entries in a scrambled order (as the machine does from its sets).
            const scrambled = [...reference].sort((a, b) => ((a.at * 7919 + item.rebuild) % 101) - ((b.at * 7919 + item.rebuild) % 101))
            heap.rebuild(scrambled.map((deadline) => ({ ...deadline })))
            reference = scrambled
          }
          expect(heap.size).toBe(reference.length)
          expect(heap.peek()?.at).toBe(reference.length === 0 ? undefined : Math.min(...reference.map((deadline) => deadline.at)))
        }
        const drained: number[] = []
        for (let next = heap.pop(); next !== undefined; next = heap.pop()) drained.push(next.at)
        expect(drained).toEqual(reference.map((deadline) => deadline.at).sort((a, b) => a - b))
      }),
      { numRuns: 150 },
    )
  })

  it('clear() empties it', () => {
    const heap = new DeadlineHeap()
    heap.push(5, 'key', 'a')
    heap.push(3, 'lease', '1')
    heap.clear()
    expect(heap.size).toBe(0)
    expect(heap.peek()).toBeUndefined()
    expect(heap.pop()).toBeUndefined()
  })
})
