import type { ClustronError } from '@clustron/core'
import type { StoreAdminAction, StoresResult } from '@clustron/protocol'
import type { StoreHost } from '../store-host.js'

/** What client connections use of the store catalog (absent on a node without one: in memory, no --data). */
export interface CatalogAccess {
  /** The system store's host, when `name` is it (clients connect to it for store administration). */
  systemHost(name: string): StoreHost | undefined
  /** The error a handshake naming a store this node does not host is refused with: a redirect (UNAVAILABLE with `details.leader`) or NOT_FOUND. */
  missingStore(name: string): ClustronError
  /** A `stores.*` admin action (changes need the system store's leader; elsewhere UNAVAILABLE names it). */
  admin(action: StoreAdminAction): Promise<StoresResult>
}
