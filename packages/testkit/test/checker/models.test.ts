import { describe, expect, it } from 'vitest'
import {
  checkOperations,
  compareKeys,
  createCounterModel,
  createKeySetModel,
  createLockModel,
  createTxnModel,
  type CounterInput,
  type CounterOutput,
  type KeySetInput,
  type KeySetOutput,
  type LockInput,
  type LockOutput,
  type Operation,
  type TxnModelInput,
  type TxnModelOutput,
} from '../../src/checker/index.js'
import { operation, unknownOperation } from './support.js'

describe('counter model', () => {
  const counter = createCounterModel()
  type CounterOperation = Operation<CounterInput, CounterOutput>
  const add = (delta: number, bounds: { min?: number; max?: number } = {}): CounterInput => ({ type: 'add', key: 'c', delta, ...bounds })

  it('accepts concurrent adds with bounds, gets and sets', () => {
    const history: CounterOperation[] = [
      operation(0, 0, 10, add(5), { ok: true, value: 5, previous: 0 }),
      operation(1, 20, 40, add(3, { max: 7 }), { ok: false, value: 5 }),
      operation(2, 20, 40, add(-1), { ok: true, value: 4, previous: 5 }),
      operation(0, 50, 60, { type: 'set', key: 'c', value: 100 }, { previous: 4 }),
      operation(1, 70, 80, { type: 'get', key: 'c' }, { value: 100 }),
      operation(1, 90, 100, { type: 'get', key: 'other' }, { value: 0 }),
    ]
    expect(checkOperations(counter, history).result).toBe('ok')
  })

  it('rejects a counter exceeding its bound', () => {
    const history: CounterOperation[] = [
      operation(0, 0, 10, add(5), { ok: true, value: 5, previous: 0 }),
      operation(1, 20, 30, add(3, { max: 7 }), { ok: true, value: 8, previous: 5 }),
    ]
    expect(checkOperations(counter, history).result).toBe('illegal')
  })

  it('rejects a bound refusal when the result was in bounds, and lost increments', () => {
    const refused: CounterOperation[] = [operation(0, 0, 10, add(1, { min: 0, max: 10 }), { ok: false, value: 0 })]
    expect(checkOperations(counter, refused).result).toBe('illegal')
    const lostIncrement: CounterOperation[] = [
      operation(0, 0, 10, add(1), { ok: true, value: 1, previous: 0 }),
      operation(1, 0, 10, add(1), { ok: true, value: 1, previous: 0 }),
    ]
    expect(checkOperations(counter, lostIncrement).result).toBe('illegal')
  })

  it('accepts an unknown add that took effect', () => {
    const history: CounterOperation[] = [
      unknownOperation(0, 0, add(2)),
      operation(1, 50, 60, { type: 'get', key: 'c' }, { value: 2 }),
    ]
    expect(checkOperations(counter, history).result).toBe('ok')
  })
})

describe('key-set model', () => {
  const keySet = createKeySetModel()
  type KeySetOperation = Operation<KeySetInput, KeySetOutput>
  const addKey = (key: string): KeySetInput => ({ type: 'add', prefix: 'jobs/', key })
  const list: KeySetInput = { type: 'list', prefix: 'jobs/' }

  it('accepts lists that match the set at some point in their interval', () => {
    const history: KeySetOperation[] = [
      operation(0, 0, 10, addKey('jobs/a'), { ok: true }),
      operation(1, 20, 40, addKey('jobs/b'), { ok: true }),
      operation(2, 25, 35, list, { keys: ['jobs/a'] }),
      operation(2, 50, 60, list, { keys: ['jobs/a', 'jobs/b'] }),
      operation(0, 70, 80, { type: 'remove', prefix: 'jobs/', key: 'jobs/a' }, { deleted: true }),
      operation(2, 90, 100, list, { keys: ['jobs/b'] }),
    ]
    expect(checkOperations(keySet, history).result).toBe('ok')
  })

  it('rejects a list missing an acknowledged key', () => {
    const history: KeySetOperation[] = [
      operation(0, 0, 10, addKey('jobs/a'), { ok: true }),
      operation(1, 20, 30, addKey('jobs/b'), { ok: true }),
      operation(2, 40, 50, list, { keys: ['jobs/b'] }),
    ]
    expect(checkOperations(keySet, history).result).toBe('illegal')
  })

  it('rejects a list in the wrong order, and sorts by UTF-8 bytes', () => {
    const history: KeySetOperation[] = [
      operation(0, 0, 10, addKey('jobs/b'), { ok: true }),
      operation(0, 20, 30, addKey('jobs/a'), { ok: true }),
      operation(2, 40, 50, list, { keys: ['jobs/b', 'jobs/a'] }),
    ]
    expect(checkOperations(keySet, history).result).toBe('illegal')
    // U+FF5E sorts before U+1F600 in UTF-8 but after it in UTF-16 code units.
    expect(compareKeys('\uFF5E', '\u{1F600}')).toBeLessThan(0)
    expect(['\u{1F600}', '\uFF5E', 'a'].sort(compareKeys)).toEqual(['a', '\uFF5E', '\u{1F600}'])
  })
})

