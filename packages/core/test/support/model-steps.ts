import fc from 'fast-check'
import type { Command, CompareOp, Query, RawCompare, RawTxnOp } from '../../src/machine/types.js'
import { bytesOf, type Json, type Range } from './model.js'

/**
 * Random steps for the model-based property tests, as plain data (fast-check prints and shrinks
 * them), and their translation into StoreMachine commands and queries.
 */
export type Compare =
  | { key: string; target: 'value'; op: CompareOp; value: Json }
  | { key: string; target: 'version' | 'createRevision' | 'modRevision'; op: CompareOp; value: number }
  | { key: string; target: 'lease'; op: '==' | '!='; value: string | null }

export type Op =
  | { op: 'get'; key: string }
  | { op: 'put'; key: string; value: Json; ttlMs?: number | undefined; lease?: string | undefined }
  | { op: 'delete'; key: string }
  | { op: 'deletePrefix'; prefix: string }
  | { op: 'add'; key: string; delta: number }

/** Optional fields may hold undefined (= absent): generators produce them that way. */
export type Step =
  | { t: 'put'; key: string; value: Json; ttlMs?: number | undefined; lease?: string | undefined; ifVersion?: number | undefined; ifAbsent?: boolean | undefined }
  | { t: 'delete'; key: string; ifVersion?: number | undefined }
  | { t: 'putMany'; entries: [string, Json][]; ttlMs?: number | undefined; lease?: string | undefined }
  | { t: 'deleteMany'; keys: string[] }
  | { t: 'clear'; range: Range }
  | { t: 'counterAdd'; key: string; delta: number; min?: number | undefined; max?: number | undefined; ttlMs?: number | undefined }
  | { t: 'counterSet'; key: string; value: number }
  | { t: 'setTtl'; key: string; ttlMs: number }
  | { t: 'persist'; key: string }
  | { t: 'txn'; if: Compare[]; then: Op[]; else: Op[] }
  | { t: 'leaseGrant'; ttlMs: number }
  | { t: 'leaseRenew'; id: string }
  | { t: 'leaseRevoke'; id: string }
  /** Time moves by `ms`; with `expire` the driver then applies an expire command. */
  | { t: 'time'; ms: number; expire: boolean }
  | { t: 'get'; key: string }
  | { t: 'list'; range: Range; limit?: number | undefined; reverse?: boolean | undefined; keysOnly?: boolean | undefined }
  | { t: 'count'; range: Range }
  | { t: 'ttl'; key: string }
  | { t: 'leaseInfo'; id: string }

/** Keys that collide often and cover the UTF-8 vs UTF-16 order traps (U+E000..U+FFFF vs astral). */
export const keyPool = [
  'a',
  'a/1',
  'a/2',
  'ab',
  'a\u0000',
  'a\uffff',
  'a\ud83d\ude00',
  'b',
  'b/1',
  '\u00e9',
  '\ud7ff',
  '\ue000',
  '\uffff',
  '\ud800\udc00',
  '\ud83d\ude00',
  '\udbff\udfff',
]
export const prefixPool = ['', 'a', 'a/', 'b', '\ue000', '\uffff', '\ud83d\ude00', 'a\ud83d\ude00', '\ud7ff', 'zz']
/** Lease ids a run may have granted (base-36 sequence numbers), and some it never did. */
export const leasePool = ['1', '2', '3', '4', '5', '6', '7', 'zz']

/** Mostly a few hot keys (so writes meet existing keys), sometimes any of the pool. */
const key = fc.oneof({ weight: 3, arbitrary: fc.constantFrom('a', 'a/1', 'b', '\ue000', '\ud83d\ude00') }, { weight: 2, arbitrary: fc.constantFrom(...keyPool) })
const prefix = fc.constantFrom(...prefixPool)
const leaseId = fc.constantFrom(...leasePool)
/** Mostly valid TTLs; sometimes 0 (INVALID_ARGUMENT). */
const ttlMs = fc.oneof({ weight: 9, arbitrary: fc.integer({ min: 1, max: 400 }) }, { weight: 1, arbitrary: fc.constant(0) })
const maxSafe = Number.MAX_SAFE_INTEGER

/** `arbitrary` in `percent` of the cases, else undefined (an absent option). */
function sometimes<T>(arbitrary: fc.Arbitrary<T>, percent = 20): fc.Arbitrary<T | undefined> {
  return fc.oneof({ weight: 100 - percent, arbitrary: fc.constant(undefined) }, { weight: percent, arbitrary })
}

