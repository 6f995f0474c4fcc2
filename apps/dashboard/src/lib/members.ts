import type { MemberInfo } from './http.js'

/** How a member is doing, as far as the node the page talks to can tell. */
export type MemberHealth = 'leader' | 'in-sync' | 'catching-up' | 'stalled' | 'inactive' | 'unknown'

/** A follower this many entries behind the leader's commit index still counts as in sync (writes in flight). */
export const inSyncLagEntriesMax = 16
/** A follower behind the leader whose matchIndex has not moved for this long is stalled. */
export const stalledAfterMs = 5_000

/** What the leader reported about each member, and when each matchIndex last moved (page clock). */
export interface ProgressMemory {
  matchIndex: number
  movedAt: number
}

export interface MemberView extends MemberInfo {
  /** Entries the member is behind the leader's commit index (known on the leader only). */
  lag?: number
  health: MemberHealth
}

/** Remembers when each member's matchIndex moved; returns the updated memory. */
export function rememberProgress(memory: ReadonlyMap<string, ProgressMemory>, members: readonly MemberInfo[], now: number): Map<string, ProgressMemory> {
  const next = new Map<string, ProgressMemory>()
  for (const member of members) {
    if (member.matchIndex === undefined) continue
    const before = memory.get(member.id)
    next.set(member.id, before !== undefined && before.matchIndex === member.matchIndex ? before : { matchIndex: member.matchIndex, movedAt: now })
  }
  return next
}

/**
 * Each member with its lag behind `leaderCommitIndex` and a health verdict. A follower is in sync
 * when close to the leader, catching up while its matchIndex moves, stalled when it is behind and
 * has not moved for `stalledAfterMs`; `recentActive: false` (if the node reports it) is inactive.
 * Without matchIndex (the answering node is not the leader) the verdict is unknown.
 */
export function memberViews(members: readonly MemberInfo[], leaderCommitIndex: number | undefined, memory: ReadonlyMap<string, ProgressMemory>, now: number): MemberView[] {
  return members.map((member) => {
    if (member.role === 'leader') return { ...member, lag: 0, health: 'leader' }
    if (member.recentActive === false) return { ...member, ...lagOf(member, leaderCommitIndex), health: 'inactive' }
    if (member.matchIndex === undefined || leaderCommitIndex === undefined) return { ...member, health: 'unknown' }
    const lag = Math.max(0, leaderCommitIndex - member.matchIndex)
    if (lag <= inSyncLagEntriesMax) return { ...member, lag, health: 'in-sync' }
    const movedAt = memory.get(member.id)?.movedAt ?? now
    return { ...member, lag, health: now - movedAt >= stalledAfterMs ? 'stalled' : 'catching-up' }
  })
}

function lagOf(member: MemberInfo, leaderCommitIndex: number | undefined): { lag?: number } {
  return member.matchIndex === undefined || leaderCommitIndex === undefined ? {} : { lag: Math.max(0, leaderCommitIndex - member.matchIndex) }
}

/** Leader first, then voters, then learners; by id within each. */
export function sortMembers<M extends MemberInfo>(members: readonly M[]): M[] {
  const rank = (role: string) => (role === 'leader' ? 0 : role === 'learner' ? 2 : 1)
  return [...members].sort((a, b) => rank(a.role) - rank(b.role) || a.id.localeCompare(b.id, 'en', { numeric: true }))
}
