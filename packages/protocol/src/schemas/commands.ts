import type {
  ClearCommand,
  Command,
  CounterAddCommand,
  CounterSetCommand,
  DeleteCommand,
  DeleteManyCommand,
  ElectionProclaimCommand,
  ExpireCommand,
  LeaseExtendCommand,
  LeaseGrantCommand,
  LeaseRenewCommand,
  LeaseRevokeCommand,
  ListQuery,
  LockAcquireCommand,
  LockCancelCommand,
  LockReleaseCommand,
  PersistCommand,
  PutCommand,
  PutManyCommand,
  Query,
  RawCompare,
  RawTxnOp,
  SetTtlCommand,
  TxnCommand,
  WatchRequest,
} from '@clustron/core/internal'
import { z } from 'zod'
import { bytesSchema, lockKindSchema, numberSchema, optionalBytes, optionalNumber } from './data.js'
import { storeAdminActionSchemas, type StoreAdminAction } from './stores.js'

/**
 * Schemas of every command and query of core's machine/types.ts, as they cross the wire. Shape
 * only: the machine checks limits and meaning, so a wire client gets the same errors as an
 * in-process one.
 */

const fenceSchema = z.object({ name: z.string(), token: numberSchema })

export const putCommandSchema = z.object({
  type: z.literal('put'),
  key: z.string(),
  value: bytesSchema,
  ttlMs: optionalNumber,
  lease: z.string().exactOptional(),
  ifVersion: optionalNumber,
  ifAbsent: z.boolean().exactOptional(),
  fence: fenceSchema.exactOptional(),
}) satisfies z.ZodType<PutCommand>

export const deleteCommandSchema = z.object({
  type: z.literal('delete'),
  key: z.string(),
  ifVersion: optionalNumber,
  fence: fenceSchema.exactOptional(),
}) satisfies z.ZodType<DeleteCommand>

export const putManyCommandSchema = z.object({
  type: z.literal('putMany'),
  entries: z.array(z.tuple([z.string(), bytesSchema])),
  ttlMs: optionalNumber,
  lease: z.string().exactOptional(),
}) satisfies z.ZodType<PutManyCommand>

export const deleteManyCommandSchema = z.object({ type: z.literal('deleteMany'), keys: z.array(z.string()) }) satisfies z.ZodType<DeleteManyCommand>

export const clearCommandSchema = z.object({
  type: z.literal('clear'),
  prefix: z.string().exactOptional(),
  start: z.string().exactOptional(),
  end: z.string().exactOptional(),
}) satisfies z.ZodType<ClearCommand>

export const setTtlCommandSchema = z.object({ type: z.literal('setTtl'), key: z.string(), ttlMs: numberSchema }) satisfies z.ZodType<SetTtlCommand>
export const persistCommandSchema = z.object({ type: z.literal('persist'), key: z.string() }) satisfies z.ZodType<PersistCommand>

const compareSchema = z.object({
  key: z.string(),
  target: z.enum(['value', 'version', 'createRevision', 'modRevision', 'lease']),
  op: z.enum(['==', '!=', '<', '>']),
  value: z.union([bytesSchema, numberSchema, z.string(), z.null()]),
}) satisfies z.ZodType<RawCompare>

const txnOpSchema = z.discriminatedUnion('op', [
  z.object({ op: z.literal('get'), key: z.string() }),
  z.object({ op: z.literal('put'), key: z.string(), value: bytesSchema, ttlMs: optionalNumber, lease: z.string().exactOptional() }),
  z.object({ op: z.literal('delete'), key: z.string() }),
  z.object({ op: z.literal('deletePrefix'), prefix: z.string() }),
  z.object({ op: z.literal('add'), key: z.string(), delta: numberSchema }),
]) satisfies z.ZodType<RawTxnOp>

export const txnCommandSchema = z.object({
  type: z.literal('txn'),
  if: z.array(compareSchema),
  then: z.array(txnOpSchema),
  else: z.array(txnOpSchema),
}) satisfies z.ZodType<TxnCommand>

export const counterAddCommandSchema = z.object({
  type: z.literal('counterAdd'),
  key: z.string(),
  delta: numberSchema,
  min: optionalNumber,
  max: optionalNumber,
  ttlMs: optionalNumber,
}) satisfies z.ZodType<CounterAddCommand>

export const counterSetCommandSchema = z.object({ type: z.literal('counterSet'), key: z.string(), value: numberSchema }) satisfies z.ZodType<CounterSetCommand>
export const leaseGrantCommandSchema = z.object({ type: z.literal('leaseGrant'), ttlMs: numberSchema }) satisfies z.ZodType<LeaseGrantCommand>
export const leaseRenewCommandSchema = z.object({ type: z.literal('leaseRenew'), id: z.string() }) satisfies z.ZodType<LeaseRenewCommand>
export const leaseRevokeCommandSchema = z.object({ type: z.literal('leaseRevoke'), id: z.string() }) satisfies z.ZodType<LeaseRevokeCommand>

