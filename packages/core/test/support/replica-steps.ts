import fc from 'fast-check'
import type { Command } from '../../src/machine/types.js'
import { bytesOf } from './model.js'
import { actionOf, jsonValue, keyPool, leasePool, stepArbitrary, type Action } from './model-steps.js'

/**
 * Commands for the replica properties (snapshot/restore, two machines): every key-value step of
 * the model tests plus locks, elections, fenced writes and lease extension, which need no model
 * because the machines are compared with each other.
 */
export const lockNames = ['job', 'sched', '\ue000']
export const waiterIds = ['w1', 'w2', 'w3', 'w4']

const name = fc.constantFrom(...lockNames)
const waiterId = fc.constantFrom(...waiterIds)
const kind = fc.constantFrom('lock' as const, 'election' as const)
const token = fc.integer({ min: 1, max: 40 })

const coordination: fc.Arbitrary<Command> = fc.oneof(
  fc
    .record({
      kind,
      name,
      waiterId,
      lease: fc.option(fc.constantFrom(...leasePool), { nil: undefined, freq: 2 }),
      ttlMs: fc.integer({ min: 1, max: 400 }),
      wait: fc.boolean(),
      value: fc.option(jsonValue, { nil: undefined }),
    })
    .map(
      ({ lease, value, ...rest }): Command => ({
        type: 'lockAcquire',
        ...rest,
        ...(lease === undefined ? {} : { lease }),
        ...(value === undefined ? {} : { value: bytesOf(value) }),
      }),
    ),
  fc.record({ kind, name, waiterId }).map((rest): Command => ({ type: 'lockCancel', ...rest })),
  fc.record({ kind, name, token }).map((rest): Command => ({ type: 'lockRelease', ...rest })),
  fc.record({ name, token, value: jsonValue }).map(({ value, ...rest }): Command => ({ type: 'electionProclaim', ...rest, value: bytesOf(value) })),
  fc.integer({ min: 1, max: 300 }).map((extendMs): Command => ({ type: 'leaseExtend', extendMs })),
  fc
    .record({ key: fc.constantFrom(...keyPool), value: jsonValue, fenceName: name, token, remove: fc.boolean() })
    .map(({ key, value, fenceName, token: fenceToken, remove }): Command =>
      remove
        ? { type: 'delete', key, fence: { name: fenceName, token: fenceToken } }
        : { type: 'put', key, value: bytesOf(value), fence: { name: fenceName, token: fenceToken } },
    ),
)

export const replicaActionArbitrary: fc.Arbitrary<Action> = fc.oneof(
  { weight: 3, arbitrary: stepArbitrary.map(actionOf) },
  { weight: 2, arbitrary: coordination.map((command): Action => ({ kind: 'command', command })) },
)
