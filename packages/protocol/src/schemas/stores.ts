import { z } from 'zod'

/**
 * Store administration (issue 9: many stores per cluster). A cluster keeps a catalog of its stores
 * in the replicated system store `_system`; these actions read and change it. They are sent as
 * `admin` requests on a connection to `_system` (ClusterAdmin does that), and answered by the
 * system store's leader with the stores concerned.
 */

/** The store every replicated cluster keeps its catalog in (hosted by every voter). */
export const systemStoreName = '_system'

/** A store name: what clients put in `clustron://host/<store>`. Names starting with `_` are the system's. */
export const storeNameSchema = z
  .string()
  .regex(/^[A-Za-z0-9][A-Za-z0-9._-]{0,127}$/, "a store name is 1-128 letters, digits, '.', '_' or '-', starting with a letter or digit")

const positiveInteger = (max: number) => z.number().int().min(1).max(max)

/** Per-store configuration: how many replicas, limits, default TTL. Absent fields take the node's defaults. */
export const storeConfigSchema = z.strictObject({
  /** Nodes holding a copy (a Raft voter each); default 3, or every node when the cluster is smaller. */
  replicas: positiveInteger(9).exactOptional(),
  /** Largest encoded value, bytes (at most the node's own limit). */
  valueBytesMax: positiveInteger(1024 * 1024).exactOptional(),
  /** Key count quota. */
  keysMax: positiveInteger(Number.MAX_SAFE_INTEGER).exactOptional(),
  /** Revisions of events retained for watch({ fromRevision }). */
  watchHistory: positiveInteger(100_000_000).exactOptional(),
  /** TTL given to puts that name neither a TTL nor a lease. */
  defaultTtlMs: positiveInteger(Number.MAX_SAFE_INTEGER).exactOptional(),
})
export type StoreConfig = z.output<typeof storeConfigSchema>

export const storeAdminActionSchemas = [
  z.object({ kind: z.literal('stores.list') }),
  z.object({ kind: z.literal('stores.describe'), name: storeNameSchema }),
  z.object({ kind: z.literal('stores.create'), name: storeNameSchema, config: storeConfigSchema }),
  z.object({ kind: z.literal('stores.delete'), name: storeNameSchema }),
  /** Moves the replica on node `from` to node `to` (learner on `to`, caught up, promoted, then `from` removed). */
  z.object({ kind: z.literal('stores.move'), name: storeNameSchema, from: z.string().min(1).max(128), to: z.string().min(1).max(128) }),
  /** Changes a store's config: the fields given replace the store's (replicas grow or shrink its placement; limits reopen its replicas one node at a time). */
  z.object({ kind: z.literal('stores.configure'), name: storeNameSchema, config: storeConfigSchema }),
] as const

export type StoreAdminAction =
  | { kind: 'stores.list' }
  | { kind: 'stores.describe'; name: string }
  | { kind: 'stores.create'; name: string; config: StoreConfig }
  | { kind: 'stores.delete'; name: string }
  | { kind: 'stores.move'; name: string; from: string; to: string }
  | { kind: 'stores.configure'; name: string; config: StoreConfig }

/** One store as the catalog records it. */
export const storeInfoSchema = z.object({
  name: z.string(),
  /** Distinguishes a store from an earlier one of the same name (deleted, then created again). */
  uid: z.string(),
  config: storeConfigSchema,
  /** Node ids that hold (or are to hold) a voting replica. */
  replicas: z.array(z.string()),
  /** The node the store's leadership is steered to (leaders are spread across nodes). */
  preferredLeader: z.string().exactOptional(),
  /** Declared in a node's config (hosted by the nodes that declare it; cannot be deleted or moved at runtime). */
  static: z.boolean(),
  createdAt: z.number(),
  /** Node ids → host:port of the replicas, so clients and nodes can find them. */
  addresses: z.record(z.string(), z.string()),
})
export type StoreInfo = z.output<typeof storeInfoSchema>

/** Every `stores.*` action answers the stores concerned (one, or all for `stores.list`). */
export const storesResultSchema = z.object({ stores: z.array(storeInfoSchema) })
export type StoresResult = z.output<typeof storesResultSchema>
