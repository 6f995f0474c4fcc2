import { errorFromData, errorToData, type Command, type Query } from '@clustron/core/internal'
import { LeaseNotFoundError, CompactedError, errorCodes } from '@clustron/core'
import { describe, expect, expectTypeOf, it } from 'vitest'
import type { z } from 'zod'
import type { clientMessageSchema, serverMessageSchema } from '../src/index.js'
import {
  commandResultSchemas,
  commandSchema,
  errorDataSchema,
  parseClientMessage,
  parseServerMessage,
  queryResultSchemas,
  querySchema,
  type ClientMessage,
  type ServerMessage,
} from '../src/index.js'

const bytes = new Uint8Array([0xa1, 0x78])

/** One valid example of every command of core's machine/types.ts. */
const commands: Command[] = [
  { type: 'put', key: 'k', value: bytes, ttlMs: 10, lease: '1', ifVersion: 0, ifAbsent: true, fence: { name: 'L', token: 3 } },
  { type: 'delete', key: 'k', ifVersion: 2 },
  { type: 'putMany', entries: [['a', bytes], ['b', bytes]], ttlMs: 5 },
  { type: 'deleteMany', keys: ['a', 'b'] },
  { type: 'clear', prefix: 'p/' },
  { type: 'clear', start: 'a', end: 'b' },
  { type: 'setTtl', key: 'k', ttlMs: 100 },
  { type: 'persist', key: 'k' },
  {
    type: 'txn',
    if: [{ key: 'a', target: 'value', op: '==', value: bytes }, { key: 'b', target: 'lease', op: '!=', value: null }],
    then: [{ op: 'get', key: 'a' }, { op: 'put', key: 'a', value: bytes, lease: 'x' }, { op: 'deletePrefix', prefix: 'z' }],
    else: [{ op: 'add', key: 'n', delta: 1 }, { op: 'delete', key: 'q' }],
  },
  { type: 'counterAdd', key: 'c', delta: 2, min: 0, max: 10 },
  { type: 'counterSet', key: 'c', value: 7 },
  { type: 'leaseGrant', ttlMs: 1000 },
  { type: 'leaseRenew', id: '1' },
  { type: 'leaseRevoke', id: '1' },
  { type: 'lockAcquire', kind: 'lock', name: 'L', waiterId: 'w1', ttlMs: 500, wait: true },
  { type: 'lockAcquire', kind: 'election', name: 'E', waiterId: 'w2', lease: '1', wait: true, value: bytes },
  { type: 'lockCancel', kind: 'lock', name: 'L', waiterId: 'w1' },
  { type: 'lockRelease', kind: 'election', name: 'E', token: 4 },
  { type: 'electionProclaim', name: 'E', token: 4, value: bytes },
  { type: 'expire' },
  { type: 'leaseExtend', extendMs: 1000 },
]

const queries: Query[] = [
  { type: 'get', key: 'k' },
  { type: 'getMany', keys: ['a'] },
  { type: 'list', prefix: 'p', limit: 10, reverse: true, keysOnly: true },
  { type: 'count', start: 'a', end: 'b' },
  { type: 'ttl', key: 'k' },
  { type: 'leaseInfo', id: '1' },
  { type: 'leaseList' },
  { type: 'lockHolder', kind: 'lock', name: 'L' },
  { type: 'lockWaiter', kind: 'election', name: 'E', waiterId: 'w' },
  { type: 'electionLeader', name: 'E' },
  { type: 'status' },
]

