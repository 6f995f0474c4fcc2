import { describe, expect, it } from 'vitest'
import { movedRecord, nodeLoads, placeStore } from '../../src/catalog/placement.js'
import type { CatalogRecord } from '../../src/catalog/records.js'

function record(name: string, replicas: string[], preferredLeader?: string): CatalogRecord {
  return { name, uid: name, config: {}, replicas, static: false, createdAt: 0, addresses: {}, bootstrap: replicas, ...(preferredLeader === undefined ? {} : { preferredLeader }) }
}

describe('placement', () => {
  const nodes = ['n1', 'n2', 'n3', 'n4']

  it('puts a new store on the least-loaded nodes and its leadership on the one leading least', () => {
    const records = [record('a', ['n1', 'n2', 'n3'], 'n1'), record('b', ['n1', 'n2', 'n4'], 'n2')]
    expect(nodeLoads(nodes, records).get('n1')).toEqual({ replicas: 2, leaders: 1 })
    const placed = placeStore(nodes, records, 3)
    // n3 and n4 hold one replica each; of n1 and n2 (two each, one leadership each) the lower id wins.
    expect(placed.replicas).toEqual(['n1', 'n3', 'n4'])
    expect(['n3', 'n4']).toContain(placed.preferredLeader)
  })

  it('spreads leaders of equal stores over every node before doubling up', () => {
    const records: CatalogRecord[] = []
    for (let i = 0; i < 8; i++) {
      const placed = placeStore(nodes, records, 3)
      records.push(record(`s${i}`, placed.replicas, placed.preferredLeader))
    }
    const loads = nodeLoads(nodes, records)
    for (const id of nodes) {
      expect(loads.get(id)!.leaders).toBe(2)
      expect(loads.get(id)!.replicas).toBe(6)
    }
  })

  it('refuses more replicas than nodes', () => {
    expect(() => placeStore(['n1', 'n2'], [], 3)).toThrow(RangeError)
  })

  it('moves a replica: the target joins (no bootstrap) and inherits the leader preference', () => {
    const moved = movedRecord(record('a', ['n1', 'n2', 'n3'], 'n1'), 'n1', 'n4')
    expect(moved.replicas).toEqual(['n2', 'n3', 'n4'])
    expect(moved.preferredLeader).toBe('n4')
    expect(moved.bootstrap).toEqual(['n1', 'n2', 'n3'])
    const back = movedRecord(moved, 'n4', 'n1')
    expect(back.bootstrap).toEqual(['n2', 'n3'])
  })
})
