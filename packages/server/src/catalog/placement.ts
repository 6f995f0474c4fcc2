import type { CatalogRecord } from './records.js'

/** How many stores each node holds a replica of, and how many it is the preferred leader of. */
export interface NodeLoad {
  replicas: number
  leaders: number
}

export function nodeLoads(nodes: readonly string[], records: readonly CatalogRecord[]): Map<string, NodeLoad> {
  const loads = new Map<string, NodeLoad>(nodes.map((id) => [id, { replicas: 0, leaders: 0 }]))
  for (const record of records) {
    for (const id of record.replicas) {
      const load = loads.get(id)
      if (load !== undefined) load.replicas++
    }
    const leader = record.preferredLeader === undefined ? undefined : loads.get(record.preferredLeader)
    if (leader !== undefined) leader.leaders++
  }
  return loads
}

/**
 * Picks the nodes of a new store: the `count` nodes holding the fewest replicas (ties: fewest
 * preferred leaderships, then node id, so every caller picks the same), and among them the one
 * leading the fewest stores as the preferred leader — so stores, and their leaders, spread out.
 */
export function placeStore(nodes: readonly string[], records: readonly CatalogRecord[], count: number): { replicas: string[]; preferredLeader: string } {
  if (count < 1 || count > nodes.length) throw new RangeError(`cannot place ${count} replicas on ${nodes.length} nodes`)
  const loads = nodeLoads(nodes, records)
  const load = (id: string): NodeLoad => loads.get(id)!
  const chosen = [...nodes].sort((a, b) => load(a).replicas - load(b).replicas || load(a).leaders - load(b).leaders || compareIds(a, b)).slice(0, count)
  const preferredLeader = [...chosen].sort((a, b) => load(a).leaders - load(b).leaders || load(a).replicas - load(b).replicas || compareIds(a, b))[0]!
  return { replicas: chosen.sort(compareIds), preferredLeader }
}

/** The record after moving the replica on `from` to `to` (the leader preference follows the move). */
export function movedRecord(record: CatalogRecord, from: string, to: string): CatalogRecord {
  return {
    ...record,
    replicas: record.replicas.map((id) => (id === from ? to : id)).sort(compareIds),
    // `to` joins a running group: it must not bootstrap a group of its own.
    bootstrap: record.bootstrap.filter((id) => id !== to),
    ...(record.preferredLeader === from ? { preferredLeader: to } : {}),
  }
}

/**
 * The record after changing its replica count to `count`: new replicas on the least-loaded nodes
 * without one (they join the running group), or the most-loaded replicas dropped (never the
 * preferred leader while another can go).
 */
export function resizedRecord(record: CatalogRecord, nodes: readonly string[], records: readonly CatalogRecord[], count: number): CatalogRecord {
  const current = record.replicas
  if (count === current.length) return record
  const loads = nodeLoads(nodes, records)
  const load = (id: string): NodeLoad => loads.get(id) ?? { replicas: 0, leaders: 0 }
  if (count > current.length) {
    const candidates = nodes.filter((id) => !current.includes(id))
    if (candidates.length < count - current.length) throw new RangeError(`cannot place ${count} replicas on ${nodes.length} nodes`)
    const added = [...candidates].sort((a, b) => load(a).replicas - load(b).replicas || load(a).leaders - load(b).leaders || compareIds(a, b)).slice(0, count - current.length)
    return { ...record, replicas: [...current, ...added].sort(compareIds), bootstrap: record.bootstrap.filter((id) => !added.includes(id)) }
  }
  const dropOrder = [...current].sort((a, b) => Number(a === record.preferredLeader) - Number(b === record.preferredLeader) || load(b).replicas - load(a).replicas || compareIds(b, a))
  const kept = current.filter((id) => !dropOrder.slice(0, current.length - count).includes(id))
  return { ...record, replicas: kept.sort(compareIds), ...(record.preferredLeader !== undefined && !kept.includes(record.preferredLeader) ? { preferredLeader: kept[0]! } : {}) }
}

function compareIds(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0
}
