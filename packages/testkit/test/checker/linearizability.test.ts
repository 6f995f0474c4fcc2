import { describe, expect, it } from 'vitest'
import {
  checkOperations,
  createKvRegisterModel,
  isUnknownOutput,
  unknownOutput,
  type KvInput,
  type KvOutput,
  type Model,
  type Operation,
} from '../../src/checker/index.js'
import { operation, unknownOperation } from './support.js'

type KvOperation = Operation<KvInput, KvOutput>
const kv = createKvRegisterModel()

const put = (key: string, value: unknown, extra: Partial<Extract<KvInput, { type: 'put' }>> = {}): KvInput => ({ type: 'put', key, value, ...extra })
const get = (key: string): KvInput => ({ type: 'get', key })
const entry = (value: unknown, version: number): KvOutput => ({ entry: { value, version } })
const written = (version: number): KvOutput => ({ ok: true, version })

describe('checkOperations with the kv register model', () => {
  it('accepts an empty history', () => {
    expect(checkOperations(kv, []).result).toBe('ok')
  })

  it('accepts a sequential history and returns the linearization', () => {
    const history: KvOperation[] = [
      operation(0, 0, 10, put('x', 'a'), written(1)),
      operation(1, 20, 30, get('x'), entry('a', 1)),
      operation(0, 40, 50, { type: 'delete', key: 'x' }, { deleted: true }),
      operation(1, 60, 70, get('x'), { entry: undefined }),
      operation(0, 80, 90, put('x', 'b'), written(1)),
    ]
    const result = checkOperations(kv, history)
    expect(result.result).toBe('ok')
    expect(result.partitions[0]!.linearization.map((step) => step.operation)).toEqual([0, 1, 2, 3, 4])
  })

  it('rejects a stale read', () => {
    const history: KvOperation[] = [
      operation(0, 0, 10, put('x', 1), written(1)),
      operation(0, 20, 30, put('x', 2), written(2)),
      operation(1, 40, 50, get('x'), entry(1, 1)),
    ]
    const result = checkOperations(kv, history)
    expect(result.result).toBe('illegal')
    expect(result.partitions[0]!.failingOperation).toBe(2)
    expect(result.partitions[0]!.linearization).toHaveLength(2)
  })

  it('rejects a lost update: two CAS from the same version both succeeding', () => {
    const history: KvOperation[] = [
      operation(0, 0, 10, put('x', 0), written(1)),
      operation(1, 20, 40, put('x', 'from-1', { ifVersion: 1 }), written(2)),
      operation(2, 21, 41, put('x', 'from-2', { ifVersion: 1 }), written(2)),
    ]
    expect(checkOperations(kv, history).result).toBe('illegal')
  })

  it('rejects a read of a value never written', () => {
    const history: KvOperation[] = [
      operation(0, 0, 100, put('x', 'a'), written(1)),
      operation(1, 0, 100, get('x'), entry('zzz', 1)),
    ]
    expect(checkOperations(kv, history).result).toBe('illegal')
  })

  it('rejects a read that sees a write before the write was called', () => {
    const history: KvOperation[] = [
      operation(1, 0, 10, get('x'), entry('a', 1)),
      operation(0, 20, 30, put('x', 'a'), written(1)),
    ]
    expect(checkOperations(kv, history).result).toBe('illegal')
  })

  it('accepts either order for concurrent operations', () => {
    const seesOld: KvOperation[] = [
      operation(0, 0, 10, put('x', 'a'), written(1)),
      operation(0, 20, 50, put('x', 'b'), written(2)),
      operation(1, 30, 40, get('x'), entry('a', 1)),
    ]
    const seesNew: KvOperation[] = [seesOld[0]!, seesOld[1]!, operation(1, 30, 40, get('x'), entry('b', 2))]
    expect(checkOperations(kv, seesOld).result).toBe('ok')
    expect(checkOperations(kv, seesNew).result).toBe('ok')
  })

  it('treats touching intervals as concurrent (closed intervals)', () => {
    const history: KvOperation[] = [
      operation(0, 0, 10, put('x', 'a'), written(1)),
      operation(1, 10, 20, get('x'), { entry: undefined }),
    ]
    expect(checkOperations(kv, history).result).toBe('ok')
  })

  it('rejects a CAS result with the wrong reason and checks `current`', () => {
    const base = operation(0, 0, 10, put('x', 'a'), written(1))
    const wrongReason = operation(1, 20, 30, put('x', 'b', { ifVersion: 7 }), { ok: false, reason: 'missing' } as KvOutput)
    const wrongCurrent = operation(1, 20, 30, put('x', 'b', { ifVersion: 7 }), {
      ok: false,
      reason: 'version-mismatch',
      current: { value: 'other', version: 1 },
    } as KvOutput)
    const right = operation(1, 20, 30, put('x', 'b', { ifVersion: 7 }), {
      ok: false,
      reason: 'version-mismatch',
      current: { value: 'a', version: 1 },
    } as KvOutput)
    expect(checkOperations(kv, [base, wrongReason]).result).toBe('illegal')
    expect(checkOperations(kv, [base, wrongCurrent]).result).toBe('illegal')
    expect(checkOperations(kv, [base, right]).result).toBe('ok')
  })

  it('checks ifAbsent and ifVersion 0 as "must be absent"', () => {
    const history: KvOperation[] = [
      operation(0, 0, 10, put('x', 'a', { ifAbsent: true }), written(1)),
      operation(1, 20, 30, put('x', 'b', { ifAbsent: true }), { ok: false, reason: 'exists', current: { value: 'a', version: 1 } }),
      operation(1, 40, 50, put('x', 'c', { ifVersion: 0 }), { ok: false, reason: 'version-mismatch' }),
    ]
    expect(checkOperations(kv, history).result).toBe('ok')
    const doubleCreate: KvOperation[] = [
      operation(0, 0, 10, put('x', 'a', { ifAbsent: true }), written(1)),
      operation(1, 20, 30, put('x', 'b', { ifAbsent: true }), written(1)),
    ]
    expect(checkOperations(kv, doubleCreate).result).toBe('illegal')
  })

  it('restarts versions at 1 after a delete', () => {
    const history: KvOperation[] = [
      operation(0, 0, 10, put('x', 'a'), written(1)),
      operation(0, 20, 30, put('x', 'b'), written(2)),
      operation(0, 40, 50, { type: 'delete', key: 'x', ifVersion: 2 }, { deleted: true }),
      operation(0, 60, 70, put('x', 'c'), written(1)),
    ]
    expect(checkOperations(kv, history).result).toBe('ok')
    const continued = [...history.slice(0, 3), operation(0, 60, 70, put('x', 'c'), written(3))]
    expect(checkOperations(kv, continued).result).toBe('illegal')
  })

  it('checks write revisions grow per key and reads report the last one', () => {
    const history: KvOperation[] = [
      operation(0, 0, 10, put('x', 'a'), { ok: true, version: 1, revision: 5 }),
      operation(0, 20, 30, put('x', 'b'), { ok: true, version: 2, revision: 4 }),
    ]
    expect(checkOperations(kv, history).result).toBe('illegal')
    const staleRevision: KvOperation[] = [
      operation(0, 0, 10, put('x', 'a'), { ok: true, version: 1, revision: 5 }),
      operation(1, 20, 30, get('x'), { entry: { value: 'a', version: 1, modRevision: 6 } }),
    ]
    expect(checkOperations(kv, staleRevision).result).toBe('illegal')
  })
})

