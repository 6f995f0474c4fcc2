import type { ErrorData } from '@clustron/core/internal'
import type { z } from 'zod'
import { clientMessageSchema, serverMessageSchema, type ClientMessage, type ServerMessage } from './messages.js'
import { nodeCommandTypes } from './schemas/commands.js'

/**
 * Validation of decoded messages. A message that fails is answered by its id when it has a usable
 * one (INVALID_ARGUMENT naming the field and the problem); without one the peer cannot be told
 * which request failed, so the connection closes with `badFrame`.
 */

export type Parsed<M> = { ok: true; message: M } | { ok: false; id: number | undefined; error: ErrorData }

/** Validates one client message. */
export function parseClientMessage(raw: unknown): Parsed<ClientMessage> {
  const internal = nodeCommandOf(raw)
  if (internal !== undefined) {
    return invalid(raw, `command '${internal}' is proposed by the node that leads the store, never by a client`)
  }
  const parsed = clientMessageSchema.safeParse(raw)
  if (parsed.success) return { ok: true, message: parsed.data as ClientMessage }
  return invalid(raw, describeIssues(parsed.error))
}

/** Validates one node message (the client side). */
export function parseServerMessage(raw: unknown): Parsed<ServerMessage> {
  const parsed = serverMessageSchema.safeParse(raw)
  if (parsed.success) return { ok: true, message: parsed.data as ServerMessage }
  return invalid(raw, describeIssues(parsed.error))
}

/** Checks a value against a schema; the error names the first problems (for results and configs). */
export function check<T>(schema: z.ZodType<T>, value: unknown, what: string): { ok: true; value: T } | { ok: false; message: string } {
  const parsed = schema.safeParse(value)
  return parsed.success ? { ok: true, value: parsed.data } : { ok: false, message: `${what}: ${describeIssues(parsed.error)}` }
}

/** The `id` of a raw message, when it has a usable one. */
export function usableId(raw: unknown): number | undefined {
  if (typeof raw !== 'object' || raw === null) return undefined
  const id = (raw as { id?: unknown }).id
  return typeof id === 'number' && Number.isSafeInteger(id) && id >= 0 ? id : undefined
}

function nodeCommandOf(raw: unknown): string | undefined {
  if (typeof raw !== 'object' || raw === null || (raw as { type?: unknown }).type !== 'write') return undefined
  const command = (raw as { command?: unknown }).command
  const type = typeof command === 'object' && command !== null ? (command as { type?: unknown }).type : undefined
  return typeof type === 'string' && nodeCommandTypes.has(type) ? type : undefined
}

function invalid(raw: unknown, message: string): { ok: false; id: number | undefined; error: ErrorData } {
  const type = typeof raw === 'object' && raw !== null ? (raw as { type?: unknown }).type : undefined
  const what = typeof type === 'string' ? `invalid '${type.slice(0, 40)}' message` : 'invalid message'
  return { ok: false, id: usableId(raw), error: { code: 'INVALID_ARGUMENT', message: `${what}: ${message}` } }
}

/** "at command.key: expected string, received number" for the first few issues. */
export function describeIssues(error: z.ZodError): string {
  const issues = error.issues.slice(0, 3).map((issue) => {
    const path = issue.path.map(String).join('.')
    return path === '' ? issue.message : `at ${path}: ${issue.message}`
  })
  if (error.issues.length > 3) issues.push(`and ${error.issues.length - 3} more`)
  return issues.join('; ')
}
