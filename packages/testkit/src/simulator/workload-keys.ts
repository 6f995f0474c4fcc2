/**
 * Workload on plain keys: registers (get, put, CAS with ifVersion, ifAbsent, delete, TTL and
 * lease-bound puts), bounded counters and a set of keys under a prefix. Each operation is recorded
 * in its model's history in the model's terms; values are unique per write, so a read names the
 * write it saw.
 */
import { encodeValue, decodeValue, type RawEntry, type RawWriteResult } from '@clustron/core/internal'
import type { KeySetOutput, KvEntryObservation, KvInput, KvOutput } from '../checker/index.js'
import type { Outcome, SimClient } from './client.js'
import type { History, PendingOperation } from './histories.js'
import type { Workload } from './workload.js'

export const registerKeys = ['k0', 'k1', 'k2']
/** Written with a TTL: deleted by `expire` commands. */
export const ttlKeys = ['t0']
/** Written with a client's lease: deleted when it expires or is revoked. */
export const leaseKeys = ['e0', 'e1']
export const kvKeys = [...registerKeys, ...ttlKeys, ...leaseKeys]
export const counterKeys = ['c0', 'c1']
export const setPrefix = 's/'
export const setKeys = ['s/a', 's/b', 's/c', 's/d']

export function encode(value: unknown): Uint8Array {
  return encodeValue(value, 1 << 20)
}

export function observeEntry(entry: RawEntry | undefined): KvEntryObservation | undefined {
  return entry === undefined ? undefined : { value: decodeValue(entry.value), version: entry.version, modRevision: entry.modRevision }
}

/** Records `outcome` on `pending`: ok → its output; unknown stays unknown; anything else is dropped. */
export function settle<T, I, O>(pending: PendingOperation<I, O>, outcome: Outcome<T>, client: SimClient, output: (value: T) => O): void {
  if (outcome.kind === 'ok') pending.complete(output(outcome.value), client.now())
  else if (outcome.kind === 'unknown') pending.unknown()
  else pending.drop()
}

export function writeOutput(result: RawWriteResult): KvOutput {
  if (result.ok) return { ok: true, version: result.version, revision: result.revision }
  if (result.reason === 'fenced') throw new Error('an unfenced put was refused as fenced')
  const current = observeEntry(result.current)
  return current === undefined ? { ok: false, reason: result.reason } : { ok: false, reason: result.reason, current }
}

export async function registerOperation(client: SimClient, workload: Workload): Promise<void> {
  const random = client.random
  const key = random.pick(kvKeys)
  const history = workload.histories.kv
  const choice = random.next()
  if (choice < 0.35) {
    const pending = history.begin(client.id, { type: 'get', key }, client.now())
    settle(pending, await client.read({ type: 'get', key }), client, (entry) => ({ entry: observeEntry(entry) }))
    return
  }
  if (choice < 0.85) {
    await putOperation(client, workload, key, history)
    return
  }
  const ifVersion = random.chance(0.5) ? random.int(0, 3) : undefined
  const input: KvInput = ifVersion === undefined ? { type: 'delete', key } : { type: 'delete', key, ifVersion }
  const pending = history.begin(client.id, input, client.now())
  const outcome = await client.write(ifVersion === undefined ? { type: 'delete', key } : { type: 'delete', key, ifVersion })
  settle(pending, outcome, client, (result) => ({ deleted: result.deleted }))
}

async function putOperation(client: SimClient, workload: Workload, key: string, history: History<KvInput, KvOutput>): Promise<void> {
  const random = client.random
  const value = client.nextId()
  const condition = random.next()
  const ifVersion = condition < 0.3 ? random.int(0, 3) : undefined
  const ifAbsent = condition >= 0.3 && condition < 0.4 ? true : undefined
  const input: KvInput = { type: 'put', key, value, ...(ifVersion === undefined ? {} : { ifVersion }), ...(ifAbsent === undefined ? {} : { ifAbsent }) }
  const ttlMs = ttlKeys.includes(key) ? random.int(20, 1_500) : undefined
  const lease = leaseKeys.includes(key) ? workload.leaseOf(client) : undefined
  const pending = history.begin(client.id, input, client.now())
  const outcome = await client.write({
    type: 'put',
    key,
    value: encode(value),
    ...(ifVersion === undefined ? {} : { ifVersion }),
    ...(ifAbsent === undefined ? {} : { ifAbsent }),
    ...(ttlMs === undefined ? {} : { ttlMs }),
    ...(lease === undefined ? {} : { lease }),
  })
  settle(pending, outcome, client, writeOutput)
  if (outcome.kind === 'ok' && outcome.value.ok) workload.acknowledged(key, outcome.value.revision, outcome.value.version)
}

export async function counterOperation(client: SimClient, workload: Workload): Promise<void> {
  const random = client.random
  const key = random.pick(counterKeys)
  const history = workload.histories.counter
  const choice = random.next()
  if (choice < 0.3) {
    const pending = history.begin(client.id, { type: 'get', key }, client.now())
    settle(pending, await client.read({ type: 'get', key }), client, (entry) => ({ value: entry === undefined ? 0 : decodeValue<number>(entry.value) }))
    return
  }
  if (choice < 0.38) {
    const value = random.int(0, 5)
    const pending = history.begin(client.id, { type: 'set', key, value }, client.now())
    settle(pending, await client.write({ type: 'counterSet', key, value }), client, (result) => ({ previous: result.previous }))
    return
  }
  const delta = random.pick([-3, -2, -1, 1, 2, 3])
  const bounded = random.chance(0.7)
  const bounds = bounded ? { min: 0, max: 8 } : {}
  const pending = history.begin(client.id, { type: 'add', key, delta, ...bounds }, client.now())
  const outcome = await client.write({ type: 'counterAdd', key, delta, ...bounds })
  settle(pending, outcome, client, (result) => (result.ok ? { ok: true, value: result.value, previous: result.previous } : { ok: false, value: result.value }))
  if (outcome.kind === 'ok' && outcome.value.ok) workload.acknowledged(key, outcome.value.revision, undefined)
}

export async function setOperation(client: SimClient, workload: Workload): Promise<void> {
  const random = client.random
  const history = workload.histories.set
  const key = random.pick(setKeys)
  const choice = random.next()
  if (choice < 0.3) {
    const pending = history.begin(client.id, { type: 'list', prefix: setPrefix }, client.now())
    const outcome = await client.read({ type: 'list', prefix: setPrefix, keysOnly: true })
    settle(pending, outcome, client, (result): KeySetOutput => ({ keys: result.entries.map((entry) => entry.key) }))
    return
  }
  if (choice < 0.7) {
    const ifAbsent = random.chance(0.6)
    const pending = history.begin(client.id, { type: 'add', prefix: setPrefix, key, ...(ifAbsent ? { ifAbsent } : {}) }, client.now())
    const outcome = await client.write({ type: 'put', key, value: encode(client.nextId()), ...(ifAbsent ? { ifAbsent } : {}) })
    settle(pending, outcome, client, (result): KeySetOutput => ({ ok: result.ok }))
    return
  }
  const pending = history.begin(client.id, { type: 'remove', prefix: setPrefix, key }, client.now())
  settle(pending, await client.write({ type: 'delete', key }), client, (result): KeySetOutput => ({ deleted: result.deleted }))
}
