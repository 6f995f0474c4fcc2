import { ClusterAdmin, connect, type ClustronError, type Store } from '@clustron/client'
import { afterEach, describe, expect, it } from 'vitest'
import { ProcessCluster } from '../../src/cluster/process-cluster.js'

/**
 * Issue 4's real-process tests: three `clustron-server` processes on loopback with fast Raft timing
 * (20 ms ticks, elections after 200–400 ms), killed, paused and restarted for real.
 */
describe('a three-process cluster', { timeout: 120_000 }, () => {
  let cluster: ProcessCluster
  const stores: Store[] = []
  afterEach(async () => {
    await Promise.allSettled(stores.splice(0).map((store) => store.close()))
    await cluster?.close()
  })

  async function client(url = cluster.url()): Promise<Store> {
    const store = await connect(url)
    stores.push(store)
    return store
  }

  it('accepts writes through every node; kill -9 of the leader mid-load loses no acknowledged write', async () => {
    cluster = new ProcessCluster()
    await cluster.start()
    // One client per node (each starts on its own seed; followers send it on to the leader).
    const handles = await Promise.all(Object.values(cluster.founders).map((address) => client(`clustron://${address}/default?requestTimeoutMs=20000`)))
    const acknowledged = new Set<string>()
    const unknown = new Set<string>()
    let stop = false
    const writer = async (store: Store, name: string) => {
      for (let index = 0; !stop; index++) {
        const key = `load/${name}/${index}`
        try {
          await store.put(key, index)
          acknowledged.add(key)
        } catch (error) {
          // TIMEOUT: the outcome is unknown (a write cut by the crash); anything else is a failure.
          if ((error as ClustronError).code !== 'TIMEOUT') throw error
          unknown.add(key)
        }
      }
    }
    const writers = handles.map((store, index) => writer(store, `w${index}`))
    while (acknowledged.size < 150) await new Promise((resolve) => setTimeout(resolve, 10))
    const leader = (await cluster.leader())!
    const beforeKill = acknowledged.size
    const killedAt = Date.now()
    await cluster.signal(leader, 'SIGKILL')
    // Clients go on after failover: more writes are acknowledged.
    while (acknowledged.size < beforeKill + 150) await new Promise((resolve) => setTimeout(resolve, 10))
    const failoverMs = Date.now() - killedAt
    stop = true
    await Promise.all(writers)
    const survivor = await client()
    const present = new Set((await survivor.list({ prefix: 'load/' })).entries.map((entry) => entry.key))
    for (const key of acknowledged) expect(present.has(key), `acknowledged ${key} is present`).toBe(true)
    for (const key of present) expect(acknowledged.has(key) || unknown.has(key), `${key} was written by a client`).toBe(true)
    console.log(`failover after kill -9: writes acknowledged again ${failoverMs} ms later`)
    expect(failoverMs).toBeLessThan(15_000)
  })

  it('restarts all three nodes after kill -9 with identical state', async () => {
    cluster = new ProcessCluster()
    await cluster.start()
    const store = await client()
    await store.putMany(Object.fromEntries(Array.from({ length: 200 }, (_, index) => [`r/${index}`, { index }])))
    for (let index = 0; index < 30; index++) await store.counters.add('hits')
    const before = await store.list({ prefix: '' })
    await store.close()
    await Promise.all(cluster.running().map((id) => cluster.signal(id, 'SIGKILL')))
    await Promise.all([...cluster.nodes.keys()].map((id) => cluster.startNode(id)))
    await cluster.waitForLeader()
    const after = await (await client()).list({ prefix: '' })
    expect(after.entries).toEqual(before.entries)
    expect(after.revision).toBe(before.revision)
  })

  it('adds a fourth node as a learner, promotes it, and removes an old member', async () => {
    cluster = new ProcessCluster()
    await cluster.start()
    const store = await client()
    await store.putMany(Object.fromEntries(Array.from({ length: 100 }, (_, index) => [`m/${index}`, index])))
    await using admin = await ClusterAdmin.connect(cluster.url())
    const address = await cluster.addJoiningNode('n4')
    const withLearner = await admin.addMember('n4', address)
    expect(withLearner.find((member) => member.id === 'n4')?.role).toBe('learner')
    // The learner catches up (by log or snapshot) before it is promoted.
    const leader = (await cluster.leader())!
    const target = (await cluster.health(leader))!.stores.default!.appliedIndex
    for (let health = await cluster.health('n4'); (health?.stores.default?.appliedIndex ?? 0) < target; health = await cluster.health('n4')) {
      await new Promise((resolve) => setTimeout(resolve, 20))
    }
    expect((await cluster.health('n4'))!.stores.default!.role).toBe('learner')
    await admin.addMember('n4', address, { voter: true })
    const removed = leader === 'n1' ? 'n2' : 'n1'
    const members = await admin.removeMember(removed)
    expect(members.map((member) => member.id).sort()).toEqual(['n1', 'n2', 'n3', 'n4'].filter((id) => id !== removed).sort())
    await cluster.signal(removed, 'SIGTERM')
    // The new membership serves writes and the new member has the data.
    expect(await store.put('after-change', true)).toMatchObject({ ok: true })
    const onNew = await client(`clustron://${address}/default?requestTimeoutMs=20000`)
    expect((await onNew.get('m/99'))?.value).toBe(99)
    expect((await onNew.get('after-change'))?.value).toBe(true)
  })

  it('a leader paused longer than the election timeout steps down on resume; no write is lost or doubled', async () => {
    cluster = new ProcessCluster()
    await cluster.start()
    const store = await client()
    await store.counters.set('n', 0)
    let acknowledged = 0
    let unknown = 0
    let stop = false
    const adder = (async () => {
      while (!stop) {
        try {
          await store.counters.add('n', 1)
          acknowledged++
        } catch (error) {
          if ((error as ClustronError).code !== 'TIMEOUT') throw error
          unknown++
        }
      }
    })()
    while (acknowledged < 50) await new Promise((resolve) => setTimeout(resolve, 10))
    const paused = (await cluster.leader())!
    await cluster.signal(paused, 'SIGSTOP')
    const successor = await cluster.waitForLeader('default', paused)
    const afterPause = acknowledged
    while (acknowledged < afterPause + 50) await new Promise((resolve) => setTimeout(resolve, 10))
    await cluster.signal(paused, 'SIGCONT')
    // The old leader learns of the newer term and follows.
    for (let health = await cluster.health(paused); health?.stores.default?.role === 'leader'; health = await cluster.health(paused)) {
      await new Promise((resolve) => setTimeout(resolve, 20))
    }
    expect((await cluster.health(paused))!.stores.default!.leader).toBe(successor)
    stop = true
    await adder
    const value = await store.counters.get('n')
    expect(value).toBeGreaterThanOrEqual(acknowledged)
    expect(value).toBeLessThanOrEqual(acknowledged + unknown)
  })
})
