import { join, resolve } from 'node:path'
import type { Clock, Limits } from '@clustron/core'
import { systemStoreName, type StoreConfig } from '@clustron/protocol'
import type { Logger } from 'pino'
import type { ParsedConfig } from '../config/schema.js'
import type { RaftReplica } from '../replica/raft/raft-replica.js'
import type { StoreHost } from '../store-host.js'
import { CatalogService } from './service.js'
import { catalogStoreLimits } from './store-limits.js'

export type { CatalogAccess } from './access.js'
export { CatalogService } from './service.js'

/** What the catalog needs of a node. */
export interface CatalogNode {
  readonly nodeId: string
  readonly hosts: Map<string, StoreHost>
  openReplica(store: string, limits: Limits, clock: Clock, directory: string, membership?: { bootstrap: Record<string, string> | undefined; defaultTtlMs?: number | undefined }): Promise<RaftReplica>
  forgetStore(store: string): void
  attachCatalog(catalog: CatalogService): void
}

/**
 * Opens the system store `_system` (founded like the config's stores: by the founding members)
 * and attaches the catalog service to the node. The service starts reconciling once the node
 * accepts clients (`node.catalog.start()`).
 */
export async function startCatalog(node: CatalogNode, options: { config: ParsedConfig; clock: Clock; stores: ParsedConfig['stores']; logger: Logger }): Promise<CatalogService> {
  const { config, clock } = options
  const storesDirectory = join(resolve(config.data!), 'stores')
  const nodeLimits = config.limits as Partial<Limits> | undefined
  const system = await node.openReplica(systemStoreName, catalogStoreLimits(nodeLimits, systemStoreName, {}), clock, join(storesDirectory, systemStoreName))
  const staticStores = new Map<string, StoreConfig>(
    options.stores.map((store) => {
      if (typeof store === 'string') return [store, {}]
      return [store.name, store.watchHistory === undefined ? {} : { watchHistory: store.watchHistory }]
    }),
  )
  const service = new CatalogService({
    nodeId: node.nodeId,
    system,
    hosts: node.hosts,
    storesDirectory,
    staticStores,
    open: (record, directory, bootstrap) => node.openReplica(record.name, catalogStoreLimits(nodeLimits, record.name, record.config), clock, directory, { bootstrap, defaultTtlMs: record.config.defaultTtlMs }),
    forget: (name) => node.forgetStore(name),
    logger: options.logger.child({ component: 'catalog' }),
  })
  node.attachCatalog(service)
  return service
}
