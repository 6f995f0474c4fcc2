import { existsSync, readdirSync, readFileSync, rmSync, writeFileSync, mkdirSync } from 'node:fs'
import { join } from 'node:path'
import type { ClustronError } from '@clustron/core'
import { systemStoreName, type StoreAdminAction, type StoreConfig, type StoresResult } from '@clustron/protocol'
import type { Logger } from 'pino'
import type { RaftReplica } from '../replica/raft/raft-replica.js'
import { StoreHost } from '../store-host.js'
import type { CatalogAccess } from './access.js'
import { Catalog } from './catalog.js'
import { convergeStep } from './converge.js'
import type { CatalogRecord } from './records.js'

/** How often a node compares what it hosts with the catalog (and each store leader its group with its record). */
export const reconcileIntervalMs = 250
/** A replica the catalog moved away keeps serving at most this long waiting to be removed from its group. */
export const retireTimeoutMs = 15_000
/** Leadership is steered to a store's preferred node at most this often per store. */
const steerIntervalMs = 5_000
/** Replicas reopening with new limits take turns this far apart. */
const reopenSpacingMs = 1_500
/** File in a store's directory naming the catalog incarnation (uid) its data belongs to. */
const uidFile = 'store-uid'

export interface CatalogServiceOptions {
  nodeId: string
  system: RaftReplica
  /** The node's stores by name: the service adds the stores the catalog places here and removes those it takes away. */
  hosts: Map<string, StoreHost>
  /** Directory holding one directory per store (`<data>/stores`). */
  storesDirectory: string
  /** Stores declared in this node's config (opened by the node, never touched by the service). */
  staticStores: ReadonlyMap<string, StoreConfig>
  /** Opens the Raft replica of a catalog store (founding members: bootstrap; otherwise it waits to be added). */
  open(record: CatalogRecord, directory: string, bootstrap: Record<string, string> | undefined): Promise<RaftReplica>
  /** The node forgets a store it no longer hosts (its peers' addresses) and closes its clients' connections to it. */
  forget(name: string): void
  logger: Logger
}

/**
 * A node's side of the store catalog: serves `stores.*` admin actions and handshake redirects, and
 * reconciles — opens a Raft replica for every catalog store placed on this node, closes (and wipes)
 * those no longer placed here, and, on each store it leads, brings the group's membership to the
 * record (moves) and its leadership to the preferred node. One reconcile runs at a time; a round
 * is triggered by every catalog change and by a timer.
 */
export class CatalogService implements CatalogAccess {
  readonly catalog: Catalog
  readonly systemStoreHost: StoreHost
  #timer: NodeJS.Timeout | undefined
  #running: Promise<void> | undefined
  #again = false
  #closed = false
  #redirects = 0
  readonly #retiring = new Map<string, number>()
  readonly #steeredAt = new Map<string, number>()
  readonly #uids = new Map<string, string>()
  /** The limits each open store was opened with, and when a store whose limits changed is due to reopen here. */
  readonly #configs = new Map<string, string>()
  readonly #reopenAt = new Map<string, number>()
  /** Stores whose convergence step is running. */
  readonly #converging = new Set<string>()
  readonly #detach: () => void

  constructor(private readonly options: CatalogServiceOptions) {
    this.catalog = new Catalog(options.system, options.nodeId, options.staticStores)
    this.systemStoreHost = new StoreHost(options.system)
    this.#detach = options.system.onApplied(() => this.trigger())
  }

  start(): void {
    this.#timer = setInterval(() => this.trigger(), reconcileIntervalMs)
    this.#timer.unref()
    this.trigger()
  }

  systemHost(name: string): StoreHost | undefined {
    return name === systemStoreName ? this.systemStoreHost : undefined
  }

