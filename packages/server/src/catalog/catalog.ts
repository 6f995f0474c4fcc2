import { randomUUID } from 'node:crypto'
import { ConflictError, InvalidArgumentError, NotFoundError, ResourceExhaustedError, UnavailableError, type ClustronError } from '@clustron/core'
import { decodeData, encodeData } from '@clustron/core/internal'
import { systemStoreName, type StoreAdminAction, type StoreConfig, type StoresResult } from '@clustron/protocol'
import type { RaftReplica } from '../replica/raft/raft-replica.js'
import { movedRecord, placeStore, resizedRecord } from './placement.js'
import { catalogRecordSchema, storeInfo, storeKey, storeKeyPrefix, storesMax, type CatalogRecord } from './records.js'

/** Replicas of a store when its config does not say (or every node, when the cluster is smaller). */
export const defaultReplicas = 3

/**
 * The store catalog: records in the system store `_system` (a Raft group on every voter of the
 * cluster, using the ordinary StoreMachine), read locally by every node and changed only through
 * the system store's leader with conditional writes — two admins racing cannot both win.
 */
export class Catalog {
  constructor(
    readonly replica: RaftReplica,
    private readonly nodeId: string,
    /** Stores declared in this node's config: recorded (as static) by the leader when missing. */
    private readonly staticStores: ReadonlyMap<string, StoreConfig> = new Map(),
  ) {}

  /** The cluster's nodes (the system store's voters), id → host:port. */
  nodes(): Record<string, string> {
    const members = this.replica.members
    const voters = this.replica.membership().filter((member) => member.role !== 'learner').map((member) => member.id)
    return Object.fromEntries(voters.filter((id) => members[id] !== undefined).map((id) => [id, members[id]!]))
  }

  /** Every record this node's copy of the catalog holds (may lag the leader's by a few entries). */
  records(): CatalogRecord[] {
    const page = this.replica.readLocal({ type: 'list', prefix: storeKeyPrefix, limit: Math.min(storesMax + 1, this.replica.limits.listLimitMax) })
    return page.entries.flatMap((entry) => {
      const parsed = catalogRecordSchema.safeParse(decodeData(entry.value))
      return parsed.success ? [parsed.data] : []
    })
  }

  record(name: string): CatalogRecord | undefined {
    return this.records().find((record) => record.name === name)
  }

  /** Whether this node's copy of the catalog can be trusted to decide (a leader is known and everything committed is applied). */
  fresh(): boolean {
    const status = this.replica.status()
    return status.leader !== undefined && status.appliedIndex >= status.commitIndex
  }

