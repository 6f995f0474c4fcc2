import { existsSync } from 'node:fs'
import { join } from 'node:path'
import { afterEach, describe, expect, it } from 'vitest'
import { CatalogCluster, eventually } from './support.js'

describe('moving a store replica', () => {
  let cluster: CatalogCluster
  afterEach(async () => cluster?.close())

  it('moves a replica to another node while clients keep writing', async () => {
    cluster = new CatalogCluster()
    await cluster.start(3)
    const admin = await cluster.admin()
    const created = await admin.createStore('orders', { replicas: 2 })
    const target = Object.keys(cluster.peers).find((id) => !created.replicas.includes(id))!
    // Move the preferred leader's replica: leadership has to move too.
    const source = created.preferredLeader!
    await eventually('orders to have a leader', () => cluster.hosting('orders').leader !== undefined)
    const store = await cluster.client('orders')
    for (let i = 0; i < 50; i++) expect((await store.put(`k${i}`, i)).ok).toBe(true)

    let writing = true
    let written = 0
    const writer = (async () => {
      while (writing) {
        const result = await store.put(`during-${written}`, written)
        expect(result.ok).toBe(true)
        written++
      }
    })()

    const moved = await admin.moveStore('orders', source, target)
    expect(moved.replicas).toContain(target)
    expect(moved.replicas).not.toContain(source)
    await eventually(`orders to live on ${moved.replicas.join(', ')} only`, () => cluster.hosting('orders').ids.join() === moved.replicas.join(), 30_000)
    await eventually(`the data on ${source} to be removed`, () => !existsSync(join(cluster.directory, source, 'stores', 'orders')))
    writing = false
    await writer
    // No downtime: every write during the move succeeded (the writer throws otherwise).
    expect(written).toBeGreaterThan(0)
    expect(await store.count()).toBe(50 + written)
    expect((await store.status()).members?.map((member) => member.id).sort()).toEqual(moved.replicas)
    // The new node holds the data: its replica has applied everything the clients wrote.
    const revision = (await store.status()).revision
    await eventually(`${target} to have applied revision ${revision}`, () => (cluster.nodes.get(target)!.health().stores.orders?.revision ?? 0) >= revision)
    await expect(admin.moveStore('orders', source, target)).rejects.toMatchObject({ code: 'INVALID_ARGUMENT' })
  })
})
