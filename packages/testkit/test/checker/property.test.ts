/**
 * Property tests: run a naive reference sequentially, spread the run into a concurrent history that
 * keeps the run as a valid linearization, and check that it is accepted. Then change one observed
 * output in a way no linearization can explain, and check that it is rejected.
 */
import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import {
  checkOperations,
  createCounterModel,
  createKeySetModel,
  createKvRegisterModel,
  createLockModel,
  createTxnModel,
  unknownOutput,
  type CounterInput,
  type CounterOutput,
  type KeySetInput,
  type KvInput,
  type KvOutput,
  type LockInput,
  type Operation,
  type TxnModelInput,
} from '../../src/checker/index.js'
import { ReferenceCounters, ReferenceKeySets, ReferenceLocks, ReferenceStore, ReferenceTxnStore } from './reference.js'
import { seededRandom, spreadIntervals, type Sequenced } from './support.js'

/** `taken`: outcome unknown but it happened; `lost`: outcome unknown and it never happened. */
type Plan = 'known' | 'taken' | 'lost'

interface Step<T> {
  clientId: number
  plan: Plan
  intent: T
}

const RUNS = 150

function runSequentially<T, I, O>(
  steps: readonly Step<T>[],
  toInput: (intent: T) => I,
  apply: (input: I) => O,
  seed: number,
  widen: number,
): Operation<I, O>[] {
  const sequence: Sequenced<I, O>[] = steps.map((step) => {
    const input = toInput(step.intent)
    const output = step.plan === 'lost' ? unknownOutput : apply(input)
    return { clientId: step.clientId, input, output: step.plan === 'known' ? output : unknownOutput }
  })
  return spreadIntervals(sequence, seededRandom(seed), widen).map((operation, index) =>
    steps[index]?.plan === 'known' ? operation : { ...operation, return: Infinity },
  )
}

const planArbitrary = (withUnknown: boolean): fc.Arbitrary<Plan> =>
  withUnknown ? fc.constantFrom<Plan>('known', 'known', 'known', 'known', 'known', 'taken', 'lost') : fc.constant<Plan>('known')

function stepsArbitrary<T>(intent: fc.Arbitrary<T>, withUnknown: boolean, lengthMax = 40): fc.Arbitrary<Step<T>[]> {
  return fc.array(fc.record({ clientId: fc.nat(4), plan: planArbitrary(withUnknown), intent }), { maxLength: lengthMax })
}

const runShape = { seed: fc.integer(), widen: fc.double({ min: 0, max: 1, noNaN: true }) }

interface KvIntent {
  kind: 'get' | 'put' | 'cas' | 'create' | 'putIfAbsent' | 'delete' | 'deleteIfVersion'
  key: 'a' | 'b'
  value: number
  versionOffset: number
}

const kvIntent: fc.Arbitrary<KvIntent> = fc.record({
  kind: fc.constantFrom('get', 'get', 'put', 'cas', 'create', 'putIfAbsent', 'delete', 'deleteIfVersion'),
  key: fc.constantFrom('a', 'b'),
  value: fc.nat(5),
  versionOffset: fc.integer({ min: -1, max: 1 }),
})

function kvHistory(steps: readonly Step<KvIntent>[], seed: number, widen: number): Operation<KvInput, KvOutput>[] {
  const store = new ReferenceStore()
  const toInput = ({ kind, key, value, versionOffset }: KvIntent): KvInput => {
    // Conditions mostly aim at the current version, as a client that just read it would.
    const ifVersion = Math.max(1, store.versionOf(key) + versionOffset)
    switch (kind) {
      case 'get':
        return { type: 'get', key }
      case 'put':
        return { type: 'put', key, value }
      case 'cas':
        return { type: 'put', key, value, ifVersion }
      case 'create':
        return { type: 'put', key, value, ifVersion: 0 }
      case 'putIfAbsent':
        return { type: 'put', key, value, ifAbsent: true }
      case 'delete':
        return { type: 'delete', key }
      case 'deleteIfVersion':
        return { type: 'delete', key, ifVersion }
    }
  }
  return runSequentially(steps, toInput, (input) => store.apply(input), seed, widen)
}

