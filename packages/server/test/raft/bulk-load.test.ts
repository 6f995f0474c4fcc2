import { ManualClock, type Limits } from '@clustron/core'
import { encodeData } from '@clustron/core/internal'
import type { Message, Snapshot } from '@clustron/raft'
import { afterEach, describe, expect, it } from 'vitest'
import { RaftReplica, type RaftReplicaOptions } from '../../src/replica/raft/raft-replica.js'
import { MemoryLog } from './memory-log.js'

/**
 * Regression (issue 8): loading 100k × 4 KiB values into cluster3 with putMany batches of 1 000
 * (~4 MB per entry) stopped the leader answering and took 5.8 GB of RSS. Causes: a snapshot of the
 * whole state every 64 MiB of log (O(N²) work, seconds of blocked loop each), the log never
 * compacted (retainEntries counts entries, and 5 000 entries of 4 MB is everything), msgpackr
 * regrowing the snapshot buffer ~10 times, the Raft byte limits not passed to Raft, and an
 * unbounded proposal queue. Scaled down here (24 MB, small thresholds) on an in-memory network.
 */

const KiB = 1024
const MiB = 1024 * KiB

/** A MemoryLog that counts snapshots and the entry bytes it holds. */
class CountingLog extends MemoryLog {
  snapshots = 0
  override async saveSnapshot(snapshot: Snapshot): Promise<void> {
    this.snapshots++
    await super.saveSnapshot(snapshot)
  }
  entryBytes(): number {
    return this.entries.reduce((sum, entry) => sum + entry.data.length, 0)
  }
}

class Cluster {
  readonly clock = new ManualClock()
  readonly replicas = new Map<string, RaftReplica>()
  readonly logs = new Map<string, CountingLog>()
  readonly ids = ['n1', 'n2', 'n3']

  constructor(
    readonly limits: Partial<Limits>,
    readonly tuning: Partial<RaftReplicaOptions>,
  ) {}

  async start(): Promise<void> {
    activeClock = this.clock
    for (const id of this.ids) {
      const log = new CountingLog()
      this.logs.set(id, log)
      const replica = await RaftReplica.open({
        store: 'default',
        nodeId: id,
        limits: this.limits,
        clock: this.clock,
        log,
        send: (messages) => this.#deliver(messages),
        bootstrap: Object.fromEntries(this.ids.map((member) => [member, `${member}:7861`])),
        incarnation: `${id}-1`,
        seed: Number(id.slice(1)),
        ...this.tuning,
      })
      this.replicas.set(id, replica)
    }
    for (let tick = 0; tick < 500 && this.leader() === undefined; tick++) {
      this.clock.advance(100)
      await settle()
    }
  }

  #deliver(messages: Message[]): void {
    for (const message of messages) queueMicrotask(() => this.replicas.get(message.to)?.step(message))
  }

  leader(): RaftReplica | undefined {
    return [...this.replicas.values()].find((replica) => replica.status().role === 'leader')
  }

  async close(): Promise<void> {
    for (const replica of this.replicas.values()) await replica.close()
  }
}

async function settle(): Promise<void> {
  for (let turn = 0; turn < 5; turn++) await new Promise<void>((resolve) => setImmediate(resolve))
}

let activeClock: ManualClock | undefined

/** A promise's outcome, ticking the clock (heartbeats) while it is pending; 'pending' after 50 ticks (5 s of Raft time). */
async function outcome<T>(promise: Promise<T>, ticksMax = 50): Promise<{ value?: T; error?: unknown } | 'pending'> {
  let result: { value?: T; error?: unknown } | undefined
  promise.then(
    (value) => (result = { value }),
    (error: unknown) => (result = { error }),
  )
  for (let turn = 0; turn < ticksMax * 20 && result === undefined; turn++) {
    await new Promise<void>((resolve) => setImmediate(resolve))
    if (turn % 20 === 19) activeClock?.advance(100)
  }
  return result ?? 'pending'
}

