/**
 * Bugs the fault suite found, each reproduced deterministically against real processes.
 */
import { connect, type Store } from '@clustron/client'
import { afterEach, describe, expect, it } from 'vitest'
import { FaultCluster } from '../../src/faults/cluster.js'
import { Random } from '../../src/simulator/random.js'

async function until<T>(probe: () => Promise<T | undefined>, what: string, timeoutMs: number): Promise<T> {
  const deadline = performance.now() + timeoutMs
  for (;;) {
    const value = await probe()
    if (value !== undefined) return value
    if (performance.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`)
    await new Promise((resolve) => setTimeout(resolve, 25))
  }
}

describe('fault-suite regressions', () => {
  let cluster: FaultCluster | undefined
  const stores: Store[] = []

  afterEach(async () => {
    await Promise.allSettled(stores.map((store) => store.close()))
    stores.length = 0
    await cluster?.close()
    cluster = undefined
  })

  /**
   * Found by `pnpm test:faults --ci --seed 21 --kinds clock-skew,partition-full,pause,kill`: leases
   * expired up to 1.2 s early after a leader change to a node whose clock ran ahead of the old
   * leader's. The deadline was stamped with the old leader's clock and checked with the new one's,
   * and `leaseExtend` only guaranteed `now + 2 × election timeout`. Fixed in @clustron/core: a new
   * leader gives every lease at least its full TTL on its own clock (as etcd's lessor Promote does).
   */
  it('a lease does not expire early when the new leader clock runs ahead of the old one', async () => {
    cluster = new FaultCluster({ size: 3, random: new Random(1) })
    await cluster.start()
    // The followers' clocks run 2.5 s ahead of the leader's. Restarting a follower can move the
    // leadership, so repeat until the leader stayed put (bounded).
    let leader = await cluster.processes.waitForLeader()
    for (let attempt = 0; attempt < 5; attempt++) {
      const ahead = cluster.processes.clockOffset(leader) + 2_500
      for (const id of cluster.members().filter((member) => member !== leader && cluster!.processes.clockOffset(member) !== ahead)) await cluster.skewClock(id, ahead)
      const now = await cluster.processes.waitForLeader()
      if (now === leader) break
      leader = now
    }
    for (const id of cluster.members().filter((member) => member !== leader)) expect(cluster.processes.clockOffset(id)).toBe(cluster.processes.clockOffset(leader) + 2_500)
    const followers = cluster.members().filter((member) => member !== leader)
    const store = await connect(cluster.url('requestTimeoutMs=5000'))
    stores.push(store)
    const ttlMs = 4_000
    const granted = performance.now()
    const lease = await store.leases.grant(ttlMs, { keepAlive: false })
    const put = await store.put('bound', 1, { lease })
    if (!put.ok) throw new Error('put refused')
    // Paused, not killed: the owner keeps its connection to the old leader, as in the seed-21 run
    // (a client that reconnects renews its leases at once, which hid the bug in a kill -9 variant).
    await cluster.pause(leader)
    // Nothing else writes: the expiry is the first change after the put. The followers' /health
    // (read directly, not through the client, which waits on the paused node) shows when it applied.
    let expiredAfterMs: number | undefined
    while (expiredAfterMs === undefined && performance.now() < granted + ttlMs + 5_000) {
      const healths = await Promise.all(followers.map((id) => cluster!.processes.health(id, 500)))
      if (healths.some((health) => (health?.stores.default?.revision ?? 0) > put.revision)) expiredAfterMs = performance.now() - granted
      else await new Promise((resolve) => setTimeout(resolve, 20))
    }
    expect(expiredAfterMs, 'the lease never expired').toBeDefined()
    expect(expiredAfterMs!, `the lease (ttl ${ttlMs} ms) expired ${expiredAfterMs!.toFixed(0)} ms after its grant`).toBeGreaterThanOrEqual(ttlMs - 50)
    const successor = await cluster.processes.waitForLeader('default', leader)
    expect(cluster.processes.clockOffset(successor)).toBe(cluster.processes.clockOffset(leader) + 2_500)
  }, 60_000)

  /**
   * Found by the same seed-21 run: a lock's release by `lease.revoke()` resolved at once while the
   * lock stayed held by the store, and other clients' acquires timed out behind it. The client had
   * given the lease up locally (no renewal answer within its TTL: replies were lost) and `revoke()`
   * on a locally lost lease sent nothing, although the store still had the lease, kept alive by
   * renewals that did arrive. Fixed in @clustron/core: `revoke()` always asks the store.
   */
  it('lease.revoke() releases the lock even after the client gave the lease up locally', async () => {
    cluster = new FaultCluster({ size: 3, random: new Random(2) })
    await cluster.start()
    const store = await connect(cluster.url('requestTimeoutMs=1000'))
    stores.push(store)
    const observer = await connect(cluster.url('requestTimeoutMs=5000'))
    stores.push(observer)
    const lease = await store.leases.grant(3_000)
    const lock = await store.locks.acquire('job', { lease })
    // Requests reach the nodes (renewals are applied), replies never come back.
    for (const id of cluster.members()) cluster.links.set(id, 'client', { kind: 'blackhole' })
    await until(async () => (lease.signal.aborted ? true : undefined), 'the client to give the lease up', 10_000)
    for (const id of cluster.members()) cluster.links.set(id, 'client', { kind: 'pass' })
    // The observer's connection was cut too: wait until it answers again, then check fast.
    await until(async () => observer.get('x').then(() => true, () => undefined), 'the observer to reconnect', 10_000)
    const held = await observer.locks.holder('job')
    if (held === undefined) return // the store expired it already: the race this test needs was lost (rare)
    expect(held.token).toBe(lock.token)
    await lease.revoke()
    expect(await observer.locks.holder('job')).toBeUndefined()
  }, 60_000)
})