  /** Runs a `stores.*` admin action (changes need this node to lead the system store). */
  async admin(action: StoreAdminAction): Promise<StoresResult> {
    // The leader's own config stores are in the catalog before it answers (a reconcile round may not have run yet).
    await this.registerStatic()
    switch (action.kind) {
      case 'stores.list':
        await this.#sync()
        return { stores: this.records().map(storeInfo) }
      case 'stores.describe':
        await this.#sync()
        return { stores: [storeInfo(this.#existing(action.name))] }
      case 'stores.create':
        return { stores: [storeInfo(await this.create(action.name, action.config))] }
      case 'stores.delete':
        return { stores: [storeInfo(await this.delete(action.name))] }
      case 'stores.move':
        return { stores: [storeInfo(await this.move(action.name, action.from, action.to))] }
      case 'stores.configure':
        return { stores: [storeInfo(await this.configure(action.name, action.config))] }
    }
  }

  async create(name: string, config: StoreConfig, options: { static?: boolean } = {}): Promise<CatalogRecord> {
    this.#leaderOnly()
    await this.#sync()
    if (name.startsWith('_') || name === systemStoreName) throw new InvalidArgumentError(`store names starting with '_' are the system's; pick another name than '${name}'`)
    if (this.record(name) !== undefined) throw new ConflictError(`store '${name}' already exists; describe it with 'clustron stores describe ${name}' or pick another name`)
    const records = this.records()
    if (records.length >= storesMax) throw new ResourceExhaustedError(`the cluster has ${records.length} stores (limit ${storesMax}); delete some first`, { details: { limit: storesMax } })
    const nodes = this.nodes()
    const ids = Object.keys(nodes)
    const count = options.static === true ? ids.length : (config.replicas ?? Math.min(defaultReplicas, ids.length))
    if (count > ids.length) {
      throw new InvalidArgumentError(`store '${name}' asks for ${count} replicas but the cluster has ${ids.length} nodes (${ids.join(', ')}); add nodes or ask for fewer replicas`)
    }
    const placement = placeStore(ids, records, count)
    const record: CatalogRecord = {
      name,
      uid: randomUUID(),
      config: options.static === true ? config : { ...config, replicas: count },
      replicas: placement.replicas,
      // Static stores are on every node and their leadership is not steered: they do not count as led by anyone.
      ...(options.static === true ? {} : { preferredLeader: placement.preferredLeader }),
      static: options.static === true,
      createdAt: Date.now(),
      addresses: pick(nodes, placement.replicas),
      bootstrap: placement.replicas,
    }
    await this.#write(record, { ifAbsent: true })
    return record
  }

  async delete(name: string): Promise<CatalogRecord> {
    this.#leaderOnly()
    await this.#sync()
    const record = this.#existing(name)
    if (record.static) throw new InvalidArgumentError(`store '${name}' is declared in the nodes' config; remove it from their stores and restart them instead`)
    const result = await this.replica.propose({ type: 'delete', key: storeKey(name) })
    if (!result) throw new NotFoundError(`store '${name}' does not exist (it was deleted meanwhile)`)
    return record
  }

  async move(name: string, from: string, to: string): Promise<CatalogRecord> {
    this.#leaderOnly()
    await this.#sync()
    const record = this.#existing(name)
    if (record.static) throw new InvalidArgumentError(`store '${name}' is declared in the nodes' config (every node hosts it); only stores created with 'clustron stores create' move`)
    const nodes = this.nodes()
    if (!record.replicas.includes(from)) throw new InvalidArgumentError(`store '${name}' has no replica on node '${from}' (its replicas: ${record.replicas.join(', ')})`)
    if (record.replicas.includes(to)) throw new InvalidArgumentError(`store '${name}' already has a replica on node '${to}'; pick a node without one`)
    if (nodes[to] === undefined) throw new InvalidArgumentError(`node '${to}' is not a member of the cluster (nodes: ${Object.keys(nodes).join(', ')})`)
    const moved = movedRecord(record, from, to)
    moved.addresses = pick({ ...record.addresses, ...nodes }, moved.replicas)
    await this.#write(moved, { ifVersion: await this.#version(name) })
    return moved
  }

  /** Changes a store's config (the fields given); a new replica count changes its placement. */
  async configure(name: string, config: StoreConfig): Promise<CatalogRecord> {
    this.#leaderOnly()
    await this.#sync()
    const record = this.#existing(name)
    if (record.static) throw new InvalidArgumentError(`store '${name}' is declared in the nodes' config; change it there`)
    const nodes = this.nodes()
    const ids = Object.keys(nodes)
    const count = config.replicas ?? record.replicas.length
    if (count > ids.length) throw new InvalidArgumentError(`store '${name}' asks for ${count} replicas but the cluster has ${ids.length} nodes (${ids.join(', ')}); add nodes or ask for fewer`)
    const resized = resizedRecord(record, ids, this.records(), count)
    const changed: CatalogRecord = { ...resized, config: { ...record.config, ...config, replicas: count } }
    changed.addresses = pick({ ...record.addresses, ...nodes }, changed.replicas)
    await this.#write(changed, { ifVersion: await this.#version(name) })
    return changed
  }

  /** Records the stores declared in this node's config that the catalog does not know yet (leader only; others skip). */
  async registerStatic(): Promise<void> {
    if (this.replica.status().role !== 'leader') return
    for (const [name, config] of this.staticStores) {
      if (this.record(name) !== undefined) continue
      await this.create(name, config, { static: true }).catch((error: unknown) => {
        if (!(error instanceof ConflictError)) throw error
      })
    }
  }

  /** Where a store this node does not host lives: the error that tells the client (a redirect, or NOT_FOUND). */
  missingStore(name: string, redirects: number): ClustronError {
    const record = this.record(name)
    if (record === undefined) {
      return new NotFoundError(`store '${name}' does not exist in this cluster (node ${this.nodeId} knows ${this.records().length} stores); create it with 'clustron stores create ${name}' or check the name`)
    }
    const addresses = record.replicas.map((id) => record.addresses[id]).filter((address): address is string => address !== undefined)
    // Rotating through the replicas, the preferred leader first and this node last (it is placed
    // here but not open yet: it will be shortly): a client sent to one that is down finds another on its next try.
    const rank = (id: string) => (id === record.preferredLeader ? 0 : id === this.nodeId ? 2 : 1)
    const ordered = [...record.replicas].sort((a, b) => rank(a) - rank(b)).map((id) => record.addresses[id]).filter((address): address is string => address !== undefined)
    const target = ordered[redirects % Math.max(1, ordered.length)]
    return new UnavailableError(
      `store '${name}' is not hosted by node ${this.nodeId}; it lives on ${record.replicas.join(', ')} (${addresses.join(', ')}): connect there`,
      target === undefined ? {} : { details: { leader: target } },
    )
  }

  #existing(name: string): CatalogRecord {
    const record = this.record(name)
    if (record === undefined) throw new NotFoundError(`store '${name}' does not exist; list stores with 'clustron stores list'`)
    return record
  }

  /** Changes go through the system store's leader: elsewhere, say where it is (the client follows). */
  #leaderOnly(): void {
    const status = this.replica.status()
    if (status.role === 'leader') return
    const leader = this.replica.leaderAddress()
    throw new UnavailableError(
      `node ${this.nodeId} does not lead the store catalog${leader === undefined ? ' and no leader is known (an election is under way); retry shortly' : `; its leader is at ${leader}`}`,
      leader === undefined ? {} : { details: { leader } },
    )
  }

  /** Catches this node's copy up with everything committed before the call (a ReadIndex round). */
  async #sync(): Promise<void> {
    await this.replica.read({ type: 'status' }, 'linearizable')
  }

  async #version(name: string): Promise<number> {
    const entry = await this.replica.read({ type: 'get', key: storeKey(name) }, 'linearizable')
    if (entry === undefined) throw new NotFoundError(`store '${name}' does not exist (it was deleted meanwhile)`)
    return entry.version
  }

  async #write(record: CatalogRecord, condition: { ifAbsent: true } | { ifVersion: number }): Promise<void> {
    const result = await this.replica.propose({ type: 'put', key: storeKey(record.name), value: encodeData(record), ...condition })
    if (!result.ok) throw new ConflictError(`the catalog entry of store '${record.name}' changed meanwhile (${result.reason}); look at it again and retry`)
  }
}

function pick(addresses: Record<string, string>, ids: readonly string[]): Record<string, string> {
  return Object.fromEntries(ids.filter((id) => addresses[id] !== undefined).map((id) => [id, addresses[id]!]))
}
