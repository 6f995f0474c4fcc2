import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { ClustronError } from '../src/errors.js'
import { ManualClock } from '../src/inproc/manual-clock.js'

describe('ManualClock', () => {
  it('starts at the given time and moves only when told', () => {
    const clock = new ManualClock(5_000)
    expect(clock.now()).toBe(5_000)
    clock.advance(250)
    expect(clock.now()).toBe(5_250)
    clock.set(6_000)
    expect(clock.now()).toBe(6_000)
    clock.set(1_000) // never backwards
    expect(clock.now()).toBe(6_000)
    expect(new ManualClock().now()).toBe(1_700_000_000_000)
  })

  it('fires due timers in deadline order, ties in scheduling order, with now() at each deadline', () => {
    const clock = new ManualClock(0)
    const fired: string[] = []
    const at = (label: string) => () => fired.push(`${label}@${clock.now()}`)
    clock.setTimer(30, at('c'))
    clock.setTimer(10, at('a1'))
    clock.setTimer(20, at('b'))
    clock.setTimer(10, at('a2'))
    clock.setTimer(31, at('late'))
    clock.advance(30)
    expect(fired).toEqual(['a1@10', 'a2@10', 'b@20', 'c@30'])
    expect(clock.now()).toBe(30)
    expect(clock.pending).toBe(1)
    clock.advance(1)
    expect(fired.at(-1)).toBe('late@31')
    expect(clock.pending).toBe(0)
  })

  it('fires timers scheduled during advance when they fall due within it, and not the others', () => {
    const clock = new ManualClock(0)
    const fired: string[] = []
    clock.setTimer(10, () => {
      fired.push(`first@${clock.now()}`)
      clock.setTimer(0, () => fired.push(`zero@${clock.now()}`))
      clock.setTimer(5, () => {
        fired.push(`chained@${clock.now()}`)
        clock.setTimer(100, () => fired.push(`beyond@${clock.now()}`))
      })
    })
    clock.setTimer(12, () => fired.push(`other@${clock.now()}`))
    clock.advance(50)
    expect(fired).toEqual(['first@10', 'zero@10', 'other@12', 'chained@15'])
    expect(clock.now()).toBe(50)
    expect(clock.pending).toBe(1)
    clock.advance(65)
    expect(fired.at(-1)).toBe('beyond@115')
  })

  it('does not fire cancelled timers; negative delays fire at once', () => {
    const clock = new ManualClock(0)
    const fired: string[] = []
    const timer = clock.setTimer(10, () => fired.push('cancelled'))
    clock.setTimer(-5, () => fired.push(`negative@${clock.now()}`))
    const cancelsLater = clock.setTimer(20, () => fired.push('cancelled by a timer'))
    clock.setTimer(15, () => cancelsLater.cancel())
    timer.cancel()
    expect(clock.pending).toBe(3)
    clock.advance(0)
    expect(fired).toEqual(['negative@0'])
    clock.advance(100)
    expect(fired).toEqual(['negative@0'])
    expect(clock.pending).toBe(0)
  })

  it('rejects negative and non-finite advances with INVALID_ARGUMENT', () => {
    const clock = new ManualClock(0)
    for (const ms of [-1, Number.NaN, Number.POSITIVE_INFINITY]) {
      expect(() => clock.advance(ms)).toThrow(ClustronError)
      expect(() => clock.advance(ms)).toThrow(expect.objectContaining({ code: 'INVALID_ARGUMENT' }))
    }
    expect(clock.now()).toBe(0)
  })

  it('fires any set of timers in (deadline, scheduling order), however the advances are split', () => {
    fc.assert(
      fc.property(fc.array(fc.integer({ min: 0, max: 100 }), { maxLength: 40 }), fc.array(fc.integer({ min: 0, max: 40 }), { maxLength: 10 }), (delays, steps) => {
        const clock = new ManualClock(0)
        const fired: number[] = []
        delays.forEach((delay, index) => clock.setTimer(delay, () => fired.push(index)))
        for (const step of steps) clock.advance(step)
        clock.advance(100)
        const expected = delays.map((delay, index) => ({ delay, index })).sort((a, b) => a.delay - b.delay || a.index - b.index)
        expect(fired).toEqual(expected.map((item) => item.index))
      }),
    )
  })
})