export const jsonValue: fc.Arbitrary<Json> = fc.oneof(
  { weight: 4, arbitrary: fc.integer({ min: -5, max: 5 }) },
  { weight: 1, arbitrary: fc.constantFrom(maxSafe, -maxSafe, maxSafe - 1, 2 ** 32, 1.5, -0.5) },
  { weight: 2, arbitrary: fc.constantFrom('', 'x', 'y', '\ue000', '\uffff', '\ud83d\ude00', '5') },
  { weight: 1, arbitrary: fc.constantFrom<Json>(true, false, null, [1, 'two'], []) },
)

const range: fc.Arbitrary<Range> = fc.oneof(
  prefix.map((value) => ({ prefix: value })),
  fc.record({ start: key, end: key }, { requiredKeys: [] }),
)

const compare: fc.Arbitrary<Compare> = fc.oneof(
  fc.record({ key, target: fc.constant('value' as const), op: fc.constantFrom<CompareOp>('==', '!=', '<', '>'), value: jsonValue }),
  fc.record({
    key,
    target: fc.constantFrom('version' as const, 'createRevision' as const, 'modRevision' as const),
    op: fc.constantFrom<CompareOp>('==', '!=', '<', '>'),
    value: fc.integer({ min: 0, max: 12 }),
  }),
  fc.record({ key, target: fc.constant('lease' as const), op: fc.constantFrom('==' as const, '!=' as const), value: fc.option(leaseId, { nil: null }) }),
)

const op: fc.Arbitrary<Op> = fc.oneof(
  fc.record({ op: fc.constant('get' as const), key }),
  fc.record({ op: fc.constant('put' as const), key, value: jsonValue, ttlMs: sometimes(ttlMs), lease: sometimes(leaseId, 10) }),
  fc.record({ op: fc.constant('delete' as const), key }),
  fc.record({ op: fc.constant('deletePrefix' as const), prefix }),
  fc.record({ op: fc.constant('add' as const), key, delta: fc.integer({ min: -3, max: 3 }) }),
)

/** Writes, reads and time, weighted toward the commands with the most behaviour. */
export const stepArbitrary: fc.Arbitrary<Step> = fc.oneof(
  {
    weight: 6,
    arbitrary: fc.record({
      t: fc.constant('put' as const),
      key,
      value: jsonValue,
      ttlMs: sometimes(ttlMs, 30),
      lease: sometimes(leaseId, 15),
      ifVersion: sometimes(fc.integer({ min: 0, max: 3 }), 15),
      ifAbsent: sometimes(fc.constant(true), 10),
    }),
  },
  { weight: 2, arbitrary: fc.record({ t: fc.constant('delete' as const), key, ifVersion: sometimes(fc.integer({ min: 0, max: 3 }), 30) }) },
  {
    weight: 2,
    arbitrary: fc.record({
      t: fc.constant('putMany' as const),
      entries: fc.array(fc.tuple(key, jsonValue), { maxLength: 4 }),
      ttlMs: sometimes(ttlMs, 30),
      lease: sometimes(leaseId, 15),
    }),
  },
  { weight: 1, arbitrary: fc.record({ t: fc.constant('deleteMany' as const), keys: fc.array(key, { maxLength: 4 }) }) },
  { weight: 1, arbitrary: fc.record({ t: fc.constant('clear' as const), range }) },
  {
    weight: 3,
    arbitrary: fc.record({
      t: fc.constant('counterAdd' as const),
      key,
      delta: fc.oneof({ weight: 9, arbitrary: fc.integer({ min: -3, max: 3 }) }, { weight: 1, arbitrary: fc.constantFrom(maxSafe, -maxSafe) }),
      min: sometimes(fc.integer({ min: -4, max: 2 }), 30),
      max: sometimes(fc.integer({ min: -2, max: 6 }), 30),
      ttlMs: sometimes(ttlMs, 20),
    }),
  },
  { weight: 1, arbitrary: fc.record({ t: fc.constant('counterSet' as const), key, value: fc.integer({ min: -5, max: 5 }) }) },
  { weight: 2, arbitrary: fc.record({ t: fc.constant('setTtl' as const), key, ttlMs }) },
  { weight: 1, arbitrary: fc.record({ t: fc.constant('persist' as const), key }) },
  {
    weight: 3,
    arbitrary: fc.record({
      t: fc.constant('txn' as const),
      if: fc.array(compare, { maxLength: 2 }),
      then: fc.array(op, { maxLength: 4 }),
      else: fc.array(op, { maxLength: 3 }),
    }),
  },
  { weight: 2, arbitrary: fc.record({ t: fc.constant('leaseGrant' as const), ttlMs }) },
  { weight: 1, arbitrary: fc.record({ t: fc.constant('leaseRenew' as const), id: leaseId }) },
  { weight: 1, arbitrary: fc.record({ t: fc.constant('leaseRevoke' as const), id: leaseId }) },
  { weight: 3, arbitrary: fc.record({ t: fc.constant('time' as const), ms: fc.integer({ min: 0, max: 250 }), expire: fc.boolean() }) },
  { weight: 1, arbitrary: fc.record({ t: fc.constant('get' as const), key }) },
  {
    weight: 2,
    arbitrary: fc.record({
      t: fc.constant('list' as const),
      range,
      limit: sometimes(fc.integer({ min: 1, max: 4 }), 50),
      reverse: sometimes(fc.constant(true), 50),
      keysOnly: sometimes(fc.constant(true), 20),
    }),
  },
  { weight: 1, arbitrary: fc.record({ t: fc.constant('count' as const), range }) },
  { weight: 1, arbitrary: fc.record({ t: fc.constant('ttl' as const), key }) },
  { weight: 1, arbitrary: fc.record({ t: fc.constant('leaseInfo' as const), id: leaseId }) },
)