describe('unknown outcomes', () => {
  it('accepts an unknown write that took effect', () => {
    const history: KvOperation[] = [
      operation(0, 0, 10, put('x', 'a'), written(1)),
      unknownOperation(1, 20, put('x', 'b')),
      operation(2, 100, 110, get('x'), entry('b', 2)),
    ]
    expect(checkOperations(kv, history).result).toBe('ok')
  })

  it('accepts an unknown write that never took effect', () => {
    const history: KvOperation[] = [
      operation(0, 0, 10, put('x', 'a'), written(1)),
      unknownOperation(1, 20, put('x', 'b')),
      operation(2, 100, 110, get('x'), entry('a', 1)),
      operation(2, 120, 130, put('x', 'c'), written(2)),
    ]
    const result = checkOperations(kv, history)
    expect(result.result).toBe('ok')
    const omitted = result.partitions[0]!.linearization.filter((step) => step.effect === 'omitted')
    expect(omitted.map((step) => step.operation)).toEqual([1])
  })

  it('accepts an unknown write that takes effect late, between two reads', () => {
    const history: KvOperation[] = [
      unknownOperation(1, 0, put('x', 'late')),
      operation(2, 100, 110, get('x'), { entry: undefined }),
      operation(2, 200, 210, get('x'), entry('late', 1)),
    ]
    expect(checkOperations(kv, history).result).toBe('ok')
  })

  it('treats `output: unknownOutput` with a finite return as unknown too', () => {
    const history: KvOperation[] = [
      { clientId: 1, call: 0, return: 5, input: put('x', 'a'), output: unknownOutput },
      operation(2, 100, 110, get('x'), entry('a', 1)),
    ]
    expect(checkOperations(kv, history).result).toBe('ok')
  })

  it('rejects an unknown write observed before its call', () => {
    const history: KvOperation[] = [
      operation(2, 0, 10, get('x'), entry('b', 1)),
      unknownOperation(1, 20, put('x', 'b')),
    ]
    expect(checkOperations(kv, history).result).toBe('illegal')
  })

  it('rejects an unknown write observed, then unobserved, then observed again', () => {
    const history: KvOperation[] = [
      unknownOperation(1, 0, put('x', 'b')),
      operation(2, 10, 20, get('x'), entry('b', 1)),
      operation(2, 30, 40, get('x'), { entry: undefined }),
    ]
    expect(checkOperations(kv, history).result).toBe('illegal')
  })

  it('requires a read after an unknown write to report a revision above the previous write', () => {
    const history: KvOperation[] = [
      operation(0, 0, 10, put('x', 'a'), { ok: true, version: 1, revision: 3 }),
      unknownOperation(1, 20, put('x', 'b')),
      operation(2, 100, 110, get('x'), { entry: { value: 'b', version: 2, modRevision: 9 } }),
    ]
    expect(checkOperations(kv, history).result).toBe('ok')
    const stale = [...history.slice(0, 2), operation(2, 100, 110, get('x'), { entry: { value: 'b', version: 2, modRevision: 3 } })]
    expect(checkOperations(kv, stale).result).toBe('illegal')
  })
})

