import { describe, expect, it } from 'vitest'
import type { MemberInfo } from '../src/lib/http.js'
import { inSyncLagEntriesMax, memberViews, rememberProgress, sortMembers, stalledAfterMs } from '../src/lib/members.js'

const members: MemberInfo[] = [
  { id: 'n3', address: 'h:3', role: 'follower', matchIndex: 100 },
  { id: 'n1', address: 'h:1', role: 'leader', matchIndex: 200 },
  { id: 'n4', address: 'h:4', role: 'learner', matchIndex: 10 },
  { id: 'n2', address: 'h:2', role: 'follower', matchIndex: 200 - inSyncLagEntriesMax },
]

describe('member health', () => {
  it('calls a close follower in sync, a far one catching up while it moves and stalled when it does not', () => {
    const memory = rememberProgress(new Map(), members, 0)
    const views = new Map(memberViews(members, 200, memory, 1_000).map((view) => [view.id, view]))
    expect(views.get('n1')).toMatchObject({ health: 'leader', lag: 0 })
    expect(views.get('n2')).toMatchObject({ health: 'in-sync', lag: inSyncLagEntriesMax })
    expect(views.get('n3')).toMatchObject({ health: 'catching-up', lag: 100 })
    // n3 moves, n4 does not: after the stall window only n4 is stalled.
    const later = rememberProgress(memory, members.map((member) => (member.id === 'n3' ? { ...member, matchIndex: 150 } : member)), stalledAfterMs)
    const after = new Map(memberViews(members.map((member) => (member.id === 'n3' ? { ...member, matchIndex: 150 } : member)), 200, later, stalledAfterMs + 1).map((view) => [view.id, view]))
    expect(after.get('n3')?.health).toBe('catching-up')
    expect(after.get('n4')?.health).toBe('stalled')
  })

  it('knows nothing without the leader commit index, and marks members the leader has not heard from', () => {
    expect(memberViews([{ id: 'n2', address: 'h:2', role: 'follower' }], undefined, new Map(), 0)[0]?.health).toBe('unknown')
    expect(memberViews([{ id: 'n2', address: 'h:2', role: 'follower', matchIndex: 5, recentActive: false }], 9, new Map(), 0)[0]).toMatchObject({ health: 'inactive', lag: 4 })
  })

  it('sorts the leader first, then voters, then learners, by id', () => {
    expect(sortMembers(members).map((member) => member.id)).toEqual(['n1', 'n2', 'n3', 'n4'])
  })
})
