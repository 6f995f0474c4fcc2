/**
 * Test support for the checker: history builders, and a way to turn a sequential run into a
 * concurrent history that keeps that run as a valid linearization.
 */
import { unknownOutput, type Operation, type UnknownOutput } from '../../src/checker/index.js'

/** Shorthand for hand-written histories: client, call, return, input, output. */
export function operation<I, O>(clientId: number, call: number, returnTime: number, input: I, output: O): Operation<I, O> {
  return { clientId, call, return: returnTime, input, output }
}

/** An operation whose outcome the client never learned. */
export function unknownOperation<I, O>(clientId: number, call: number, input: I): Operation<I, O> {
  return { clientId, call, return: Infinity, input, output: unknownOutput }
}

/** mulberry32, so generated histories replay from their seed. */
export function seededRandom(seed: number): () => number {
  let state = seed >>> 0
  return () => {
    state = (state + 0x6d2b79f5) >>> 0
    let mixed = state
    mixed = Math.imul(mixed ^ (mixed >>> 15), mixed | 1)
    mixed ^= mixed + Math.imul(mixed ^ (mixed >>> 7), mixed | 61)
    return ((mixed ^ (mixed >>> 14)) >>> 0) / 4294967296
  }
}

export interface Sequenced<I, O> {
  clientId: number
  input: I
  output: O | UnknownOutput
}

/**
 * Gives each operation of a sequential run an interval around its linearization point (10·(i+1))
 * that stays inside its client's previous return and next point. The run's order is then always a
 * valid linearization, while `widen` ∈ [0, 1] controls how much operations overlap.
 */
export function spreadIntervals<I, O>(sequence: readonly Sequenced<I, O>[], random: () => number, widen = 1): Operation<I, O>[] {
  const pointOf = (index: number): number => 10 * (index + 1)
  const nextPointOfClient = new Map<number, number>()
  const nextPoints = new Array<number>(sequence.length)
  for (let index = sequence.length - 1; index >= 0; index--) {
    const clientId = sequence[index]!.clientId
    nextPoints[index] = nextPointOfClient.get(clientId) ?? pointOf(index) + 10 * sequence.length * widen
    nextPointOfClient.set(clientId, pointOf(index))
  }
  const lastReturnOfClient = new Map<number, number>()
  return sequence.map((step, index) => {
    const point = pointOf(index)
    const lastReturn = lastReturnOfClient.get(step.clientId) ?? 0
    const call = point - random() * widen * (point - lastReturn)
    const returnTime = point + random() * widen * (nextPoints[index]! - point) * 0.99
    lastReturnOfClient.set(step.clientId, returnTime)
    return { clientId: step.clientId, input: step.input, output: step.output, call, return: returnTime }
  })
}