describe('search mechanics', () => {
  it('checks partitions independently and reports which one failed', () => {
    const history: KvOperation[] = [
      operation(0, 0, 10, put('a', 1), written(1)),
      operation(0, 20, 30, put('b', 1), written(1)),
      operation(1, 40, 50, get('b'), entry(2, 1)),
      operation(1, 60, 70, get('a'), entry(1, 1)),
    ]
    const result = checkOperations(kv, history)
    expect(result.result).toBe('illegal')
    expect(result.partitions.map((partition) => partition.result)).toEqual(['ok', 'illegal'])
    const failing = result.partitions[1]!
    expect(failing.historyIndices).toEqual([1, 2])
    expect(failing.historyIndices[failing.failingOperation!]).toBe(2)
    expect(failing.diagnosis?.candidates).toEqual([{ operation: 1, reason: 'rejected-by-model' }])
    expect(failing.diagnosis?.operationDescriptions[1]).toBe('get("b") → 2 v1')
  })

  it('handles a 10k-operation partition without recursion (explicit stack)', () => {
    const history: KvOperation[] = []
    for (let index = 0; index < 10_000; index++) {
      const time = index * 10
      history.push(
        index % 2 === 0
          ? operation(index % 4, time, time + 15, put('x', index), written(index / 2 + 1))
          : operation(index % 4, time, time + 15, get('x'), entry(index - 1, (index + 1) / 2)),
      )
    }
    const result = checkOperations(kv, history)
    expect(result.result).toBe('ok')
    expect(result.partitions[0]!.linearization).toHaveLength(10_000)
  })

  it('answers unknown, not illegal, when the time limit runs out', () => {
    // Twenty concurrent writes of unknown outcome and an impossible read: refuting it means trying
    // every subset and order of the writes, far more than 50 ms of search.
    const history: KvOperation[] = []
    for (let client = 0; client < 20; client++) history.push(unknownOperation(client, 0, put('x', client)))
    for (let read = 0; read < 20; read++) history.push(operation(100 + read, 1 + read, 1000, get('x'), entry(read, read + 1)))
    history.push(operation(99, 2000, 2010, get('x'), entry('never', 1)))
    const result = checkOperations(kv, history, { timeoutMs: 50 })
    expect(result.result).toBe('unknown')
    expect(result.partitions[0]!.diagnosis).toBeDefined()
  })

  it('answers unknown when the memo reaches its memory bound', () => {
    const history: KvOperation[] = []
    for (let client = 0; client < 12; client++) history.push(unknownOperation(client, 0, put('x', client)))
    history.push(operation(99, 2000, 2010, get('x'), entry('never', 1)))
    expect(checkOperations(kv, history, { memoBytesMax: 10_000 }).result).toBe('unknown')
    expect(checkOperations(kv, history).result).toBe('illegal')
  })

  it('throws on malformed operations and partitions that lose operations', () => {
    expect(() => checkOperations(kv, [operation(0, 10, 5, get('x'), { entry: undefined })])).toThrow(RangeError)
    const lossy: Model<number, number, number> = {
      name: 'lossy',
      init: () => 0,
      step: (state) => ({ ok: true, state }),
      hash: String,
      partition: () => [],
    }
    expect(() => checkOperations(lossy, [operation(0, 0, 1, 1, 1)])).toThrow(/partition/)
  })

  it('takes concurrent reads greedily instead of enumerating their 2^k subsets', () => {
    const history: KvOperation[] = [operation(0, 0, 10, put('x', 'a'), written(1))]
    for (let client = 1; client <= 60; client++) history.push(operation(client, 20, 100, get('x'), entry('a', 1)))
    history.push(operation(0, 30, 90, put('x', 'b'), written(2)))
    for (let client = 61; client <= 120; client++) history.push(operation(client, 20, 100, get('x'), entry('b', 2)))
    const result = checkOperations(kv, history, { timeoutMs: 10_000 })
    expect(result.result).toBe('ok')
    expect(result.partitions[0]!.searchSteps).toBeLessThan(10_000)
  })

  it('treats a model whose read-only operation changes the state as a bug', () => {
    const liar: Model<number, number, number> = {
      name: 'liar',
      init: () => 0,
      step: (state, input) => ({ ok: true, state: state + input }),
      hash: String,
      isReadOnly: () => true,
    }
    expect(() => checkOperations(liar, [operation(0, 0, 1, 1, 1)])).toThrow(/isReadOnly/)
  })

  it('passes the unknown marker to custom models and omits what it need not place', () => {
    const seen: boolean[] = []
    // A running sum whose known outputs report the new total.
    const sum: Model<number, number, number> = {
      name: 'sum',
      init: () => 0,
      step: (state, input, output) => {
        seen.push(isUnknownOutput(output))
        const total = state + input
        return { ok: isUnknownOutput(output) || output === total, state: total }
      },
      hash: String,
    }
    const history: Operation<number, number>[] = [unknownOperation(0, 0, 1), operation(1, 10, 20, 2, 3), unknownOperation(2, 30, 100)]
    const result = checkOperations(sum, history)
    expect(result.result).toBe('ok')
    expect(seen).toContain(true)
    expect(result.partitions[0]!.linearization).toEqual([
      { operation: 0, effect: 'applied' },
      { operation: 1, effect: 'applied' },
      { operation: 2, effect: 'omitted' },
    ])
  })
})