describe('lock model', () => {
  type LockOperation = Operation<LockInput, LockOutput>
  const acquire: LockInput = { type: 'acquire', name: 'job' }
  const release = (token: number): LockInput => ({ type: 'release', name: 'job', token })
  const fencedWrite = (token: number): LockInput => ({ type: 'fenced-write', name: 'job', token })
  const explicit = createLockModel({ expiry: 'explicit' })
  const anytime = createLockModel({ expiry: 'anytime' })

  it('accepts a clean hand-over with fenced writes', () => {
    const history: LockOperation[] = [
      operation(0, 0, 10, acquire, { granted: true, token: 1 }),
      operation(1, 5, 40, acquire, { granted: true, token: 2 }),
      operation(0, 15, 20, fencedWrite(1), { ok: true }),
      operation(0, 25, 30, release(1), { released: true }),
      operation(0, 45, 50, fencedWrite(1), { ok: false, reason: 'fenced' }),
      operation(1, 45, 50, fencedWrite(2), { ok: true }),
      operation(2, 55, 60, { type: 'holder', name: 'job' }, { holder: { token: 2 } }),
    ]
    expect(checkOperations(explicit, history).result).toBe('ok')
    expect(checkOperations(anytime, history).result).toBe('ok')
  })

  it('rejects a double grant when expiries are recorded, and accepts it after a recorded expiry', () => {
    const doubleGrant: LockOperation[] = [
      operation(0, 0, 10, acquire, { granted: true, token: 1 }),
      operation(1, 20, 30, acquire, { granted: true, token: 2 }),
    ]
    expect(checkOperations(explicit, doubleGrant).result).toBe('illegal')
    // Without expiry records a second grant is explicable: the first lease may have expired.
    expect(checkOperations(anytime, doubleGrant).result).toBe('ok')
    const expired: LockOperation[] = [doubleGrant[0]!, operation(9, 12, 18, { type: 'expire', name: 'job', token: 1 }, {}), doubleGrant[1]!]
    expect(checkOperations(explicit, expired).result).toBe('ok')
  })

  it('rejects tokens out of grant order', () => {
    const history: LockOperation[] = [
      operation(0, 0, 10, acquire, { granted: true, token: 5 }),
      operation(0, 20, 30, release(5), {}),
      operation(1, 40, 50, acquire, { granted: true, token: 3 }),
    ]
    expect(checkOperations(explicit, history).result).toBe('illegal')
    expect(checkOperations(anytime, history).result).toBe('illegal')
  })

  it('rejects a fenced write accepted after the lock was lost', () => {
    const history: LockOperation[] = [
      operation(0, 0, 10, acquire, { granted: true, token: 1 }),
      operation(1, 20, 30, acquire, { granted: true, token: 2 }),
      operation(0, 40, 50, fencedWrite(1), { ok: true }),
    ]
    expect(checkOperations(anytime, history).result).toBe('illegal')
    const observedLoss: LockOperation[] = [
      operation(0, 0, 10, acquire, { granted: true, token: 1 }),
      operation(2, 20, 30, { type: 'holder', name: 'job' }, { holder: undefined }),
      operation(0, 40, 50, fencedWrite(1), { ok: true }),
    ]
    expect(checkOperations(anytime, observedLoss).result).toBe('illegal')
  })

  it('accepts a fenced write refused by an unrecorded expiry only in anytime mode', () => {
    const history: LockOperation[] = [
      operation(0, 0, 10, acquire, { granted: true, token: 1 }),
      operation(0, 20, 30, fencedWrite(1), { ok: false, reason: 'fenced' }),
    ]
    expect(checkOperations(anytime, history).result).toBe('ok')
    expect(checkOperations(explicit, history).result).toBe('illegal')
  })

  it('lets an unknown acquire hold the lock and reveals its token on a holder read', () => {
    const history: LockOperation[] = [
      unknownOperation(0, 0, acquire),
      operation(1, 10, 20, { type: 'holder', name: 'job' }, { holder: { token: 4 } }),
      operation(2, 30, 40, acquire, { granted: false }),
      operation(9, 50, 60, { type: 'expire', name: 'job', token: 4 }, {}),
      operation(2, 70, 80, acquire, { granted: true, token: 6 }),
    ]
    expect(checkOperations(explicit, history).result).toBe('ok')
  })

  it('checks token order across lock names when not partitioned', () => {
    const global = createLockModel({ expiry: 'explicit', partitionByName: false })
    const history: LockOperation[] = [
      operation(0, 0, 10, acquire, { granted: true, token: 7 }),
      operation(1, 20, 30, { type: 'acquire', name: 'other' }, { granted: true, token: 3 }),
    ]
    expect(checkOperations(explicit, history).result).toBe('ok')
    expect(checkOperations(global, history).result).toBe('illegal')
  })
})

