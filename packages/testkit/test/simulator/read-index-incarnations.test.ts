/**
 * A scripted simulator scenario (regression test): a follower's ReadIndex answer that was meant
 * for its previous incarnation must not confirm a read of the next one. The server's peer
 * transport keeps messages for an unreachable peer and flushes them when it is back, so an answer
 * to the old process's read "r1" reaches the restarted process, whose own first read is "r1" too.
 */
import { describe, expect, it } from 'vitest'
import { decodeValue, type RawEntry } from '@clustron/core/internal'
import { buildSimulation, settle as flushMicrotasks, type Simulation } from '../../src/simulator/index.js'
import { encode } from '../../src/simulator/workload-keys.js'

function valueOf(entry: RawEntry | undefined): unknown {
  return entry === undefined ? undefined : decodeValue(entry.value)
}

async function until(simulation: Simulation, condition: () => boolean, forMs = 10_000): Promise<void> {
  await flushMicrotasks()
  const outcome = await simulation.loop.runUntil(condition, simulation.loop.now + forMs)
  expect(outcome, simulation.failures.map((failure) => failure.message).join('\n')).toBe('condition')
}

/** Runs a replica call to completion in virtual time. */
async function settle<T>(simulation: Simulation, promise: Promise<T>): Promise<T> {
  let result: { value: T } | { error: unknown } | undefined
  promise.then((value) => (result = { value }), (error: unknown) => (result = { error }))
  await until(simulation, () => result !== undefined)
  if (result !== undefined && 'error' in result) throw result.error
  return (result as { value: T }).value
}

describe('ReadIndex across incarnations', () => {
  it('a restarted follower never serves a read confirmed for its previous incarnation', async () => {
    const simulation = buildSimulation({ seed: 1, nodes: 3 })
    const { cluster, loop } = simulation
    const network = cluster.network
    network.holdRate = 1
    for (const node of cluster.nodes) cluster.start(node)
    await until(simulation, () => cluster.leader()?.replica?.status().role === 'leader')
    const leader = cluster.leader()!
    const follower = cluster.nodes.find((node) => node !== leader)!
    await settle(simulation, leader.replica!.propose({ type: 'put', key: 'k', value: encode('old') }))
    await until(simulation, () => follower.replica!.status().appliedIndex === leader.replica!.status().appliedIndex)

    // The follower's first read ("r1") goes to the leader; the answer is held (leader→follower cut).
    network.cutOneWay(leader.id, follower.id)
    void follower.replica!.read({ type: 'get', key: 'k' }, 'linearizable').catch(() => undefined)
    await flushMicrotasks()
    await loop.runUntil(() => false, loop.now + 50)
    cluster.crash(follower)

    // While it is down, a newer value is acknowledged.
    await settle(simulation, leader.replica!.propose({ type: 'put', key: 'k', value: encode('new') }))

    // The new incarnation's first read is "r1" again; then the link heals and the held answer arrives.
    cluster.start(follower)
    await until(simulation, () => follower.replica !== undefined)
    const read = follower.replica!.read({ type: 'get', key: 'k' }, 'linearizable')
    read.catch(() => undefined) // may be refused before its outcome is awaited below
    await flushMicrotasks()
    await loop.runUntil(() => false, loop.now + 20)
    network.heal()
    // It must not answer 'old'. (It knew no leader when the read came, so the round could not be
    // forwarded and fails with a retryable UNAVAILABLE after its timeout; the retry is answered.)
    const first = await settle(simulation, read.then(valueOf, (error: { code?: string }) => error.code))
    expect(first === 'new' || first === 'UNAVAILABLE', `read answered ${String(first)}`).toBe(true)
    // A read with no known leader is refused at once; the retry comes once the follower knows the leader again.
    await until(simulation, () => follower.replica!.status().leader === leader.id)
    const retry = await settle(simulation, follower.replica!.read({ type: 'get', key: 'k' }, 'linearizable'))
    expect(valueOf(retry)).toBe('new')
  })

  it('reads from two followers at once are both answered (their contexts differ at the leader)', async () => {
    const simulation = buildSimulation({ seed: 2, nodes: 3 })
    const { cluster } = simulation
    for (const node of cluster.nodes) cluster.start(node)
    await until(simulation, () => cluster.leader()?.replica?.status().role === 'leader')
    const leader = cluster.leader()!
    await settle(simulation, leader.replica!.propose({ type: 'put', key: 'k', value: encode('v') }))
    const followers = cluster.nodes.filter((node) => node !== leader)
    await until(simulation, () => followers.every((node) => node.replica!.status().leader === leader.id))
    // Both followers' first read round: before the fix both were "r1", and the leader answered one.
    const startedMs = simulation.loop.now
    const reads = followers.map((node) => node.replica!.read({ type: 'get', key: 'k' }, 'linearizable'))
    const entries = await settle(simulation, Promise.all(reads))
    expect(entries.map(valueOf)).toEqual(['v', 'v'])
    expect(simulation.loop.now - startedMs).toBeLessThan(100)
  })
})