describe('generated kv register histories', () => {
  const kv = createKvRegisterModel()

  it('accepts concurrent histories, with unknown outcomes taken and not taken', () => {
    fc.assert(
      fc.property(stepsArbitrary(kvIntent, true), runShape.seed, runShape.widen, (steps, seed, widen) => {
        expect(checkOperations(kv, kvHistory(steps, seed, widen)).result).toBe('ok')
      }),
      { numRuns: RUNS },
    )
  })

  it('rejects a read of a value nobody wrote', () => {
    fc.assert(
      fc.property(stepsArbitrary(kvIntent, false), fc.nat(), runShape.seed, runShape.widen, (steps, pick, seed, widen) => {
        const history = kvHistory(steps, seed, widen)
        const reads = history.filter((item) => 'entry' in item.output && item.output.entry !== undefined)
        fc.pre(reads.length > 0)
        const read = reads[pick % reads.length]!
        const mutated = history.map((item) =>
          item === read && 'entry' in item.output && item.output.entry !== undefined
            ? { ...item, output: { entry: { ...item.output.entry, value: 'never written' } } }
            : item,
        )
        expect(checkOperations(kv, mutated).result).toBe('illegal')
      }),
      { numRuns: RUNS },
    )
  })

  it('rejects a write reporting a version above the number of writes to its key', () => {
    fc.assert(
      fc.property(stepsArbitrary(kvIntent, false), fc.nat(), runShape.seed, runShape.widen, (steps, pick, seed, widen) => {
        const history = kvHistory(steps, seed, widen)
        const writes = history.filter((item) => 'ok' in item.output && item.output.ok)
        fc.pre(writes.length > 0)
        const write = writes[pick % writes.length]!
        const writesToKey = history.filter((item) => item.input.type === 'put' && item.input.key === write.input.key).length
        const mutated = history.map((item) => (item === write ? { ...item, output: { ok: true as const, version: writesToKey + 1 } } : item))
        expect(checkOperations(kv, mutated).result).toBe('illegal')
      }),
      { numRuns: RUNS },
    )
  })
})

describe('greedy reads', () => {
  const kv = createKvRegisterModel()
  const { isReadOnly: _readOnly, ...withoutGreedyReads } = kv

  it('never change the verdict, on histories with arbitrary output mutations', () => {
    const mutation = fc.record({ pick: fc.nat(), delta: fc.constantFrom(-1, 1) })
    fc.assert(
      fc.property(stepsArbitrary(kvIntent, true, 30), fc.array(mutation, { maxLength: 2 }), runShape.seed, runShape.widen, (steps, mutations, seed, widen) => {
        const history = kvHistory(steps, seed, widen)
        // Shift versions in a few outputs: sometimes impossible, sometimes still explicable.
        const mutated = history.map((item) => ({ ...item }))
        for (const { pick, delta } of mutations) {
          const target = mutated[pick % Math.max(1, mutated.length)]
          if (target === undefined || !('ok' in target.output || 'entry' in target.output)) continue
          const output = target.output
          if ('entry' in output && output.entry !== undefined) target.output = { entry: { ...output.entry, version: output.entry.version + delta } }
          if ('ok' in output && output.ok) target.output = { ...output, version: output.version + delta }
        }
        expect(checkOperations(withoutGreedyReads, mutated).result).toBe(checkOperations(kv, mutated).result)
      }),
      { numRuns: RUNS * 2 },
    )
  })
})

interface CounterIntent {
  kind: 'add' | 'boundedAdd' | 'get' | 'set'
  delta: number
  bound: number
}

