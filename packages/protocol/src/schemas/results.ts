import type { CommandResults, CommandType, QueryResults, QueryType } from '@clustron/core/internal'
import { z } from 'zod'
import { bytesSchema, numberSchema, optionalNumber, rawEntrySchema } from './data.js'

/**
 * Schemas of every command and query result, keyed by the command or query type. The client
 * checks each response against the schema of what it asked, so a confused or newer node cannot
 * hand the Store layer a shape it does not expect.
 */

const revisionOnly = z.object({ revision: numberSchema })

const writeResultSchema = z.union([
  z.object({ ok: z.literal(true), revision: numberSchema, version: numberSchema }),
  z.object({ ok: z.literal(false), reason: z.enum(['version-mismatch', 'exists', 'missing', 'fenced']), current: rawEntrySchema.exactOptional() }),
])

const txnOpResultSchema = z.discriminatedUnion('op', [
  z.object({ op: z.literal('get'), entry: rawEntrySchema.exactOptional() }),
  z.object({ op: z.literal('put'), revision: numberSchema, version: numberSchema }),
  z.object({ op: z.literal('delete'), deleted: numberSchema }),
  z.object({ op: z.literal('add'), value: numberSchema, previous: numberSchema }),
])

export const commandResultSchemas = {
  put: writeResultSchema,
  delete: z.object({ deleted: z.boolean(), revision: numberSchema }),
  putMany: revisionOnly,
  deleteMany: z.object({ deleted: numberSchema, revision: numberSchema }),
  clear: z.object({ deleted: numberSchema, revision: numberSchema }),
  setTtl: z.object({ ok: z.boolean(), revision: numberSchema }),
  persist: z.object({ ok: z.boolean(), revision: numberSchema }),
  txn: z.object({ succeeded: z.boolean(), revision: numberSchema, results: z.array(txnOpResultSchema) }),
  counterAdd: z.union([
    z.object({ ok: z.literal(true), value: numberSchema, previous: numberSchema, revision: numberSchema }),
    z.object({ ok: z.literal(false), value: numberSchema }),
  ]),
  counterSet: z.object({ previous: numberSchema, revision: numberSchema }),
  leaseGrant: z.object({ id: z.string(), ttlMs: numberSchema, expiresAt: numberSchema }),
  leaseRenew: z.object({ ttlMs: numberSchema, expiresAt: numberSchema }),
  leaseRevoke: z.object({ revoked: z.boolean(), revision: numberSchema }),
  lockAcquire: z.union([
    z.object({ granted: z.literal(true), token: numberSchema, revision: numberSchema, since: numberSchema, lease: z.string() }),
    z.object({ granted: z.literal(false), queued: z.boolean(), lease: z.string() }),
  ]),
  lockCancel: z.object({ cancelled: z.boolean(), token: optionalNumber }),
  lockRelease: z.object({ released: z.boolean(), revision: numberSchema }),
  electionProclaim: z.object({ ok: z.boolean(), revision: numberSchema }),
  expire: z.object({ revision: numberSchema, keys: numberSchema, leases: numberSchema }),
  leaseExtend: z.object({ leases: numberSchema }),
} satisfies { [T in CommandType]: z.ZodType<CommandResults[T]> }

const machineStatusShape = {
  revision: numberSchema,
  compactRevision: numberSchema,
  keys: numberSchema,
  leases: numberSchema,
  locks: numberSchema,
  elections: numberSchema,
  lockWaiters: numberSchema,
}

export const queryResultSchemas = {
  get: rawEntrySchema.optional(),
  getMany: z.array(rawEntrySchema.optional()),
  list: z.object({ entries: z.array(rawEntrySchema), more: z.boolean(), revision: numberSchema }),
  count: numberSchema,
  ttl: numberSchema.optional(),
  leaseInfo: z.object({ id: z.string(), ttlMs: numberSchema, remainingMs: numberSchema, keys: z.array(z.string()) }).optional(),
  leaseList: z.array(z.string()),
  lockHolder: z.object({ token: numberSchema, since: numberSchema, lease: z.string() }).optional(),
  lockWaiter: z.discriminatedUnion('state', [
    z.object({ state: z.literal('holding'), token: numberSchema, since: numberSchema, lease: z.string() }),
    z.object({ state: z.literal('queued'), position: numberSchema, lease: z.string() }),
    z.object({ state: z.literal('absent') }),
  ]),
  electionLeader: z.object({ leader: z.object({ value: bytesSchema, token: numberSchema }).exactOptional(), revision: numberSchema }),
  status: z.object(machineStatusShape),
} satisfies { [T in QueryType]: z.ZodType<QueryResults[T]> }

/** What `status` answers: the machine's counters plus where the store's replica stands. */
export const memberSchema = z.object({ id: z.string(), address: z.string(), role: z.string(), matchIndex: numberSchema.exactOptional() })
export type Member = z.output<typeof memberSchema>
export const statusResultSchema = z.object({
  ...machineStatusShape,
  store: z.string(),
  node: z.string(),
  leader: z.string().exactOptional(),
  term: numberSchema,
  commitIndex: numberSchema,
  appliedIndex: numberSchema,
  role: z.string().exactOptional(),
  members: z.array(memberSchema).exactOptional(),
})
/** `admin` answers the store's members after the action. */
export const adminResultSchema = z.object({ members: z.array(memberSchema) })
export type StatusResult = z.output<typeof statusResultSchema>

/** `watch` answers the revision the watch was registered at: every later change will be pushed. */
export const watchResultSchema = revisionOnly
/** `unwatch` answers whether a watch of that id was open. */
export const unwatchResultSchema = z.object({ removed: z.boolean() })
/** `subscribe`, `unsubscribe` and `ping` answer nothing (null). */
export const emptyResultSchema = z.null()
