import type { Request } from '@clustron/protocol'
import { z } from 'zod'

/**
 * Roles on a store, each including the one before it:
 * - `read`: every read (get, getMany, list, count, ttl, status, leaseInfo/leaseList, lockHolder,
 *   electionLeader), watch, and the notice subscriptions behind `observe`;
 * - `write`: read + every command (put, delete, batches, clear, expire/persist, txn, counters,
 *   leases, locks, elections);
 * - `admin`: write + cluster administration (adding and removing members).
 */
export const roles = ['read', 'write', 'admin'] as const
export type Role = (typeof roles)[number]

const rank: Record<Role, number> = { read: 1, write: 2, admin: 3 }

/** Whether `granted` includes `required`. */
export function roleAllows(granted: Role | undefined, required: Role): boolean {
  return granted !== undefined && rank[granted] >= rank[required]
}

/** The higher of two roles. */
export function higherRole(a: Role | undefined, b: Role | undefined): Role | undefined {
  if (a === undefined) return b
  if (b === undefined) return a
  return rank[a] >= rank[b] ? a : b
}

/** A store name as a grant names it: an exact store name, or `*` for every store of the node. */
const storePattern = z.string().regex(/^(\*|[A-Za-z0-9][A-Za-z0-9._-]{0,127})$/, "a store in a grant is a store name or '*'")

/**
 * The `stores` claim of a token (and the `stores` of a static token): roles per store, e.g.
 * `{ "orders": ["write"], "*": ["read"] }`. A role may also be given alone (`"orders": "write"`).
 */
export const storeGrantsSchema = z.record(storePattern, z.union([z.enum(roles), z.array(z.enum(roles)).min(1)]))
export type StoreGrants = z.input<typeof storeGrantsSchema>

/** Grants normalised to the highest role per store pattern. */
export type NormalisedGrants = Readonly<Record<string, Role>>

export function normaliseGrants(grants: z.output<typeof storeGrantsSchema>): NormalisedGrants {
  const out: Record<string, Role> = {}
  for (const [store, granted] of Object.entries(grants)) {
    for (const role of Array.isArray(granted) ? granted : [granted]) out[store] = higherRole(out[store], role)!
  }
  return out
}

/** The role `grants` give on `store`: the higher of its own grant and the `*` grant. */
export function roleOn(grants: NormalisedGrants, store: string): Role | undefined {
  return higherRole(Object.hasOwn(grants, store) ? grants[store] : undefined, grants['*'])
}

/** The role a request needs on the connection's store. */
export function requiredRole(request: Request): Role {
  switch (request.type) {
    case 'write':
      return 'write'
    case 'admin':
      // Listing members shows what `status` already shows a reader; changing them is administration.
      return request.action.kind === 'members.list' || request.action.kind === 'stores.list' || request.action.kind === 'stores.describe' ? 'read' : 'admin'
    case 'read':
    case 'status':
    case 'watch':
    case 'unwatch':
    case 'subscribe':
    case 'unsubscribe':
    case 'ping':
      return 'read'
  }
}