const counterIntent: fc.Arbitrary<CounterIntent> = fc.record({
  kind: fc.constantFrom('add', 'boundedAdd', 'get', 'set'),
  delta: fc.integer({ min: -3, max: 3 }),
  bound: fc.integer({ min: -2, max: 4 }),
})

function counterHistory(steps: readonly Step<CounterIntent>[], seed: number, widen: number): Operation<CounterInput, CounterOutput>[] {
  const counters = new ReferenceCounters()
  const toInput = ({ kind, delta, bound }: CounterIntent): CounterInput => {
    if (kind === 'get') return { type: 'get', key: 'n' }
    if (kind === 'set') return { type: 'set', key: 'n', value: bound }
    return kind === 'add' ? { type: 'add', key: 'n', delta } : { type: 'add', key: 'n', delta, min: -bound, max: bound }
  }
  return runSequentially(steps, toInput, (input) => counters.apply(input), seed, widen)
}

describe('generated counter histories', () => {
  const counter = createCounterModel()

  it('accepts concurrent histories, with unknown outcomes', () => {
    fc.assert(
      fc.property(stepsArbitrary(counterIntent, true), runShape.seed, runShape.widen, (steps, seed, widen) => {
        expect(checkOperations(counter, counterHistory(steps, seed, widen)).result).toBe('ok')
      }),
      { numRuns: RUNS },
    )
  })

  it('rejects an add whose result is not previous + delta', () => {
    fc.assert(
      fc.property(stepsArbitrary(counterIntent, false), fc.nat(), runShape.seed, runShape.widen, (steps, pick, seed, widen) => {
        const history = counterHistory(steps, seed, widen)
        const adds = history.filter((item) => 'ok' in item.output && item.output.ok)
        fc.pre(adds.length > 0)
        const add = adds[pick % adds.length]!
        const mutated = history.map((item) =>
          item === add && 'ok' in item.output && item.output.ok ? { ...item, output: { ...item.output, value: item.output.value + 1 } } : item,
        )
        expect(checkOperations(counter, mutated).result).toBe('illegal')
      }),
      { numRuns: RUNS },
    )
  })
})

interface KeySetIntent {
  kind: 'add' | 'remove' | 'list'
  key: number
}

describe('generated key-set histories', () => {
  const keySet = createKeySetModel()
  const intent: fc.Arbitrary<KeySetIntent> = fc.record({ kind: fc.constantFrom('add', 'remove', 'list', 'list'), key: fc.nat(4) })
  const history = (steps: readonly Step<KeySetIntent>[], seed: number, widen: number): Operation<KeySetInput, ReturnType<ReferenceKeySets['apply']>>[] => {
    const sets = new ReferenceKeySets()
    const toInput = ({ kind, key }: KeySetIntent): KeySetInput =>
      kind === 'list' ? { type: 'list', prefix: 'q/' } : { type: kind, prefix: 'q/', key: `q/${key}` }
    return runSequentially(steps, toInput, (input) => sets.apply(input), seed, widen)
  }

  it('accepts concurrent histories, with unknown outcomes', () => {
    fc.assert(
      fc.property(stepsArbitrary(intent, true), runShape.seed, runShape.widen, (steps, seed, widen) => {
        expect(checkOperations(keySet, history(steps, seed, widen)).result).toBe('ok')
      }),
      { numRuns: RUNS },
    )
  })

  it('rejects a list showing a key nobody added', () => {
    fc.assert(
      fc.property(stepsArbitrary(intent, false), fc.nat(), runShape.seed, runShape.widen, (steps, pick, seed, widen) => {
        const operations = history(steps, seed, widen)
        const lists = operations.filter((item) => 'keys' in item.output)
        fc.pre(lists.length > 0)
        const list = lists[pick % lists.length]!
        const mutated = operations.map((item) =>
          item === list && 'keys' in item.output ? { ...item, output: { keys: [...item.output.keys, 'q/zz'] } } : item,
        )
        expect(checkOperations(keySet, mutated).result).toBe('illegal')
      }),
      { numRuns: RUNS },
    )
  })
})

