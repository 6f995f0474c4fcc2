import { ManualClock } from '@clustron/core'
import type { Message } from '@clustron/raft'
import { afterEach, describe, expect, it } from 'vitest'
import { RaftReplica } from '../../src/replica/raft/raft-replica.js'
import { MemoryLog } from './memory-log.js'

const encoder = (value: unknown) => new Uint8Array([0xa0 + String(value).length, ...new TextEncoder().encode(String(value))])

/** Three replicas of one store over an in-memory network on one ManualClock. */
class Cluster {
  readonly clock = new ManualClock()
  readonly replicas = new Map<string, RaftReplica>()
  readonly logs = new Map<string, MemoryLog>()
  readonly down = new Set<string>()
  readonly ids: string[]

  constructor(
    size = 3,
    readonly tuning: { snapshotEntries?: number; retainEntries?: number } = {},
  ) {
    this.ids = Array.from({ length: size }, (_, index) => `n${index + 1}`)
  }

  async start(id: string, join = false): Promise<RaftReplica> {
    const log = this.logs.get(id) ?? new MemoryLog()
    this.logs.set(id, log)
    const replica = await RaftReplica.open({
      store: 'default',
      nodeId: id,
      limits: {},
      clock: this.clock,
      log,
      send: (messages) => this.#deliver(messages),
      ...(join ? {} : { bootstrap: Object.fromEntries(this.ids.map((member) => [member, `${member}:7861`])) }),
      incarnation: `${id}-${Math.random()}`,
      seed: Number(id.slice(1)),
      ...this.tuning,
    })
    this.replicas.set(id, replica)
    this.down.delete(id)
    return replica
  }

  async startAll(): Promise<void> {
    for (const id of this.ids) await this.start(id)
  }

  async stop(id: string): Promise<void> {
    this.down.add(id)
    await this.replicas.get(id)?.close()
    this.replicas.delete(id)
  }

  #deliver(messages: Message[]): void {
    for (const message of messages) {
      queueMicrotask(() => {
        if (this.down.has(message.to) || this.down.has(message.from)) return
        this.replicas.get(message.to)?.step(message)
      })
    }
  }

  /** Advances time tick by tick until `condition` holds (bounded). */
  async until(condition: () => boolean, ticksMax = 500): Promise<void> {
    for (let tick = 0; tick < ticksMax; tick++) {
      if (condition()) return
      this.clock.advance(100)
      await settle()
    }
    throw new Error('condition not reached within the tick bound')
  }

  leader(): RaftReplica | undefined {
    return [...this.replicas.values()].find((replica) => replica.status().role === 'leader')
  }

  async close(): Promise<void> {
    for (const id of [...this.replicas.keys()]) await this.stop(id)
  }
}

async function settle(): Promise<void> {
  for (let turn = 0; turn < 20; turn++) await new Promise<void>((resolve) => setImmediate(resolve))
}

/** Runs a promise to completion while advancing the clock (writes need ticks for heartbeats). */
async function drive<T>(cluster: Cluster, promise: Promise<T>, ticksMax = 300): Promise<T> {
  let done = false
  let value: T | undefined
  let failure: unknown
  promise.then((result) => ((done = true), (value = result)), (error: unknown) => ((done = true), (failure = error)))
  await cluster.until(() => done, ticksMax)
  if (failure !== undefined) throw failure
  return value as T
}