export type Action = { kind: 'command'; command: Command } | { kind: 'query'; query: Query } | { kind: 'time'; ms: number; expire: boolean }

function opt<K extends string, V>(name: K, value: V | undefined): { [P in K]?: V } {
  return (value === undefined ? {} : { [name]: value }) as { [P in K]?: V }
}

function rawCompare(compare: Compare): RawCompare {
  return { key: compare.key, target: compare.target, op: compare.op, value: compare.target === 'value' ? bytesOf(compare.value) : compare.value }
}

function rawOp(item: Op): RawTxnOp {
  if (item.op !== 'put') return item
  return { op: 'put', key: item.key, value: bytesOf(item.value), ...opt('ttlMs', item.ttlMs), ...opt('lease', item.lease) }
}

/** The machine command or query of a step. */
export function actionOf(step: Step): Action {
  switch (step.t) {
    case 'put':
      return {
        kind: 'command',
        command: {
          type: 'put',
          key: step.key,
          value: bytesOf(step.value),
          ...opt('ttlMs', step.ttlMs),
          ...opt('lease', step.lease),
          ...opt('ifVersion', step.ifVersion),
          ...opt('ifAbsent', step.ifAbsent),
        },
      }
    case 'delete':
      return { kind: 'command', command: { type: 'delete', key: step.key, ...opt('ifVersion', step.ifVersion) } }
    case 'putMany':
      return {
        kind: 'command',
        command: { type: 'putMany', entries: step.entries.map(([k, v]) => [k, bytesOf(v)]), ...opt('ttlMs', step.ttlMs), ...opt('lease', step.lease) },
      }
    case 'deleteMany':
      return { kind: 'command', command: { type: 'deleteMany', keys: step.keys } }
    case 'clear':
      return { kind: 'command', command: { type: 'clear', ...step.range } }
    case 'counterAdd':
      return {
        kind: 'command',
        command: { type: 'counterAdd', key: step.key, delta: step.delta, ...opt('min', step.min), ...opt('max', step.max), ...opt('ttlMs', step.ttlMs) },
      }
    case 'counterSet':
      return { kind: 'command', command: { type: 'counterSet', key: step.key, value: step.value } }
    case 'setTtl':
      return { kind: 'command', command: { type: 'setTtl', key: step.key, ttlMs: step.ttlMs } }
    case 'persist':
      return { kind: 'command', command: { type: 'persist', key: step.key } }
    case 'txn':
      return { kind: 'command', command: { type: 'txn', if: step.if.map(rawCompare), then: step.then.map(rawOp), else: step.else.map(rawOp) } }
    case 'leaseGrant':
      return { kind: 'command', command: { type: 'leaseGrant', ttlMs: step.ttlMs } }
    case 'leaseRenew':
      return { kind: 'command', command: { type: 'leaseRenew', id: step.id } }
    case 'leaseRevoke':
      return { kind: 'command', command: { type: 'leaseRevoke', id: step.id } }
    case 'time':
      return { kind: 'time', ms: step.ms, expire: step.expire }
    case 'get':
      return { kind: 'query', query: { type: 'get', key: step.key } }
    case 'list':
      return {
        kind: 'query',
        query: { type: 'list', ...step.range, ...opt('limit', step.limit), ...opt('reverse', step.reverse), ...opt('keysOnly', step.keysOnly) },
      }
    case 'count':
      return { kind: 'query', query: { type: 'count', ...step.range } }
    case 'ttl':
      return { kind: 'query', query: { type: 'ttl', key: step.key } }
    case 'leaseInfo':
      return { kind: 'query', query: { type: 'leaseInfo', id: step.id } }
  }
}
