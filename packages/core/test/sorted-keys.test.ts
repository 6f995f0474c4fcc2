import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { SortedKeys } from '../src/machine/sorted-keys.js'
import { compareUtf8Bytes, wellFormed } from './support/strings.js'

/** The reference: a plain array kept sorted by UTF-8 bytes, scanned linearly. */
class SortedArray {
  keys: string[] = []

  insert(key: string): boolean {
    if (this.keys.includes(key)) return false
    let index = 0
    while (index < this.keys.length && compareUtf8Bytes(this.keys[index]!, key) < 0) index++
    this.keys.splice(index, 0, key)
    return true
  }

  remove(key: string): boolean {
    const before = this.keys.length
    this.keys = this.keys.filter((item) => item !== key)
    return this.keys.length !== before
  }

  range(start: string, end: string | undefined): string[] {
    return this.keys.filter((key) => compareUtf8Bytes(key, start) >= 0 && (end === undefined || compareUtf8Bytes(key, end) < 0))
  }
}

function ascending(sorted: SortedKeys, start: string, end: string | undefined, stopAfter = Infinity): string[] {
  const keys: string[] = []
  sorted.forEachAscending(start, end, (key) => {
    keys.push(key)
    return keys.length < stopAfter
  })
  return keys
}

function descending(sorted: SortedKeys, start: string, end: string | undefined, stopAfter = Infinity): string[] {
  const keys: string[] = []
  sorted.forEachDescending(start, end, (key) => {
    keys.push(key)
    return keys.length < stopAfter
  })
  return keys
}

/** Every range question, against the reference. */
function checkRange(sorted: SortedKeys, reference: SortedArray, start: string, end: string | undefined, stopAfter: number): void {
  const expected = reference.range(start, end)
  const where = `[${JSON.stringify(start)}, ${JSON.stringify(end)})`
  expect(ascending(sorted, start, end), where).toEqual(expected)
  expect(descending(sorted, start, end), where).toEqual([...expected].reverse())
  expect(sorted.countRange(start, end), where).toBe(expected.length)
  expect(ascending(sorted, start, end, stopAfter), where).toEqual(expected.slice(0, stopAfter))
  expect(descending(sorted, start, end, stopAfter), where).toEqual([...expected].reverse().slice(0, stopAfter))
}

type Operation = { insert: string } | { remove: string } | { range: [string, string | undefined]; stopAfter: number }

const key = wellFormed({ minLength: 1, maxLength: 3 })
const operation: fc.Arbitrary<Operation> = fc.oneof(
  { weight: 5, arbitrary: key.map((value) => ({ insert: value })) },
  { weight: 3, arbitrary: key.map((value) => ({ remove: value })) },
  {
    weight: 2,
    arbitrary: fc.record({ range: fc.tuple(wellFormed({ maxLength: 2 }), fc.option(wellFormed({ maxLength: 2 }), { nil: undefined })), stopAfter: fc.integer({ min: 1, max: 5 }) }),
  },
)

function run(operations: Operation[], sorted: SortedKeys, reference: SortedArray): void {
  for (const item of operations) {
    if ('insert' in item) expect(sorted.insert(item.insert)).toBe(reference.insert(item.insert))
    else if ('remove' in item) expect(sorted.remove(item.remove)).toBe(reference.remove(item.remove))
    else checkRange(sorted, reference, item.range[0], item.range[1], item.stopAfter)
    expect(sorted.size).toBe(reference.keys.length)
  }
}

describe('SortedKeys against a sorted array', () => {
  it('agrees on inserts, removes, has, and ranges in both directions with early stops (small sets)', () => {
    fc.assert(
      fc.property(fc.array(operation, { maxLength: 200, size: 'max' }), (operations) => {
        const sorted = new SortedKeys()
        const reference = new SortedArray()
        run(operations, sorted, reference)
        expect(ascending(sorted, '', undefined)).toEqual(reference.keys)
        for (const item of reference.keys) expect(sorted.has(item)).toBe(true)
      }),
      { numRuns: 300 },
    )
  })

  it('agrees across leaf splits and emptied leaves (thousands of keys)', () => {
    fc.assert(
      fc.property(
        fc.uniqueArray(wellFormed({ minLength: 1, maxLength: 5 }), { minLength: 3000, maxLength: 4000 }),
        fc.array(operation, { minLength: 200, maxLength: 400 }),
        fc.integer({ min: 0, max: 100 }),
        (keys, operations, removePercent) => {
          const sorted = new SortedKeys()
          const reference = new SortedArray()
          for (const item of keys) expect(sorted.insert(item)).toBe(true)
          reference.keys = [...keys].sort(compareUtf8Bytes)
          expect(ascending(sorted, '', undefined)).toEqual(reference.keys)
          // Remove a contiguous block (empties whole leaves) and a scattered share.
          const block = reference.keys.slice(100, 1700)
          const scattered = reference.keys.filter((_, index) => index % 100 < removePercent)
          for (const item of [...block, ...scattered]) expect(sorted.remove(item)).toBe(reference.remove(item))
          run(operations, sorted, reference)
          expect(ascending(sorted, '', undefined)).toEqual(reference.keys)
          expect(descending(sorted, '', undefined)).toEqual([...reference.keys].reverse())
          for (const [start, end] of [
            ['', undefined],
            [reference.keys[5] ?? 'a', reference.keys[900] ?? undefined],
            [reference.keys[900] ?? 'a', undefined],
          ] as const) {
            checkRange(sorted, reference, start, end, 7)
          }
        },
      ),
      // No shrinking: shrinking thousands of keys takes minutes; the seed replays the failure.
      { numRuns: 5, endOnFailure: true },
    )
  })

  it('counts an inverted range as empty, like list and clear see it', () => {
    const sorted = new SortedKeys()
    for (const item of ['a', 'b', 'c', 'd']) sorted.insert(item)
    expect(ascending(sorted, 'c', 'b')).toEqual([])
    expect(descending(sorted, 'c', 'b')).toEqual([])
    expect(sorted.countRange('c', 'b')).toBe(0)
    expect(sorted.countRange('b', 'd')).toBe(2)
    expect(sorted.countRange('', undefined)).toBe(4)
  })

  it('handles an empty set and clear()', () => {
    const sorted = new SortedKeys()
    expect(ascending(sorted, '', undefined)).toEqual([])
    expect(descending(sorted, '', 'z')).toEqual([])
    expect(sorted.countRange('a', 'z')).toBe(0)
    expect(sorted.remove('a')).toBe(false)
    expect(sorted.has('a')).toBe(false)
    for (let index = 0; index < 3000; index++) sorted.insert(`k${index}`)
    sorted.clear()
    expect(sorted.size).toBe(0)
    expect(ascending(sorted, '', undefined)).toEqual([])
    expect(sorted.insert('x')).toBe(true)
    expect(ascending(sorted, '', undefined)).toEqual(['x'])
  })
})