describe('RaftReplica', () => {
  let cluster: Cluster
  afterEach(async () => cluster?.close())

  it('elects a leader, replicates writes and serves linearizable reads from every node', async () => {
    cluster = new Cluster()
    await cluster.startAll()
    await cluster.until(() => cluster.leader() !== undefined)
    const leader = cluster.leader()!
    const put = await drive(cluster, leader.propose({ type: 'put', key: 'a', value: encoder('x') }))
    expect(put).toMatchObject({ ok: true, version: 1 })
    for (const replica of cluster.replicas.values()) {
      const entry = await drive(cluster, replica.read({ type: 'get', key: 'a' }, 'linearizable'))
      expect(entry?.version).toBe(1)
    }
    const follower = [...cluster.replicas.values()].find((replica) => replica !== leader)!
    await expect(follower.propose({ type: 'put', key: 'b', value: encoder('y') })).rejects.toMatchObject({ code: 'UNAVAILABLE' })
  })

  it('survives the loss of the leader without losing acknowledged writes', async () => {
    cluster = new Cluster()
    await cluster.startAll()
    await cluster.until(() => cluster.leader() !== undefined)
    const first = cluster.leader()!
    for (let index = 0; index < 20; index++) await drive(cluster, first.propose({ type: 'put', key: `k${index}`, value: encoder(index) }))
    await cluster.stop(first.nodeId)
    await cluster.until(() => cluster.leader() !== undefined && cluster.leader() !== first)
    const second = cluster.leader()!
    const count = await drive(cluster, second.read({ type: 'count' }, 'linearizable'))
    expect(count).toBe(20)
    // The old leader restarts from its log and catches up.
    const restarted = await cluster.start(first.nodeId)
    await drive(cluster, second.propose({ type: 'put', key: 'after', value: encoder('z') }))
    await cluster.until(() => restarted.revision === second.revision)
    expect(await drive(cluster, restarted.read({ type: 'count' }, 'serializable'))).toBe(21)
  })

  it('expires leases on the leader only after extending them past the election', async () => {
    cluster = new Cluster()
    await cluster.startAll()
    await cluster.until(() => cluster.leader() !== undefined)
    const leader = cluster.leader()!
    const lease = await drive(cluster, leader.propose({ type: 'leaseGrant', ttlMs: 1_000 }))
    await drive(cluster, leader.propose({ type: 'put', key: 'owned', value: encoder('v'), lease: lease.id }))
    await cluster.until(() => leader.readLocal({ type: 'get', key: 'owned' }) === undefined, 50)
    for (const replica of cluster.replicas.values()) await cluster.until(() => replica.readLocal({ type: 'get', key: 'owned' }) === undefined, 50)
  })

  it('takes snapshots; a new member catches up by InstallSnapshot, is promoted, and an old one removed', async () => {
    cluster = new Cluster(3, { snapshotEntries: 20, retainEntries: 5 })
    await cluster.startAll()
    await cluster.until(() => cluster.leader() !== undefined)
    const leader = cluster.leader()!
    for (let index = 0; index < 12_000; index += 500) {
      const entries: [string, Uint8Array][] = Array.from({ length: 500 }, (_, offset) => [`s${index + offset}`, encoder(index + offset)])
      await drive(cluster, leader.propose({ type: 'putMany', entries }))
    }
    expect(cluster.logs.get(leader.nodeId)!.snapshot!.metadata.index).toBeGreaterThan(20)
    expect(cluster.logs.get(leader.nodeId)!.entries.length).toBeLessThan(30)
    // A fresh node joins as a learner: its log is empty, so the leader must send a snapshot.
    const joined = await cluster.start('n4', true)
    await drive(cluster, leader.addMember('n4', 'n4:7861', false))
    await cluster.until(() => joined.revision === leader.revision, 500)
    expect(joined.readLocal({ type: 'count' })).toBe(12_000)
    expect(joined.status().role).toBe('learner')
    await drive(cluster, leader.addMember('n4', 'n4:7861', true))
    const old = [...cluster.replicas.values()].find((replica) => replica !== leader && replica !== joined)!
    await drive(cluster, leader.removeMember(old.nodeId))
    await cluster.stop(old.nodeId)
    expect(leader.status().members.map((member) => member.id).sort()).toEqual([leader.nodeId, 'n4'].concat(cluster.ids.filter((id) => id !== leader.nodeId && id !== old.nodeId)).sort())
    expect(leader.members.n4).toBe('n4:7861')
    await drive(cluster, leader.propose({ type: 'put', key: 'final', value: encoder('f') }))
    await cluster.until(() => joined.readLocal({ type: 'get', key: 'final' }) !== undefined)
  })
})