  missingStore(name: string): ClustronError {
    return this.catalog.missingStore(name, this.#redirects++)
  }

  admin(action: StoreAdminAction): Promise<StoresResult> {
    return this.catalog.admin(action)
  }

  /** Asks for a reconcile round (coalesced: at most one runs, and one more after it). */
  trigger(): void {
    if (this.#closed) return
    if (this.#running !== undefined) {
      this.#again = true
      return
    }
    this.#running = this.#round()
      .catch((error: unknown) => this.options.logger.warn({ err: error }, 'store catalog: reconcile failed; retrying'))
      .finally(() => {
        this.#running = undefined
        if (this.#again && !this.#closed) {
          this.#again = false
          this.trigger()
        }
      })
  }

  /** Stops reconciling (node shutdown; the node closes the system store with its other stores). */
  async stop(): Promise<void> {
    this.#closed = true
    if (this.#timer !== undefined) clearInterval(this.#timer)
    this.#detach()
    await this.#running
  }

  async #round(): Promise<void> {
    const { hosts, nodeId, staticStores } = this.options
    if (!this.catalog.fresh()) return
    await this.catalog.registerStatic()
    const records = this.catalog.records()
    const byName = new Map(records.map((record) => [record.name, record]))
    const nodes = this.catalog.nodes()
    for (const record of records) {
      if (this.#closed) return
      if (record.static || staticStores.has(record.name)) continue
      const host = hosts.get(record.name)
      const placed = record.replicas.includes(nodeId)
      if (host !== undefined && this.#uids.get(record.name) !== record.uid) {
        await this.#remove(record.name, 'the store was deleted and created again')
        continue
      }
      if (host === undefined) {
        if (placed) await this.#open(record, nodes)
        continue
      }
      const replica = host.replica as RaftReplica
      if (!placed) {
        await this.#retire(record, replica, nodes)
        continue
      }
      this.#retiring.delete(record.name)
      if (this.#configs.get(record.name) !== limitsKey(record)) {
        await this.#reopen(record, replica, nodes)
        continue
      }
      this.#converge(record, replica, nodes, true)
    }
    for (const name of [...hosts.keys()]) {
      if (!byName.has(name) && !staticStores.has(name) && this.#uids.has(name)) await this.#remove(name, 'the store was deleted')
    }
    this.#sweep(byName)
  }

  /**
   * Starts one convergence step of a store this node leads, unless one is still running: a step may
   * wait for a membership change to commit or a leadership transfer (seconds, when a node is down),
   * and must not hold up the other stores' reconciling.
   */
  #converge(record: CatalogRecord, replica: RaftReplica, nodes: Record<string, string>, mayTransfer: boolean): void {
    const name = record.name
    if (this.#converging.has(name) || replica.status().role !== 'leader') return
    const now = Date.now()
    const steer = mayTransfer && now - (this.#steeredAt.get(name) ?? 0) >= steerIntervalMs
    if (steer) this.#steeredAt.set(name, now)
    this.#converging.add(name)
    convergeStep(replica, record, this.options.nodeId, nodes, steer)
      .then(
        (step) => {
          if (step !== undefined) this.options.logger.info({ store: name }, `store catalog: ${step}`)
        },
        (error: unknown) => this.options.logger.info({ store: name, err: error }, 'store catalog: a membership step failed; retrying'),
      )
      .finally(() => this.#converging.delete(name))
  }

  /**
   * The store's limits changed (stores.configure): reopen this replica with the new ones. Replicas
   * take turns (1.5 s apart, in the order of the record) so the group keeps its quorum; a leader
   * hands leadership over first.
   */
  async #reopen(record: CatalogRecord, replica: RaftReplica, nodes: Record<string, string>): Promise<void> {
    const name = record.name
    const now = Date.now()
    const due = this.#reopenAt.get(name) ?? now + Math.max(0, record.replicas.indexOf(this.options.nodeId)) * reopenSpacingMs
    this.#reopenAt.set(name, due)
    if (now < due || this.#converging.has(name)) return
    if (replica.status().role === 'leader' && record.replicas.length > 1) await replica.transferLeadership(2_000)
    this.#reopenAt.delete(name)
    const host = this.options.hosts.get(name)
    this.options.hosts.delete(name)
    this.#uids.delete(name)
    this.options.forget(name)
    await host?.close()
    await this.#open(record, nodes)
    this.options.logger.info({ store: name, config: record.config }, 'store catalog: reopened a store with its new config')
  }

  async #open(record: CatalogRecord, nodes: Record<string, string>): Promise<void> {
    const directory = join(this.options.storesDirectory, record.name)
    // Data of an earlier store of the same name (deleted while this node was away) is not this store's.
    if (existsSync(directory) && readUid(directory) !== record.uid) rmSync(directory, { recursive: true, force: true })
    mkdirSync(directory, { recursive: true })
    writeFileSync(join(directory, uidFile), record.uid)
    const bootstrap = record.bootstrap.includes(this.options.nodeId)
      ? Object.fromEntries(record.bootstrap.map((id) => [id, record.addresses[id] ?? nodes[id] ?? '']))
      : undefined
    const replica = await this.options.open(record, directory, bootstrap)
    if (this.#closed) {
      await replica.close()
      return
    }
    this.#uids.set(record.name, record.uid)
    this.#configs.set(record.name, limitsKey(record))
    this.options.hosts.set(record.name, new StoreHost(replica))
    this.options.logger.info({ store: record.name, replicas: record.replicas, joining: bootstrap === undefined }, 'store catalog: opened a store placed on this node')
  }

  /** The catalog moved this replica away: lead no more, and leave once the group let go of it (or after a bound). */
  async #retire(record: CatalogRecord, replica: RaftReplica, nodes: Record<string, string>): Promise<void> {
    const name = record.name
    const since = this.#retiring.get(name) ?? Date.now()
    this.#retiring.set(name, since)
    if (replica.status().role === 'leader') {
      this.#converge(record, replica, nodes, false)
      return
    }
    const stillMember = replica.membership().some((member) => member.id === this.options.nodeId)
    if (!stillMember || Date.now() - since >= retireTimeoutMs) await this.#remove(name, 'the store moved to other nodes')
  }

  async #remove(name: string, why: string): Promise<void> {
    const host = this.options.hosts.get(name)
    this.options.hosts.delete(name)
    this.#uids.delete(name)
    this.#retiring.delete(name)
    this.#configs.delete(name)
    this.#reopenAt.delete(name)
    this.options.forget(name)
    await host?.close()
    rmSync(join(this.options.storesDirectory, name), { recursive: true, force: true })
    this.options.logger.info({ store: name }, `store catalog: removed the store's replica from this node (${why})`)
  }

  /** Directories of catalog stores this node does not host (deleted while it was away) are removed. */
  #sweep(records: Map<string, CatalogRecord>): void {
    let names: string[]
    try {
      names = readdirSync(this.options.storesDirectory)
    } catch {
      return
    }
    for (const name of names) {
      if (name === systemStoreName || this.options.staticStores.has(name) || this.options.hosts.has(name)) continue
      const directory = join(this.options.storesDirectory, name)
      if (!existsSync(join(directory, uidFile))) continue
      const record = records.get(name)
      if (record !== undefined && record.replicas.includes(this.options.nodeId)) continue
      rmSync(directory, { recursive: true, force: true })
    }
  }
}

/** What an open replica cannot change without reopening: its limits and default TTL. */
function limitsKey(record: CatalogRecord): string {
  const { valueBytesMax, keysMax, watchHistory, defaultTtlMs } = record.config
  return JSON.stringify([valueBytesMax, keysMax, watchHistory, defaultTtlMs])
}

function readUid(directory: string): string | undefined {
  try {
    return readFileSync(join(directory, uidFile), 'utf8').trim()
  } catch {
    return undefined
  }
}