function batch(prefix: string, count: number, value: Uint8Array): [string, Uint8Array][] {
  return Array.from({ length: count }, (_, index) => [`${prefix}${index}`, value] as [string, Uint8Array])
}

describe('RaftReplica under a bulk load of large values', () => {
  let cluster: Cluster | undefined
  afterEach(async () => cluster?.close())

  it('keeps answering, snapshots in proportion to the bytes written and keeps its log bounded', { timeout: 20_000 }, async () => {
    const snapshotLogBytes = 2 * MiB
    const retainLogBytes = 1 * MiB
    cluster = new Cluster({}, { snapshotLogBytes, retainLogBytes })
    await cluster.start()
    const leader = cluster.leader()!
    expect(leader).toBeDefined()
    const value = encodeData(new Uint8Array(4 * KiB).fill(7))
    const batches = 60
    const perBatch = 100 // ~410 KB an entry, 24 MB in all
    const heapBefore = process.memoryUsage()
    for (let index = 0; index < batches; index++) {
      const written = await outcome(leader.propose({ type: 'putMany', entries: batch(`b${index}/`, perBatch, value) }))
      expect(written, `batch ${index}`).toMatchObject({ value: { revision: expect.any(Number) } })
      // The leader still serves a linearizable read between batches.
      const read = await outcome(leader.read({ type: 'get', key: `b${index}/0` }, 'linearizable'))
      expect(read, `read after batch ${index}`).toMatchObject({ value: { version: 1 } })
    }
    const stateBytes = batches * perBatch * value.length
    for (const [id, log] of cluster.logs) {
      // Old behaviour: one snapshot per snapshotLogBytes (11 here, each of the whole state) and the whole log kept.
      expect(log.snapshots, `snapshots on ${id}`).toBeLessThanOrEqual(8)
      expect(log.entryBytes(), `log bytes kept on ${id}`).toBeLessThanOrEqual(retainLogBytes + stateBytes / 2 + snapshotLogBytes)
    }
    global.gc?.()
    const heapAfter = process.memoryUsage()
    // Three replicas of a 24 MB state (plus history, snapshots and bounded logs): well under 40× the state.
    const grownBytes = heapAfter.heapUsed + heapAfter.arrayBuffers - heapBefore.heapUsed - heapBefore.arrayBuffers
    expect(grownBytes).toBeLessThan(40 * stateBytes)
  })

  it('refuses writes beyond the uncommitted-bytes bound with a retryable RESOURCE_EXHAUSTED, and still answers', { timeout: 20_000 }, async () => {
    cluster = new Cluster({ raftUncommittedBytesMax: 4 * MiB }, {})
    await cluster.start()
    const leader = cluster.leader()!
    const value = encodeData(new Uint8Array(4 * KiB).fill(1))
    // 64 writes of ~1 MB at once: 64 MB offered against a 4 MiB bound.
    const writes = Array.from({ length: 64 }, (_, index) => leader.propose({ type: 'putMany', entries: batch(`w${index}/`, 250, value) }))
    const outcomes = await Promise.all(writes.map((write) => outcome(write)))
    const refused = outcomes.filter((result) => result !== 'pending' && result.error !== undefined)
    const applied = outcomes.filter((result) => result !== 'pending' && result.value !== undefined)
    expect(outcomes.filter((result) => result === 'pending')).toHaveLength(0)
    expect(applied.length).toBeGreaterThan(0)
    expect(refused.length).toBeGreaterThan(32)
    for (const result of refused) {
      expect((result as { error: unknown }).error).toMatchObject({ code: 'RESOURCE_EXHAUSTED', retryable: true, details: { retryAfterMs: expect.any(Number) } })
    }
    // Nothing refused was applied; everything acknowledged was; the leader still answers.
    expect(await outcome(leader.read({ type: 'count' }, 'linearizable'))).toEqual({ value: applied.length * 250 })
    expect(await outcome(leader.propose({ type: 'put', key: 'after', value }))).toMatchObject({ value: { ok: true } })
  })
})
