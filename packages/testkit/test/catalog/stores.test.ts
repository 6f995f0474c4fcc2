import { existsSync } from 'node:fs'
import { join } from 'node:path'
import { connect } from '@clustron/client'
import { afterEach, describe, expect, it } from 'vitest'
import { rejectsWith } from '../../src/conformance/helpers.js'
import { CatalogCluster, eventually } from './support.js'

describe('the store catalog', () => {
  let cluster: CatalogCluster
  afterEach(async () => cluster?.close())

  it('creates, lists, describes and deletes stores through the admin API', async () => {
    cluster = new CatalogCluster()
    await cluster.start(3)
    const admin = await cluster.admin()
    const created = await admin.createStore('orders', { replicas: 2, valueBytesMax: 1024 })
    expect(created.name).toBe('orders')
    expect(created.replicas).toHaveLength(2)
    expect(created.config).toEqual({ replicas: 2, valueBytesMax: 1024 })
    expect(created.replicas).toContain(created.preferredLeader)
    await rejectsWith(admin.createStore('orders'), 'CONFLICT')
    await rejectsWith(admin.createStore('big', { replicas: 4 }), 'INVALID_ARGUMENT')

    const names = (await admin.listStores()).map((store) => store.name).sort()
    // 'default' is declared in the nodes' config: the catalog records it as a static store.
    expect(names).toEqual(['default', 'orders'])
    expect((await admin.describeStore('orders')).uid).toBe(created.uid)
    await rejectsWith(admin.describeStore('nope'), 'NOT_FOUND')
    await rejectsWith(admin.deleteStore('default'), 'INVALID_ARGUMENT')

    // The two placed nodes open the store and elect a leader; the third never hosts it.
    await eventually('orders to have a leader on its two nodes', () => {
      const hosting = cluster.hosting('orders')
      return hosting.leader !== undefined && hosting.ids.join() === created.replicas.join()
    })
    const store = await cluster.client('orders')
    expect((await store.put('k', 'v')).ok).toBe(true)
    // Per-store limits are enforced by the store's replicas.
    await rejectsWith(store.put('big', 'x'.repeat(2_000)), 'TOO_LARGE')

    const deleted = await admin.deleteStore('orders')
    expect(deleted.name).toBe('orders')
    await eventually('orders to be gone from every node', () => cluster.hosting('orders').ids.length === 0)
    for (const id of created.replicas) {
      await eventually(`orders' data on ${id} to be removed`, () => !existsSync(join(cluster.directory, id, 'stores', 'orders')))
    }
    await rejectsWith(admin.describeStore('orders'), 'NOT_FOUND')
    await rejectsWith(connect(cluster.url('orders')), 'NOT_FOUND')
    // The name is free again: a new store, with nothing of the old one.
    const again = await admin.createStore('orders', { replicas: 3 })
    expect(again.uid).not.toBe(created.uid)
    const fresh = await cluster.client('orders')
    expect(await fresh.get('k')).toBeUndefined()
  })

  it('places stores on subsets of nodes, spreads leaders, and clients find a store from any seed', async () => {
    cluster = new CatalogCluster()
    await cluster.start(3)
    const admin = await cluster.admin()
    const a = await admin.createStore('a', { replicas: 1 })
    const b = await admin.createStore('b', { replicas: 1 })
    const c = await admin.createStore('c', { replicas: 1 })
    // One replica each: the least-loaded node every time, so each node holds exactly one.
    expect(new Set([a.replicas[0], b.replicas[0], c.replicas[0]]).size).toBe(3)
    const placed = { a: a.replicas[0]!, b: b.replicas[0]!, c: c.replicas[0]! }
    for (const [name, id] of Object.entries(placed)) {
      await eventually(`${name} to be led by ${id}`, () => cluster.hosting(name).leader === id)
      // Every node as the only seed: the ones without the store redirect to the one with it.
      for (const seed of Object.values(cluster.peers)) {
        const store = await cluster.client(name, [seed])
        expect((await store.put(`from-${seed}`, name)).ok).toBe(true)
        const status = await store.status()
        expect(status.leader).toBe(id)
      }
    }
    const spread = await admin.createStore('spread', { replicas: 3 })
    expect(spread.replicas).toEqual(['n1', 'n2', 'n3'])
    // Leadership is steered to the preferred node.
    await eventually(`spread to be led by ${spread.preferredLeader}`, () => cluster.hosting('spread').leader === spread.preferredLeader, 20_000)
  })

  it('enforces per-store config: default TTL and key quota, on a single node', async () => {
    cluster = new CatalogCluster()
    await cluster.start(1)
    const admin = await cluster.admin()
    const created = await admin.createStore('sessions', { defaultTtlMs: 60_000, keysMax: 2 })
    expect(created.config).toEqual({ replicas: 1, defaultTtlMs: 60_000, keysMax: 2 })
    const store = await cluster.client('sessions')
    expect((await store.put('a', 1)).ok).toBe(true)
    const ttl = await store.ttl('a')
    expect(ttl).toBeGreaterThan(50_000)
    expect(ttl).toBeLessThanOrEqual(60_000)
    // An explicit TTL wins.
    expect((await store.put('b', 2, { ttlMs: 5_000 })).ok).toBe(true)
    expect(await store.ttl('b')).toBeLessThanOrEqual(5_000)
    await rejectsWith(store.put('c', 3), 'RESOURCE_EXHAUSTED')
    // Another store of the same node is not bound by this store's config.
    const other = await cluster.client('default')
    expect((await other.put('a', 1)).ok).toBe(true)
    expect(await other.ttl('a')).toBe(Number.POSITIVE_INFINITY)
    for (const key of ['b', 'c', 'd']) expect((await other.put(key, 1)).ok).toBe(true)
  })

  it('reconfigures a store: more replicas join the running group, new limits apply on every replica', async () => {
    cluster = new CatalogCluster()
    await cluster.start(3)
    const admin = await cluster.admin()
    const created = await admin.createStore('grow', { replicas: 1, valueBytesMax: 100 })
    await eventually('grow to have a leader', () => cluster.hosting('grow').leader !== undefined)
    const store = await cluster.client('grow')
    expect((await store.put('small', 'x')).ok).toBe(true)
    await rejectsWith(store.put('big', 'x'.repeat(200)), 'TOO_LARGE')

    const changed = await admin.configureStore('grow', { replicas: 3, valueBytesMax: 1_000 })
    expect(changed.replicas).toEqual(['n1', 'n2', 'n3'])
    expect(changed.config).toEqual({ replicas: 3, valueBytesMax: 1_000 })
    expect(changed.uid).toBe(created.uid)
    await eventually('grow to live on three nodes with three voters', () => {
      const leader = cluster.hosting('grow').leader
      const members = leader === undefined ? [] : (cluster.nodes.get(leader)!.health().stores.grow?.members ?? [])
      return cluster.hosting('grow').ids.length === 3 && members.filter((member) => member.role !== 'learner').length === 3
    }, 20_000)
    // A handle checks values against the limits of its first welcome: a new handle sees the new ones.
    await eventually('the new value limit on every replica', async () => {
      const fresh = await connect(cluster.url('grow'))
      try {
        return (await fresh.put('big', 'x'.repeat(200))).ok
      } finally {
        await fresh.close()
      }
    }, 20_000)
    expect((await store.get('small'))?.value).toBe('x')
    await rejectsWith(admin.configureStore('grow', { replicas: 4 }), 'INVALID_ARGUMENT')
  }, 60_000)
})
