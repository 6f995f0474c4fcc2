/**
 * Workload of multi-key transactions on a few "account" keys holding numbers: transfers (two adds),
 * compare-and-set on a version, a compare on the value with a fallback branch, read-only
 * transactions over every account, and plain reads. Checked against the whole-store model.
 * (Value compares use ==, < and > only: on an absent key the machine answers `!=` true while the
 * model, following etcd, answers false — see README-simulator.md.)
 */
import { type RawTxnOp, type RawTxnOpResult, type TxnCommand } from '@clustron/core/internal'
import type { TxnCompare, TxnModelInput, TxnModelOutput, TxnOperation, TxnOperationResult } from '../checker/index.js'
import type { SimClient } from './client.js'
import { encode, observeEntry, settle } from './workload-keys.js'
import type { Workload } from './workload.js'

export const accountKeys = ['x0', 'x1', 'x2']

interface TxnPlan {
  input: Extract<TxnModelInput, { type: 'txn' }>
  command: TxnCommand
}

function rawOperation(operation: TxnOperation): RawTxnOp {
  switch (operation.op) {
    case 'put':
      return { op: 'put', key: operation.key, value: encode(operation.value) }
    case 'add':
      return { op: 'add', key: operation.key, delta: operation.delta }
    case 'get':
      return { op: 'get', key: operation.key }
    case 'delete':
      return { op: 'delete', key: operation.key }
    case 'deletePrefix':
      return { op: 'deletePrefix', prefix: operation.prefix }
  }
}

function plan(compares: TxnCompare[], then: TxnOperation[], otherwise: TxnOperation[]): TxnPlan {
  return {
    input: { type: 'txn', if: compares, then, else: otherwise },
    command: {
      type: 'txn',
      if: compares.map((compare) => ({
        key: compare.key,
        target: compare.target,
        op: compare.op ?? '==',
        value: compare.target === 'value' ? encode(compare.value) : (compare.value as number),
      })),
      then: then.map(rawOperation),
      else: otherwise.map(rawOperation),
    },
  }
}

function choosePlan(client: SimClient): TxnPlan {
  const random = client.random
  const [from, to] = random.shuffle(accountKeys) as [string, string, string]
  const choice = random.next()
  if (choice < 0.35) {
    const amount = random.int(1, 5)
    return plan([], [{ op: 'add', key: from, delta: -amount }, { op: 'add', key: to, delta: amount }], [])
  }
  if (choice < 0.55) {
    const version = random.int(0, 4)
    return plan([{ key: from, target: 'version', op: '==', value: version }], [{ op: 'put', key: from, value: random.int(0, 20) }], [{ op: 'get', key: from }])
  }
  if (choice < 0.75) {
    const threshold = random.int(-3, 5)
    return plan([{ key: from, target: 'value', op: random.pick(['<', '>'] as const), value: threshold }], [{ op: 'add', key: from, delta: -1 }, { op: 'get', key: to }], [{ op: 'get', key: from }])
  }
  return plan([], accountKeys.map((key) => ({ op: 'get', key })), [])
}

function operationResult(result: RawTxnOpResult): TxnOperationResult {
  switch (result.op) {
    case 'get':
      return observeEntry(result.entry)
    case 'put':
      return { version: result.version, revision: result.revision }
    case 'delete':
      return { deleted: result.deleted }
    case 'add':
      return { value: result.value, previous: result.previous }
  }
}

export async function txnOperation(client: SimClient, workload: Workload): Promise<void> {
  const history = workload.histories.txn
  if (client.random.chance(0.2)) {
    const key = client.random.pick(accountKeys)
    const pending = history.begin(client.id, { type: 'get', key }, client.now())
    settle(pending, await client.read({ type: 'get', key }), client, (entry): TxnModelOutput => ({ entry: observeEntry(entry) }))
    return
  }
  const { input, command } = choosePlan(client)
  const pending = history.begin(client.id, input, client.now())
  const outcome = await client.write(command)
  if (outcome.kind === 'refused' && (outcome.code === 'TYPE_MISMATCH' || outcome.code === 'OUT_OF_RANGE')) {
    pending.complete({ rejected: outcome.code }, client.now())
    return
  }
  settle(pending, outcome, client, (result): TxnModelOutput => ({ succeeded: result.succeeded, results: result.results.map(operationResult) }))
}
