import { storeInfoSchema, type StoreInfo } from '@clustron/protocol'
import { z } from 'zod'

/**
 * What the catalog (the system store `_system`) holds about one store, under `stores/<name>`:
 * the store as clients and admins see it (StoreInfo) plus the founding replicas, which bootstrap
 * the store's Raft group with the same initial membership on every one of them. A replica added
 * later (a move) starts empty and is added to the group by the store's leader.
 */
export const catalogRecordSchema = storeInfoSchema.extend({ bootstrap: z.array(z.string()) })
export type CatalogRecord = z.output<typeof catalogRecordSchema>

/** Where a store's record lives in the system store. */
export const storeKeyPrefix = 'stores/'
export const storeKey = (name: string): string => `${storeKeyPrefix}${name}`

/** The most stores one catalog holds (each store is a Raft group on several nodes: ticks, logs, sockets). */
export const storesMax = 1_000

/** The public view of a record. */
export function storeInfo(record: CatalogRecord): StoreInfo {
  const { bootstrap: _bootstrap, ...info } = record
  return info
}