describe('txn model', () => {
  const txnModel = createTxnModel()
  type TxnHistoryOperation = Operation<TxnModelInput, TxnModelOutput>
  const transfer = (fromVersion: number, from: number, to: number): TxnModelInput => ({
    type: 'txn',
    if: [{ key: 'a', target: 'version', value: fromVersion }],
    then: [
      { op: 'put', key: 'a', value: from },
      { op: 'put', key: 'b', value: to },
    ],
    else: [{ op: 'get', key: 'a' }],
  })

  it('accepts transactions, both branches, and single-key operations', () => {
    const history: TxnHistoryOperation[] = [
      operation(0, 0, 10, { type: 'put', key: 'a', value: 100 }, { ok: true, version: 1 }),
      operation(1, 20, 40, transfer(1, 90, 10), { succeeded: true, results: [{ version: 2 }, { version: 1 }] }),
      operation(2, 20, 40, transfer(1, 80, 20), { succeeded: false, results: [{ value: 90, version: 2 }] }),
      operation(0, 50, 60, { type: 'get', key: 'b' }, { entry: { value: 10, version: 1 } }),
      operation(0, 70, 80, {
        type: 'txn',
        then: [{ op: 'add', key: 'n', delta: 2 }, { op: 'deletePrefix', prefix: '' }],
      }, { succeeded: true, results: [{ value: 2, previous: 0 }, { deleted: 3 }] }),
      operation(0, 90, 100, { type: 'get', key: 'a' }, { entry: undefined }),
    ]
    expect(checkOperations(txnModel, history).result).toBe('ok')
    expect(checkOperations(createTxnModel({ partitionByConnectedKeys: false }), history).result).toBe('ok')
  })

  it('rejects two transactions succeeding on the same compare', () => {
    const history: TxnHistoryOperation[] = [
      operation(0, 0, 10, { type: 'put', key: 'a', value: 100 }, { ok: true, version: 1 }),
      operation(1, 20, 40, transfer(1, 90, 10), { succeeded: true, results: [{ version: 2 }, { version: 1 }] }),
      operation(2, 20, 40, transfer(1, 80, 20), { succeeded: true, results: [{ version: 2 }, { version: 1 }] }),
    ]
    expect(checkOperations(txnModel, history).result).toBe('illegal')
  })

  it('rejects a torn transaction: a reader sees one of its writes but not the other', () => {
    const history: TxnHistoryOperation[] = [
      operation(1, 0, 10, { type: 'txn', then: [{ op: 'put', key: 'a', value: 1 }, { op: 'put', key: 'b', value: 1 }] }, {
        succeeded: true,
        results: [{ version: 1 }, { version: 1 }],
      }),
      operation(2, 5, 30, { type: 'txn', then: [{ op: 'get', key: 'a' }, { op: 'get', key: 'b' }] }, {
        succeeded: true,
        results: [{ value: 1, version: 1 }, undefined],
      }),
    ]
    expect(checkOperations(txnModel, history).result).toBe('illegal')
  })

  it('rejects a wrong branch and a partially applied rejected txn', () => {
    const wrongBranch: TxnHistoryOperation[] = [
      operation(0, 0, 10, { type: 'txn', if: [{ key: 'a', target: 'value', op: '>', value: 5 }], then: [], else: [] }, { succeeded: true, results: [] }),
    ]
    expect(checkOperations(txnModel, wrongBranch).result).toBe('illegal')
    const rejected: TxnHistoryOperation[] = [
      operation(0, 0, 10, { type: 'put', key: 's', value: 'text' }, { ok: true, version: 1 }),
      operation(0, 20, 30, { type: 'txn', then: [{ op: 'put', key: 'a', value: 1 }, { op: 'add', key: 's', delta: 1 }] }, { rejected: 'TYPE_MISMATCH' }),
      operation(0, 40, 50, { type: 'get', key: 'a' }, { entry: { value: 1, version: 1 } }),
    ]
    expect(checkOperations(txnModel, rejected).result).toBe('illegal')
  })

  it('partitions by connected keys', () => {
    const history: TxnHistoryOperation[] = [
      operation(0, 0, 10, { type: 'put', key: 'a', value: 1 }, { ok: true, version: 1 }),
      operation(0, 20, 30, { type: 'put', key: 'b', value: 1 }, { ok: true, version: 1 }),
      operation(0, 40, 50, { type: 'put', key: 'c', value: 1 }, { ok: true, version: 1 }),
      operation(1, 60, 70, { type: 'txn', if: [{ key: 'a', target: 'value', value: 1 }], then: [{ op: 'get', key: 'b' }] }, {
        succeeded: true,
        results: [{ value: 1, version: 1 }],
      }),
    ]
    const result = checkOperations(txnModel, history)
    expect(result.result).toBe('ok')
    expect(result.partitions.map((partition) => partition.operations.length).sort()).toEqual([1, 3])
  })
})
