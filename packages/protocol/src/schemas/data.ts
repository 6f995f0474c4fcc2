import { defaultLimits, isErrorCode, type ErrorCode, type Limits } from '@clustron/core'
import type { ErrorData, LockKind, Notice, RawEntry, RawWatchEvent } from '@clustron/core/internal'
import { z } from 'zod'

/**
 * Schemas of the plain data that both directions carry: entries, watch events, notices, errors,
 * limits. They check shape only; the StoreMachine does the semantic checks (key length, TTL bounds,
 * integer ranges) for wire and in-process callers alike, so both modes reject with the same error.
 */

/** Any JavaScript number, Infinity and NaN included (the machine says what it accepts). */
export const numberSchema = z.custom<number>((value) => typeof value === 'number', { message: 'expected a number' })

/** Msgpack `bin`: a Buffer in Node, a Uint8Array in browsers. */
export const bytesSchema = z.custom<Uint8Array>((value) => value instanceof Uint8Array, { message: 'expected bytes (msgpack bin)' })

// Optional fields: the check itself lets `undefined` through. zod runs an optional field's schema on
// the missing value, and a failing custom check there costs ~1 µs (an issue built, then dropped) per
// absent field on every message; `exactOptional` still keeps a missing key missing.
export const optionalNumber = z.custom<number>((value) => typeof value === 'number' || value === undefined, { message: 'expected a number' }).exactOptional()
export const optionalBytes = z.custom<Uint8Array>((value) => value instanceof Uint8Array || value === undefined, { message: 'expected bytes (msgpack bin)' }).exactOptional()

/** A request id or watch id: a non-negative safe integer chosen by the client. */
export const idSchema = z.number().int().min(0).max(Number.MAX_SAFE_INTEGER)

export const lockKindSchema = z.enum(['lock', 'election']) satisfies z.ZodType<LockKind>

export const rawEntrySchema = z.object({
  key: z.string(),
  value: bytesSchema,
  version: numberSchema,
  createRevision: numberSchema,
  modRevision: numberSchema,
  lease: z.string().exactOptional(),
  expiresAt: optionalNumber,
}) satisfies z.ZodType<RawEntry>

export const rawWatchEventSchema = z.object({
  type: z.enum(['put', 'delete']),
  key: z.string(),
  value: optionalBytes,
  version: numberSchema,
  revision: numberSchema,
  prev: rawEntrySchema.exactOptional(),
  reason: z.enum(['deleted', 'expired', 'lease', 'cleared']).exactOptional(),
}) satisfies z.ZodType<RawWatchEvent>

const leaderSchema = z.object({ value: bytesSchema, token: numberSchema })

export const noticeSchema = z.discriminatedUnion('type', [
  z.object({ type: z.literal('leaseLost'), id: z.string(), reason: z.enum(['expired', 'revoked']) }),
  z.object({
    type: z.literal('lockGranted'),
    kind: lockKindSchema,
    name: z.string(),
    waiterId: z.string(),
    token: numberSchema,
    since: numberSchema,
    lease: z.string(),
  }),
  z.object({
    type: z.literal('lockEnded'),
    kind: lockKindSchema,
    name: z.string(),
    waiterId: z.string(),
    token: optionalNumber,
    reason: z.enum(['released', 'lease', 'cancelled']),
  }),
  z.object({ type: z.literal('electionChanged'), name: z.string(), leader: leaderSchema.exactOptional(), revision: numberSchema }),
]) satisfies z.ZodType<Notice>

export const errorDataSchema = z.object({
  // A code this build does not know (a newer peer) becomes INTERNAL rather than failing the message.
  code: z.string().transform((code): ErrorCode => (isErrorCode(code) ? code : 'INTERNAL')),
  message: z.string(),
  details: z
    .object({
      compactRevision: optionalNumber,
      retryAfterMs: optionalNumber,
      limit: optionalNumber,
      size: optionalNumber,
      lease: z.string().exactOptional(),
      leader: z.string().exactOptional(),
    })
    .exactOptional(),
}) satisfies z.ZodType<ErrorData>

/**
 * A node's limits. Every known limit is optional on the wire (an older node may not know a newer
 * limit); {@link completeLimits} fills the gaps with the defaults.
 */
export const limitsSchema = z.object(
  Object.fromEntries(Object.keys(defaultLimits).map((name) => [name, optionalNumber])) as {
    [K in keyof Limits]: typeof optionalNumber
  },
)

export function completeLimits(limits: Partial<Limits>): Limits {
  return { ...defaultLimits, ...limits }
}
