/**
 * Real `clustron-server` processes behind fault proxies (the CI subset of `pnpm test:faults`):
 * first that the faults take effect at all (a harness whose partitions do nothing proves nothing),
 * then one mixed-fault scenario with every workload, whose histories must check clean.
 */
import { connect, ClustronError, type Store } from '@clustron/client'
import { afterEach, describe, expect, it } from 'vitest'
import { FaultCluster } from '../../src/faults/cluster.js'
import { fullPartition } from '../../src/faults/links.js'
import { anomaliesOf, formatTable, runScenario } from '../../src/faults/scenario.js'
import { ciSuite } from '../../src/faults/suites.js'
import { Random } from '../../src/simulator/random.js'

const reportDirectory = 'test-results/faults'

async function until<T>(probe: () => Promise<T | undefined>, what: string, timeoutMs = 20_000): Promise<T> {
  const deadline = performance.now() + timeoutMs
  for (;;) {
    const value = await probe()
    if (value !== undefined) return value
    if (performance.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`)
    await new Promise((resolve) => setTimeout(resolve, 25))
  }
}

describe('fault harness against real processes', () => {
  let cluster: FaultCluster | undefined
  const stores: Store[] = []

  afterEach(async () => {
    await Promise.allSettled(stores.map((store) => store.close()))
    stores.length = 0
    await cluster?.close()
    cluster = undefined
  })

  it('routes every peer and client link through the fronts: cuts take effect and heal', async () => {
    cluster = new FaultCluster({ size: 3, random: new Random(5) })
    await cluster.start()
    const store = await connect(cluster.url('requestTimeoutMs=1500'))
    stores.push(store)
    expect(await store.put('k', 1)).toMatchObject({ ok: true })
    // Every connection a front saw was attributed to a node or to the client.
    const sources = new Set([...cluster.fronts.values()].flatMap((front) => front.sources()))
    expect([...sources].sort()).toEqual(['client', 'n1', 'n2', 'n3'])
    expect(cluster.unidentifiedConnections()).toBe(0)

    // Client links cut everywhere: the request cannot reach any node.
    for (const id of cluster.members()) cluster.setClientLink(id, { kind: 'reset' })
    const refused = await store.put('k', 2).then(() => undefined, (error: unknown) => error)
    expect(refused).toBeInstanceOf(ClustronError)
    expect(['UNAVAILABLE', 'TIMEOUT']).toContain((refused as ClustronError).code)
    for (const id of cluster.members()) cluster.setClientLink(id, { kind: 'pass' })

    // The leader cut off from its peers (blackhole): the others elect a new one.
    const leader = await cluster.processes.waitForLeader()
    const others = cluster.members().filter((id) => id !== leader)
    const links = fullPartition([[leader], others])
    for (const [from, to] of links) cluster.links.set(from, to, { kind: 'blackhole' })
    const successor = await until(async () => {
      const health = await cluster!.processes.health(others[0]!)
      const elected = health?.stores.default?.leader
      return elected !== undefined && elected !== leader && health?.stores.default?.role !== 'candidate' ? elected : undefined
    }, 'a leader among the majority')
    expect(others).toContain(successor)
    cluster.links.healAll()
    const recoveryMs = await cluster.waitRecovered(20_000, async () => {
      const result = await store.put('k', 3)
      if (!result.ok) throw new Error('put refused')
    })
    expect(recoveryMs).toBeLessThan(20_000)
    expect((await store.get('k'))?.value).toBe(3)
  }, 60_000)

  it('kill -9 and SIGSTOP through the cluster API, and a wiped node replaced by an empty one', async () => {
    cluster = new FaultCluster({ size: 3, random: new Random(6) })
    await cluster.start()
    const store = await connect(cluster.url('requestTimeoutMs=5000'))
    stores.push(store)
    await store.putMany(Object.fromEntries(Array.from({ length: 50 }, (_, index) => [`w/${index}`, index])))
    await cluster.pause('n1')
    await cluster.kill('n2')
    expect(cluster.up()).toEqual(['n3'])
    await cluster.heal()
    expect(cluster.up().sort()).toEqual(['n1', 'n2', 'n3'])
    const replacement = await cluster.wipeAndReplace('n3', 40_000)
    expect(replacement).toBe('n3.1')
    expect(cluster.members().sort()).toEqual(['n1', 'n2', 'n3.1'])
    await cluster.waitRecovered(20_000, async () => {
      await store.put('after', true)
    })
    const onReplacement = await connect(cluster.urlOf('n3.1', 'requestTimeoutMs=5000'))
    stores.push(onReplacement)
    expect((await onReplacement.get('w/49', { consistency: 'serializable' }))?.value).toBe(49)
  }, 90_000)

  it('runs the CI scenario: every workload under mixed faults, 0 anomalies', async () => {
    const spec = ciSuite[0]!
    const result = await runScenario({ ...spec, reportDirectory })
    console.log(formatTable([result]))
    console.log(result.nemesis.log.join('\n'))
    const anomalies = anomaliesOf(result)
    expect(anomalies, anomalies.map((anomaly) => `${anomaly.workload} ${anomaly.kind}: ${anomaly.detail} ${anomaly.report ?? ''}`).join('\n')).toEqual([])
    expect(result.unidentifiedConnections).toBe(0)
    expect(result.nemesis.faults).toBeGreaterThanOrEqual(5)
    for (const verdict of result.verdicts) {
      expect(verdict.counts.ok, verdict.workload).toBeGreaterThan(50)
      for (const model of verdict.models) expect(model.outcome, `${verdict.workload} ${model.model}`).toBe('ok')
    }
  }, 150_000)
})