interface LockIntent {
  kind: 'acquire' | 'release' | 'fenced-write' | 'holder' | 'expire'
}

describe('generated lock histories', () => {
  const intent: fc.Arbitrary<LockIntent> = fc.record({ kind: fc.constantFrom('acquire', 'release', 'fenced-write', 'fenced-write', 'holder', 'expire') })
  const history = (steps: readonly Step<LockIntent>[], seed: number, widen: number): Operation<LockInput, ReturnType<ReferenceLocks['apply']>>[] => {
    const locks = new ReferenceLocks()
    const tokensSeen: number[] = []
    const toInput = ({ kind }: LockIntent): LockInput => {
      if (kind === 'acquire' || kind === 'holder') return { type: kind, name: 'job' }
      // Use the current holder's token or an older one, as a paused former holder would.
      const token = locks.holderOf('job') ?? tokensSeen.at(-1) ?? 1
      return { type: kind, name: 'job', token: kind === 'fenced-write' && tokensSeen.length > 1 && token % 2 === 0 ? tokensSeen[0]! : token }
    }
    return runSequentially(steps, toInput, (input) => {
      const output = locks.apply(input)
      if ('granted' in output && output.granted) tokensSeen.push(output.token)
      return output
    }, seed, widen)
  }

  it('accepts concurrent histories in both expiry modes', () => {
    fc.assert(
      fc.property(stepsArbitrary(intent, false), runShape.seed, runShape.widen, (steps, seed, widen) => {
        const operations = history(steps, seed, widen)
        expect(checkOperations(createLockModel({ expiry: 'explicit' }), operations).result).toBe('ok')
        expect(checkOperations(createLockModel({ expiry: 'anytime' }), operations).result).toBe('ok')
      }),
      { numRuns: RUNS },
    )
  })

  it('rejects two grants with the same token', () => {
    fc.assert(
      fc.property(stepsArbitrary(intent, false), runShape.seed, runShape.widen, (steps, seed, widen) => {
        const operations = history(steps, seed, widen)
        const grants = operations.filter((item) => 'granted' in item.output && item.output.granted)
        fc.pre(grants.length > 1)
        const [first, second] = [grants[0]!, grants[1]!]
        const mutated = operations.map((item) => (item === second ? { ...item, output: first.output } : item))
        expect(checkOperations(createLockModel({ expiry: 'anytime' }), mutated).result).toBe('illegal')
      }),
      { numRuns: RUNS },
    )
  })
})

describe('generated transaction histories', () => {
  interface TxnIntent {
    kind: 'get' | 'put' | 'delete' | 'swap'
    key: 'a' | 'b' | 'c'
    value: number
  }
  const intent: fc.Arbitrary<TxnIntent> = fc.record({
    kind: fc.constantFrom('get', 'put', 'delete', 'swap', 'swap'),
    key: fc.constantFrom('a', 'b', 'c'),
    value: fc.nat(3),
  })

  it('accepts concurrent histories, with unknown outcomes', () => {
    fc.assert(
      fc.property(stepsArbitrary(intent, true, 30), runShape.seed, runShape.widen, (steps, seed, widen) => {
        const store = new ReferenceTxnStore()
        const toInput = ({ kind, key, value }: TxnIntent): TxnModelInput => {
          if (kind !== 'swap') return kind === 'put' ? { type: 'put', key, value } : { type: kind, key }
          const other = key === 'a' ? 'b' : 'a'
          return {
            type: 'txn',
            if: [{ key, target: 'version', value: store.versionOf(key) }],
            then: [{ op: 'put', key: other, value }, { op: 'get', key }],
            else: [{ op: 'get', key: other }],
          }
        }
        const operations = runSequentially(steps, toInput, (input) => store.apply(input), seed, widen)
        expect(checkOperations(createTxnModel(), operations).result).toBe('ok')
      }),
      { numRuns: RUNS },
    )
  })
})