export const lockAcquireCommandSchema = z.object({
  type: z.literal('lockAcquire'),
  kind: lockKindSchema,
  name: z.string(),
  waiterId: z.string(),
  lease: z.string().exactOptional(),
  ttlMs: optionalNumber,
  wait: z.boolean(),
  value: optionalBytes,
}) satisfies z.ZodType<LockAcquireCommand>

export const lockCancelCommandSchema = z.object({
  type: z.literal('lockCancel'),
  kind: lockKindSchema,
  name: z.string(),
  waiterId: z.string(),
}) satisfies z.ZodType<LockCancelCommand>

export const lockReleaseCommandSchema = z.object({
  type: z.literal('lockRelease'),
  kind: lockKindSchema,
  name: z.string(),
  token: numberSchema,
}) satisfies z.ZodType<LockReleaseCommand>

export const electionProclaimCommandSchema = z.object({
  type: z.literal('electionProclaim'),
  name: z.string(),
  token: numberSchema,
  value: bytesSchema,
}) satisfies z.ZodType<ElectionProclaimCommand>

export const expireCommandSchema = z.object({ type: z.literal('expire') }) satisfies z.ZodType<ExpireCommand>
export const leaseExtendCommandSchema = z.object({ type: z.literal('leaseExtend'), extendMs: numberSchema }) satisfies z.ZodType<LeaseExtendCommand>

const clientCommandSchemas = [
  putCommandSchema,
  deleteCommandSchema,
  putManyCommandSchema,
  deleteManyCommandSchema,
  clearCommandSchema,
  setTtlCommandSchema,
  persistCommandSchema,
  txnCommandSchema,
  counterAddCommandSchema,
  counterSetCommandSchema,
  leaseGrantCommandSchema,
  leaseRenewCommandSchema,
  leaseRevokeCommandSchema,
  lockAcquireCommandSchema,
  lockCancelCommandSchema,
  lockReleaseCommandSchema,
  electionProclaimCommandSchema,
] as const

/** Commands a client may send. `expire` and `leaseExtend` are proposed by the node that leads a store, never by clients. */
export const clientCommandSchema = z.discriminatedUnion('type', clientCommandSchemas)
export type ClientCommand = z.output<typeof clientCommandSchema>

/** Commands proposed by a node itself (time-driven). */
export const nodeCommandTypes: ReadonlySet<string> = new Set(['expire', 'leaseExtend'])

/** Every command (a replicated log carries these). */
export const commandSchema = z.discriminatedUnion('type', [...clientCommandSchemas, expireCommandSchema, leaseExtendCommandSchema]) satisfies z.ZodType<Command>

export const listQuerySchema = z.object({
  type: z.literal('list'),
  prefix: z.string().exactOptional(),
  start: z.string().exactOptional(),
  end: z.string().exactOptional(),
  limit: optionalNumber,
  reverse: z.boolean().exactOptional(),
  keysOnly: z.boolean().exactOptional(),
}) satisfies z.ZodType<ListQuery>

export const querySchema = z.discriminatedUnion('type', [
  z.object({ type: z.literal('get'), key: z.string() }),
  z.object({ type: z.literal('getMany'), keys: z.array(z.string()) }),
  listQuerySchema,
  z.object({ type: z.literal('count'), prefix: z.string().exactOptional(), start: z.string().exactOptional(), end: z.string().exactOptional() }),
  z.object({ type: z.literal('ttl'), key: z.string() }),
  z.object({ type: z.literal('leaseInfo'), id: z.string() }),
  z.object({ type: z.literal('leaseList') }),
  z.object({ type: z.literal('lockHolder'), kind: lockKindSchema, name: z.string() }),
  z.object({ type: z.literal('lockWaiter'), kind: lockKindSchema, name: z.string(), waiterId: z.string() }),
  z.object({ type: z.literal('electionLeader'), name: z.string() }),
  z.object({ type: z.literal('status') }),
]) satisfies z.ZodType<Query>

export const consistencySchema = z.enum(['linearizable', 'serializable'])

export const watchRequestSchema = z.object({
  key: z.string(),
  prefix: z.boolean(),
  fromRevision: optionalNumber,
  initial: z.boolean(),
  prevValue: z.boolean(),
}) satisfies z.ZodType<WatchRequest>

export const noticeTopicSchema = z.discriminatedUnion('type', [
  z.object({ type: z.literal('lease'), id: z.string() }),
  z.object({ type: z.literal('waiter'), kind: lockKindSchema, name: z.string(), waiterId: z.string() }),
  z.object({ type: z.literal('election'), name: z.string() }),
])

/** Membership of the store's Raft group (spec §10 `clustron members`). Addresses are host:port. */
export const adminActionSchema = z.discriminatedUnion('kind', [
  z.object({ kind: z.literal('members.list') }),
  z.object({ kind: z.literal('members.add'), nodeId: z.string().min(1).max(128), address: z.string().min(3).max(300), voter: z.boolean() }),
  z.object({ kind: z.literal('members.remove'), nodeId: z.string().min(1).max(128) }),
  ...storeAdminActionSchemas,
])
export type AdminAction =
  | { kind: 'members.list' }
  | { kind: 'members.add'; nodeId: string; address: string; voter: boolean }
  | { kind: 'members.remove'; nodeId: string }
  | StoreAdminAction
