import type { RaftReplica } from '../replica/raft/raft-replica.js'
import type { CatalogRecord } from './records.js'

/** A learner within this many entries of the leader's commit index counts as caught up (it is promoted). */
export const caughtUpEntriesMax = 16

/**
 * One step of bringing a store's Raft group to the replicas its catalog record names, taken by the
 * store's leader (one membership change at a time, so the group never loses its quorum):
 * 1. a named node that is not a member is added as a learner (it catches up from the leader);
 * 2. a learner that has caught up is promoted to voter;
 * 3. only then is a member the record no longer names removed — if that is the leader itself,
 *    it first hands leadership to a named voter, which then removes it.
 * Finally leadership is steered to the preferred leader (leaders spread across nodes).
 * Returns what it did (for logs), or undefined when the group already matches.
 */
export async function convergeStep(replica: RaftReplica, record: CatalogRecord, nodeId: string, addresses: Record<string, string>, steer: boolean): Promise<string | undefined> {
  const status = replica.status()
  if (status.role !== 'leader') return undefined
  const members = status.members
  const byId = new Map(members.map((member) => [member.id, member]))
  for (const id of record.replicas) {
    if (byId.has(id)) continue
    const address = addresses[id] ?? record.addresses[id]
    if (address === undefined) continue
    await replica.addMember(id, address, false)
    return `added ${id} as a learner`
  }
  for (const id of record.replicas) {
    const member = byId.get(id)
    if (member?.role !== 'learner') continue
    if ((member.matchIndex ?? 0) + caughtUpEntriesMax < status.commitIndex) continue
    await replica.addMember(id, member.address, true)
    return `promoted ${id} to voter`
  }
  const wantedVoters = record.replicas.filter((id) => byId.get(id) !== undefined && byId.get(id)!.role !== 'learner')
  if (wantedVoters.length < record.replicas.length) return undefined
  for (const member of members) {
    if (record.replicas.includes(member.id)) continue
    if (member.id === nodeId) {
      const moved = await replica.transferLeadership(2_000, preferred(record, wantedVoters, byId))
      return moved ? `handed leadership over before leaving` : undefined
    }
    await replica.removeMember(member.id)
    return `removed ${member.id}`
  }
  const target = record.preferredLeader
  if (steer && target !== undefined && target !== nodeId && wantedVoters.includes(target)) {
    const match = byId.get(target)?.matchIndex ?? 0
    if (match + caughtUpEntriesMax >= status.commitIndex && (await replica.transferLeadership(2_000, target))) return `handed leadership to the preferred leader ${target}`
  }
  return undefined
}

function preferred(record: CatalogRecord, voters: string[], byId: Map<string, { matchIndex?: number | undefined }>): string | undefined {
  if (record.preferredLeader !== undefined && voters.includes(record.preferredLeader)) return record.preferredLeader
  return [...voters].sort((a, b) => (byId.get(b)?.matchIndex ?? 0) - (byId.get(a)?.matchIndex ?? 0))[0]
}
