import { InvalidArgumentError } from '@clustron/core'
import { systemStoreName, type Member, type StoreConfig, type StoreInfo } from '@clustron/protocol'
import { parseUrl, type RemoteConnectOptions } from './connect.js'
import { openBackend } from './remote/connect-remote.js'
import type { RemoteBackend } from './remote/remote-backend.js'

export type { Member, StoreConfig, StoreInfo }

/**
 * Cluster administration: the members of one store's Raft group (what `clustron members` uses:
 * list, add a member as a learner that catches up then as a voter, remove one), and the cluster's
 * store catalog (what `clustron stores` uses: create, list, describe, delete, move). Membership
 * requests go to the store's leader; catalog requests go to the system store's leader.
 */
export class ClusterAdmin implements AsyncDisposable {
  #catalog: Promise<RemoteBackend> | undefined

  private constructor(
    private readonly backend: RemoteBackend,
    private readonly options: RemoteConnectOptions,
  ) {}

  static async connect(target: string | RemoteConnectOptions): Promise<ClusterAdmin> {
    const options = typeof target === 'string' ? parseUrl(target) : target
    if (options.mode !== 'remote') throw new InvalidArgumentError('cluster administration needs a remote store (clustron://host:port/store)')
    return new ClusterAdmin(await openBackend(options), options)
  }

  async members(): Promise<Member[]> {
    return (await this.backend.admin({ kind: 'members.list' })).members
  }

  /** Adds `nodeId` at `address` (host:port): as a learner unless `voter` (which also promotes a learner). */
  async addMember(nodeId: string, address: string, options: { voter?: boolean } = {}): Promise<Member[]> {
    return (await this.backend.admin({ kind: 'members.add', nodeId, address, voter: options.voter ?? false })).members
  }

  async removeMember(nodeId: string): Promise<Member[]> {
    return (await this.backend.admin({ kind: 'members.remove', nodeId })).members
  }

  /** Creates a store, placed on `config.replicas` (default 3, or every node of a smaller cluster) of the cluster's nodes. */
  async createStore(name: string, config: StoreConfig = {}): Promise<StoreInfo> {
    return one(await (await this.#stores()).storesAdmin({ kind: 'stores.create', name, config }))
  }

  /** Every store of the cluster, as the catalog records it. */
  async listStores(): Promise<StoreInfo[]> {
    return (await (await this.#stores()).storesAdmin({ kind: 'stores.list' })).stores
  }

  async describeStore(name: string): Promise<StoreInfo> {
    return one(await (await this.#stores()).storesAdmin({ kind: 'stores.describe', name }))
  }

  /** Deletes a store: every node holding it drops it and its data. Throws NOT_FOUND when there is no such store. */
  async deleteStore(name: string): Promise<StoreInfo> {
    return one(await (await this.#stores()).storesAdmin({ kind: 'stores.delete', name }))
  }

  /**
   * Moves a store's replica from node `from` to node `to`; resolves once the catalog records it.
   * The store's leader then adds `to` as a learner, promotes it once caught up, and removes `from`
   * (no downtime): poll `describeStore`/`status` or wait with `waitForStore` to see it done.
   */
  async moveStore(name: string, from: string, to: string): Promise<StoreInfo> {
    return one(await (await this.#stores()).storesAdmin({ kind: 'stores.move', name, from, to }))
  }

  /**
   * Changes a store's config (the fields given replace the store's): `replicas` grows or shrinks its
   * placement (new replicas join as learners and are promoted); new limits or default TTL reopen its
   * replicas one node at a time.
   */
  async configureStore(name: string, config: StoreConfig): Promise<StoreInfo> {
    return one(await (await this.#stores()).storesAdmin({ kind: 'stores.configure', name, config }))
  }

  async close(): Promise<void> {
    const catalog = this.#catalog
    this.#catalog = undefined
    await Promise.allSettled([this.backend.close(), catalog?.then((backend) => backend.close())])
  }

  async [Symbol.asyncDispose](): Promise<void> {
    await this.close()
  }

  /** The connection to the system store (the catalog): the admin's own when it was opened on it, else a second one to the same seeds. */
  #stores(): Promise<RemoteBackend> {
    if (this.options.store === systemStoreName) return Promise.resolve(this.backend)
    this.#catalog ??= openBackend({ ...this.options, store: systemStoreName })
    const opening = this.#catalog
    opening.catch(() => {
      if (this.#catalog === opening) this.#catalog = undefined
    })
    return opening
  }
}

function one(result: { stores: StoreInfo[] }): StoreInfo {
  const store = result.stores[0]
  if (store === undefined) throw new Error('the node answered a store request without the store')
  return store
}
