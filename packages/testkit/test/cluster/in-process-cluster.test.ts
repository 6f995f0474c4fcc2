import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { connect, type Store } from '@clustron/client'
import { startNode, type ClustronNode } from '@clustron/server'
import { afterEach, describe, expect, it } from 'vitest'
import { freePorts } from '../../src/ports.js'
import { take, within } from '../../src/conformance/helpers.js'

/** Three nodes in this process, each with its own data directory and fast Raft timing. */
class InProcessCluster {
  readonly nodes = new Map<string, ClustronNode>()
  readonly stores: Store[] = []
  peers: Record<string, string> = {}
  readonly directory = mkdtempSync(join(tmpdir(), 'clustron-cluster-'))

  async start(): Promise<void> {
    const ports = await freePorts(3)
    this.peers = Object.fromEntries(ports.map((port, index) => [`n${index + 1}`, `127.0.0.1:${port}`]))
    await Promise.all(Object.keys(this.peers).map((id) => this.startNode(id)))
  }

  async startNode(id: string): Promise<ClustronNode> {
    const port = Number(this.peers[id]!.split(':')[1])
    const node = await startNode({ nodeId: id, port, data: join(this.directory, id), peers: this.peers, tickMs: 20, electionTicks: 10, clusterSecret: 'a-secret-of-16-chars' })
    this.nodes.set(id, node)
    return node
  }

  async stopNode(id: string): Promise<void> {
    await this.nodes.get(id)?.close()
    this.nodes.delete(id)
  }

  leaderId(): string | undefined {
    for (const node of this.nodes.values()) {
      const store = node.health().stores.default
      if (store?.role === 'leader') return node.nodeId
    }
    return undefined
  }

  async client(seeds = Object.values(this.peers)): Promise<Store> {
    const store = await connect(`clustron://${seeds.join(',')}/default?requestTimeoutMs=15000`)
    this.stores.push(store)
    return store
  }

  async close(): Promise<void> {
    await Promise.allSettled(this.stores.map((store) => store.close()))
    await Promise.allSettled([...this.nodes.values()].map((node) => node.close()))
    rmSync(this.directory, { recursive: true, force: true })
  }
}

describe('a three-node cluster in one process', () => {
  let cluster: InProcessCluster
  afterEach(async () => cluster?.close())

  it('accepts writes through every node and serves linearizable reads', async () => {
    cluster = new InProcessCluster()
    await cluster.start()
    const handles = await Promise.all(Object.values(cluster.peers).map((seed) => cluster.client([seed])))
    for (const [index, store] of handles.entries()) expect(await store.put(`k${index}`, index)).toMatchObject({ ok: true })
    for (const store of handles) expect((await store.list()).entries.map((entry) => entry.key)).toEqual(['k0', 'k1', 'k2'])
    const status = await handles[0]!.status()
    expect(status.members?.map((member) => member.id).sort()).toEqual(['n1', 'n2', 'n3'])
    expect(status.leader).toBe(cluster.leaderId())
  })

  it('fails over when the leader stops, without losing acknowledged writes, and watches resume without gaps', async () => {
    cluster = new InProcessCluster()
    await cluster.start()
    const store = await cluster.client()
    const watcher = await cluster.client()
    const watch = watcher.watch('w/', { prefix: true })
    await watch.ready
    for (let index = 0; index < 20; index++) await store.put(`w/${index}`, index)
    const leader = cluster.leaderId()!
    await cluster.stopNode(leader)
    // Writes go on through the new leader.
    for (let index = 20; index < 40; index++) await store.put(`w/${index}`, index)
    expect(await store.count({ prefix: 'w/' })).toBe(40)
    const events = await take(watch, 40)
    expect(events.map((event) => event.value)).toEqual(Array.from({ length: 40 }, (_, index) => index))
    expect(new Set(events.map((event) => event.revision)).size).toBe(40)
    watch.close()
    // The old leader comes back from its disk and catches up.
    await cluster.startNode(leader)
    const back = await cluster.client([cluster.peers[leader]!])
    expect((await within(back.get('w/39'), 'a read through the restarted node'))?.value).toBe(39)
  })

  it('restarts every node from disk with identical state', async () => {
    cluster = new InProcessCluster()
    await cluster.start()
    const store = await cluster.client()
    await store.putMany(Object.fromEntries(Array.from({ length: 100 }, (_, index) => [`r/${index}`, index])))
    const lease = await store.leases.grant(60_000)
    await store.put('leased', 'x', { lease })
    const before = await store.list({ prefix: '' })
    await Promise.all([...cluster.nodes.keys()].map((id) => cluster.stopNode(id)))
    await Promise.all(Object.keys(cluster.peers).map((id) => cluster.startNode(id)))
    const after = await (await cluster.client()).list({ prefix: '' })
    expect(after.entries).toEqual(before.entries)
    expect(after.revision).toBe(before.revision)
  })
})
