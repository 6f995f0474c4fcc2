import { connect } from '@clustron/client'
import { afterEach, describe, expect, it } from 'vitest'
import { CatalogCluster, eventually } from './support.js'

describe('store isolation', () => {
  let cluster: CatalogCluster
  afterEach(async () => cluster?.close())

  it("keeps a store serving when the nodes holding another store's quorum are gone", async () => {
    cluster = new CatalogCluster()
    await cluster.start(3)
    const admin = await cluster.admin()
    const fragile = await admin.createStore('fragile', { replicas: 2 })
    const steady = await admin.createStore('steady', { replicas: 2 })
    // Losing one of fragile's two replicas loses its quorum; pick one that steady does not use.
    const victim = fragile.replicas.find((id) => !steady.replicas.includes(id))
    expect(victim).toBeDefined()
    await eventually('both stores to have leaders', () => cluster.hosting('fragile').leader !== undefined && cluster.hosting('steady').leader !== undefined)

    const survivors = Object.entries(cluster.peers).filter(([id]) => id !== victim).map(([, address]) => address)
    const steadyClient = await cluster.client('steady', survivors)
    const fragileClient = await connect(`clustron://${survivors.join(',')}/fragile?requestTimeoutMs=1500`)
    try {
      expect((await fragileClient.put('before', 1)).ok).toBe(true)
      for (let i = 0; i < 20; i++) expect((await steadyClient.put(`before-${i}`, i)).ok).toBe(true)

      await cluster.stopNode(victim!)

      // fragile has lost its quorum: its writes fail (bounded by the client's request timeout)...
      await expect(fragileClient.put('after', 1)).rejects.toMatchObject({ code: expect.stringMatching(/^(UNAVAILABLE|TIMEOUT)$/) })
      // ...while steady keeps taking writes and serving linearizable reads, one after another.
      const startedAt = performance.now()
      for (let i = 0; i < 100; i++) expect((await steadyClient.put(`after-${i}`, i)).ok).toBe(true)
      const elapsedMs = performance.now() - startedAt
      expect(await steadyClient.count()).toBe(120)
      // 100 sequential writes on loopback: far below one election timeout each.
      expect(elapsedMs).toBeLessThan(10_000)
      // The catalog (on all three nodes, two alive) still answers too.
      expect((await admin.describeStore('steady')).name).toBe('steady')

      // The lost node comes back: fragile recovers with its data.
      await cluster.startNode(victim!)
      await eventually('fragile to take writes again', async () => (await fragileClient.put('after', 2)).ok, 20_000)
      expect((await fragileClient.get('before'))?.value).toBe(1)
    } finally {
      await fragileClient.close()
    }
  })
})