describe('schemas', () => {
  it('parse types agree with the protocol types', () => {
    expectTypeOf<z.output<typeof clientMessageSchema>>().toExtend<ClientMessage>()
    expectTypeOf<z.output<typeof serverMessageSchema>>().toExtend<ServerMessage>()
    expectTypeOf<z.output<typeof commandSchema>>().toExtend<Command>()
    expectTypeOf<z.output<typeof querySchema>>().toExtend<Query>()
  })

  it('accepts every command and query of the machine, unchanged', () => {
    for (const command of commands) expect(commandSchema.parse(command)).toEqual(command)
    for (const query of queries) expect(querySchema.parse(query)).toEqual(query)
  })

  it('a client may send every command but the node-only ones', () => {
    for (const [id, command] of commands.entries()) {
      const parsed = parseClientMessage({ type: 'write', id, command })
      if (command.type === 'expire' || command.type === 'leaseExtend') {
        expect(parsed).toMatchObject({ ok: false, id, error: { code: 'INVALID_ARGUMENT' } })
        expect(parsed.ok ? '' : parsed.error.message).toContain('proposed by the node')
      } else expect(parsed).toEqual({ ok: true, message: { type: 'write', id, command } })
    }
  })

  it('names the bad field of a message with a usable id', () => {
    const parsed = parseClientMessage({ type: 'write', id: 7, command: { type: 'put', key: 1, value: bytes } })
    expect(parsed.ok).toBe(false)
    if (parsed.ok) return
    expect(parsed.id).toBe(7)
    expect(parsed.error.code).toBe('INVALID_ARGUMENT')
    expect(parsed.error.message).toMatch(/invalid 'write' message: at command\.key/)
  })

  it('rejects undefined for an optional field only when sent explicitly as another type', () => {
    expect(commandSchema.safeParse({ type: 'put', key: 'k', value: bytes, ttlMs: null }).success).toBe(false)
    expect(commandSchema.safeParse({ type: 'put', key: 'k', value: 'not bytes' }).success).toBe(false)
  })

  it('has no usable id for messages that are not objects or have a bad id', () => {
    for (const raw of [null, 3, 'x', [], { type: 'ping' }, { type: 'ping', id: -1 }, { type: 'ping', id: 1.5 }, { type: 'ping', id: '1' }]) {
      const parsed = parseClientMessage(raw)
      expect(parsed.ok).toBe(false)
      if (!parsed.ok) expect(parsed.id).toBeUndefined()
    }
  })

  it('checks results of every command and query type', () => {
    expect(commandResultSchemas.put.safeParse({ ok: true, revision: 1, version: 1 }).success).toBe(true)
    expect(commandResultSchemas.put.safeParse({ ok: false, reason: 'exists', current: { key: 'k', value: bytes, version: 1, createRevision: 1, modRevision: 1 } }).success).toBe(true)
    expect(commandResultSchemas.put.safeParse({ ok: false, reason: 'nope' }).success).toBe(false)
    expect(queryResultSchemas.get.safeParse(undefined).success).toBe(true)
    expect(queryResultSchemas.ttl.safeParse(Number.POSITIVE_INFINITY).success).toBe(true)
    expect(queryResultSchemas.getMany.safeParse([undefined, { key: 'k', value: bytes, version: 1, createRevision: 1, modRevision: 1 }]).success).toBe(true)
    expect(queryResultSchemas.lockWaiter.safeParse({ state: 'queued', position: 1, lease: 'l' }).success).toBe(true)
    expect(Object.keys(commandResultSchemas).sort()).toEqual([...new Set(commands.map((command) => command.type))].sort())
    expect(Object.keys(queryResultSchemas).sort()).toEqual(queries.map((query) => query.type).sort())
  })

  it('carries every error code so the client rebuilds the same class', () => {
    for (const code of errorCodes) {
      const data = errorDataSchema.parse({ code, message: 'm' })
      expect(errorFromData(data).code).toBe(code)
    }
    const lease = errorFromData(errorDataSchema.parse(errorToData(new LeaseNotFoundError('gone', { details: { lease: 'x' } }))))
    expect(lease).toBeInstanceOf(LeaseNotFoundError)
    expect(lease.details).toEqual({ lease: 'x' })
    const compacted = errorFromData(errorDataSchema.parse(errorToData(new CompactedError('old', { details: { compactRevision: 9 } }))))
    expect(compacted).toBeInstanceOf(CompactedError)
    expect(compacted.details.compactRevision).toBe(9)
    // A code from a newer node becomes INTERNAL instead of failing the message.
    expect(errorDataSchema.parse({ code: 'SOMETHING_NEW', message: 'm' }).code).toBe('INTERNAL')
  })

  it('validates node messages', () => {
    expect(parseServerMessage({ type: 'welcome', protocol: 1, node: 'n1', store: 's', limits: { keysMax: Number.POSITIVE_INFINITY }, revision: 0 }).ok).toBe(true)
    expect(parseServerMessage({ type: 'result', id: 1 }).ok).toBe(true)
    expect(parseServerMessage({ type: 'watch-events', watchId: 1, events: [{ type: 'put', key: 'k', version: 1, revision: 2, value: bytes }] }).ok).toBe(true)
    expect(parseServerMessage({ type: 'watch-events', watchId: 1, events: [{ type: 'upsert', key: 'k', version: 1, revision: 2 }] }).ok).toBe(false)
    expect(parseServerMessage({ type: 'notice', notice: { type: 'leaseLost', id: '1', reason: 'expired' } }).ok).toBe(true)
  })
})
