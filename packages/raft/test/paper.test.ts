/**
 * Tests named after the sections of the Raft paper (Ongaro & Ousterhout, "In Search of an Understandable
 * Consensus Algorithm") and §6 membership changes, each asserting one rule directly.
 */
import { describe, expect, it } from 'vitest'
import { ConfChangeRejectedError, type Message } from '../src/index.js'
import { Cluster, bytes, entriesWithTerms } from './support/cluster.js'

const three = ['n1', 'n2', 'n3']
const five = ['n1', 'n2', 'n3', 'n4', 'n5']

function appendFrom(from: string, to: string, term: number, extra: Partial<Message & { type: 'appendEntries' }> = {}): Message {
  return { type: 'appendEntries', from, to, term, index: 1, logTerm: 1, entries: [], commit: 0, ...extra }
}

function voteRequest(from: string, to: string, term: number, lastLogTerm: number, lastLogIndex: number): Message {
  return { type: 'requestVote', from, to, term, lastLogTerm, lastLogIndex, transfer: false }
}

describe('§5.1 Raft basics', () => {
  it('servers start as followers', () => {
    const cluster = new Cluster(three)
    for (const id of three) expect(cluster.get(id).node.status().role).toBe('follower')
  })

  for (const role of ['follower', 'candidate', 'leader'] as const) {
    it(`a ${role} that sees a higher term adopts it and becomes a follower`, () => {
      const cluster = new Cluster(three)
      if (role === 'candidate') cluster.get('n1').node.campaign()
      if (role === 'leader') cluster.elect('n1')
      const term = cluster.raft('n1').term
      cluster.get('n1').node.step(appendFrom('n2', 'n1', term + 5, { logTerm: 0, index: 0 }))
      const status = cluster.get('n1').node.status()
      expect(status.term).toBe(term + 5)
      expect(status.role).toBe('follower')
      expect(status.lead).toBe('n2')
      expect(status.vote).toBeUndefined()
    })
  }

  it('a request with a stale term is rejected without changing state', () => {
    const cluster = new Cluster(three, { terms: { n1: 5 } })
    cluster.get('n1').node.step(appendFrom('n2', 'n1', 3, { entries: entriesWithTerms([3]) }))
    expect(cluster.raft('n1').term).toBe(5)
    expect(cluster.raft('n1').lead).toBeUndefined()
    expect(cluster.raft('n1').log.lastIndex()).toBe(1)
    expect(cluster.processReady('n1')).toEqual([])
  })
})

describe('§5.2 Leader election', () => {
  it('a follower that hears nothing for its election timeout becomes candidate, votes for itself and requests votes', () => {
    const cluster = new Cluster(three)
    const raft = cluster.raft('n1')
    cluster.tick('n1', raft.randomizedElectionTimeout)
    expect(raft.role).toBe('candidate')
    expect(raft.term).toBe(2)
    expect(raft.vote).toBe('n1')
    const messages = cluster.processReady('n1')
    expect(messages.map((message) => [message.type, message.to, message.term])).toEqual([
      ['requestVote', 'n2', 2],
      ['requestVote', 'n3', 2],
    ])
  })

  it('randomized election timeouts are drawn from [electionTicks, 2 * electionTicks) and spread out', () => {
    const timeouts = new Set<number>()
    for (let seed = 0; seed < 200; seed++) {
      const cluster = new Cluster(['n1'], { config: { seed } })
      const timeout = cluster.raft('n1').randomizedElectionTimeout
      expect(timeout).toBeGreaterThanOrEqual(10)
      expect(timeout).toBeLessThan(20)
      timeouts.add(timeout)
    }
    expect(timeouts.size).toBe(10)
  })

  const voteCases: Array<[string[], Record<string, boolean>, string]> = [
    [['n1'], {}, 'leader'],
    [three, { n2: true }, 'leader'],
    [three, { n2: true, n3: true }, 'leader'],
    [three, { n2: false }, 'candidate'],
    [three, { n2: false, n3: false }, 'follower'],
    [five, { n2: true, n3: true }, 'leader'],
    [five, { n2: true }, 'candidate'],
    [five, { n2: false, n3: false }, 'candidate'],
    [five, { n2: false, n3: false, n4: false }, 'follower'],
  ]
  for (const [voters, votes, expected] of voteCases) {
    it(`a candidate with ${voters.length} voters and votes ${JSON.stringify(votes)} ends as ${expected}`, () => {
      const cluster = new Cluster(voters)
      cluster.get('n1').node.campaign()
      for (const [from, granted] of Object.entries(votes)) {
        cluster.get('n1').node.step({ type: 'voteResponse', from, to: 'n1', term: 2, reject: !granted })
      }
      expect(cluster.raft('n1').role).toBe(expected)
    })
  }

  it('a server votes for at most one candidate per term, first come first served', () => {
    const cluster = new Cluster(three)
    const voter = cluster.get('n3').node
    voter.step(voteRequest('n1', 'n3', 2, 1, 1))
    voter.step(voteRequest('n2', 'n3', 2, 1, 1))
    voter.step(voteRequest('n1', 'n3', 2, 1, 1)) // a repeat of the vote already cast is granted again
    const answers = cluster.processReady('n3').map((message) => [message.to, message.type === 'voteResponse' && message.reject])
    expect(answers).toEqual([['n1', false], ['n2', true], ['n1', false]])
    expect(cluster.get('n3').storage.initialState().hardState.vote).toBe('n1')
  })

  it('a candidate that receives an append from a leader of its term becomes a follower', () => {
    const cluster = new Cluster(three)
    cluster.get('n1').node.campaign()
    cluster.get('n1').node.step(appendFrom('n2', 'n1', 2))
    expect(cluster.raft('n1').role).toBe('follower')
    expect(cluster.raft('n1').lead).toBe('n2')
  })

  it('a split vote times out into a new election with a higher term', () => {
    const cluster = new Cluster(three)
    cluster.get('n1').node.campaign()
    cluster.get('n1').node.step({ type: 'voteResponse', from: 'n2', to: 'n1', term: 2, reject: true })
    expect(cluster.raft('n1').role).toBe('candidate')
    cluster.tick('n1', 20)
    expect(cluster.raft('n1').role).toBe('candidate')
    expect(cluster.raft('n1').term).toBe(3)
  })

  it('a leader sends heartbeats every heartbeatTicks', () => {
    const cluster = new Cluster(three, { config: { heartbeatTicks: 3 } })
    cluster.elect('n1')
    const heartbeats = () => cluster.processReady('n1').filter((message) => message.type === 'heartbeat').length
    cluster.tick('n1', 2)
    expect(heartbeats()).toBe(0)
    cluster.tick('n1', 1)
    expect(heartbeats()).toBe(2)
  })
})

describe('§5.3 Log replication', () => {
  it('the leader appends a proposal to its log and sends it to every follower', () => {
    const cluster = new Cluster(three)
    cluster.elect('n1')
    cluster.get('n1').node.propose(bytes('x'))
    const messages = cluster.processReady('n1')
    expect(cluster.logTerms('n1')).toEqual([2, 2])
    expect(messages.map((message) => message.type === 'appendEntries' && [message.to, message.index, message.entries.length])).toEqual([
      ['n2', 2, 1],
      ['n3', 2, 1],
    ])
  })

  it('an entry commits once a majority stores it, and followers learn the commit index', () => {
    const cluster = new Cluster(five)
    cluster.elect('n1')
    cluster.get('n1').node.propose(bytes('x'))
    // Only n2 and n3 receive the append: with the leader that is 3 of 5.
    cluster.filter = (message) => !['n4', 'n5'].includes(message.to)
    cluster.stabilize()
    expect(cluster.raft('n1').log.committed).toBe(3)
    for (const id of ['n2', 'n3']) expect(cluster.raft(id).log.committed).toBe(3)
    expect(cluster.get('n2').applied.map((entry) => entry.index)).toEqual([2, 3])
  })

  it('an entry stored on a minority does not commit', () => {
    const cluster = new Cluster(five)
    cluster.elect('n1')
    cluster.get('n1').node.propose(bytes('x'))
    cluster.filter = (message) => message.to === 'n1' || message.to === 'n2'
    cluster.stabilize()
    expect(cluster.raft('n1').log.committed).toBe(2)
  })

  it('a follower rejects an append whose previous entry it does not have (consistency check)', () => {
    const cluster = new Cluster(three, { logs: { n2: [1] }, terms: { n2: 2 } })
    cluster.get('n2').node.step(appendFrom('n1', 'n2', 2, { index: 3, logTerm: 2, entries: entriesWithTerms([2, 2, 2]).slice(2) }))
    const [answer] = cluster.processReady('n2')
    expect(answer).toMatchObject({ type: 'appendResponse', reject: true, index: 3 })
    expect(cluster.logTerms('n2')).toEqual([1])
  })

  it('a follower deletes a conflicting suffix and appends the leader entries', () => {
    const cluster = new Cluster(three, { logs: { n2: [1, 1, 1] }, terms: { n2: 3 } })
    cluster.get('n2').node.step(appendFrom('n1', 'n2', 3, { index: 2, logTerm: 1, entries: entriesWithTerms([1, 3, 3]).slice(1) }))
    cluster.processReady('n2')
    expect(cluster.logTerms('n2')).toEqual([1, 3, 3])
  })

  // Figure 7 of the paper: followers (a)-(f) with missing and extra entries relative to a leader of term 8.
  const leaderLog = [1, 1, 1, 4, 4, 5, 5, 6, 6, 6]
  const followerLogs: Record<string, number[]> = {
    a: [1, 1, 1, 4, 4, 5, 5, 6, 6],
    b: [1, 1, 1, 4],
    c: [1, 1, 1, 4, 4, 5, 5, 6, 6, 6, 6],
    d: [1, 1, 1, 4, 4, 5, 5, 6, 6, 6, 7, 7],
    e: [1, 1, 1, 4, 4, 4, 4],
    f: [1, 1, 1, 2, 2, 2, 3, 3, 3, 3, 3],
  }
  for (const [name, followerLog] of Object.entries(followerLogs)) {
    it(`the leader brings follower (${name}) of Figure 7 to a log identical to its own`, () => {
      const cluster = new Cluster(['n1', 'n2'], { logs: { n1: leaderLog, n2: followerLog }, terms: { n1: 7, n2: 7 } })
      // n2 must not win: make n1 the leader of term 8 by letting n2 vote for it.
      const raft = cluster.raft('n1')
      raft.becomeCandidate()
      raft.becomeLeader()
      expect(raft.term).toBe(8)
      cluster.get('n1').node.propose(bytes('x'))
      cluster.stabilize()
      expect(cluster.logTerms('n2')).toEqual([...leaderLog, 8, 8])
    })
  }
})

describe('§5.4.1 Election restriction', () => {
  // The voter's log ends at 2/3 (term 2, index 3).
  const cases: Array<[number, number, boolean]> = [
    [1, 3, false], // lower last term
    [1, 10, false], // lower last term, longer log
    [2, 2, false], // same term, shorter
    [2, 3, true], // identical
    [2, 4, true], // same term, longer
    [3, 1, true], // higher last term
  ]
  for (const [lastTerm, lastIndex, granted] of cases) {
    it(`a voter with log ending 2/3 ${granted ? 'grants' : 'rejects'} a candidate whose log ends ${lastTerm}/${lastIndex}`, () => {
      const cluster = new Cluster(three, { logs: { n1: [2, 2] } })
      cluster.get('n1').node.step(voteRequest('n2', 'n1', 5, lastTerm, lastIndex))
      const [answer] = cluster.processReady('n1')
      expect(answer).toMatchObject({ type: 'voteResponse', reject: !granted })
    })
  }
})

describe('§5.4.2 Committing entries from previous terms', () => {
  it('a leader never commits an entry of an earlier term by counting replicas', () => {
    // n1 holds 2/2 (an earlier term) and becomes leader of term 4; n2 and n3 have 2/2 as well.
    const cluster = new Cluster(three, { logs: { n1: [2], n2: [2], n3: [2] }, terms: { n1: 3, n2: 3, n3: 3 } })
    const raft = cluster.raft('n1')
    raft.becomeCandidate()
    raft.becomeLeader()
    // A quorum acknowledges index 2 only: counting replicas would commit it, §5.4.2 forbids it.
    cluster.get('n1').node.step({ type: 'appendResponse', from: 'n2', to: 'n1', term: 4, index: 2, reject: false, rejectHint: 0, logTerm: 0 })
    expect(raft.log.committed).toBe(1)
    // Once the leader's own entry 4/3 is on a quorum, both commit.
    cluster.get('n1').node.step({ type: 'appendResponse', from: 'n2', to: 'n1', term: 4, index: 3, reject: false, rejectHint: 0, logTerm: 0 })
    expect(raft.log.committed).toBe(3)
  })

  it('a new leader appends an empty entry of its term at once', () => {
    const cluster = new Cluster(three)
    cluster.elect('n1')
    const [entry] = cluster.get('n1').storage.entries(2, 3)
    expect(entry).toMatchObject({ term: 2, index: 2, type: 'normal' })
    expect(entry!.data.byteLength).toBe(0)
  })
})

describe('§6 Cluster membership changes', () => {
  it('only one membership change may be pending at a time', () => {
    const cluster = new Cluster(three)
    cluster.elect('n1')
    cluster.get('n1').node.proposeConfChange({ type: 'addLearner', nodeId: 'n4' })
    expect(() => cluster.get('n1').node.proposeConfChange({ type: 'addLearner', nodeId: 'n5' })).toThrow(ConfChangeRejectedError)
    cluster.stabilize()
    expect(() => cluster.get('n1').node.proposeConfChange({ type: 'addLearner', nodeId: 'n5' })).not.toThrow()
  })

  it('a new leader proposes no membership change before applying the entries up to its election', () => {
    // Entries 2 and 3 (term 1) may hold a membership change the new leader has not applied yet.
    const cluster = new Cluster(three, { logs: { n1: [1, 1], n2: [1, 1], n3: [1, 1] } })
    cluster.get('n1').node.campaign()
    cluster.processReady('n1')
    cluster.deliver()
    cluster.processReady('n2')
    cluster.deliver()
    expect(cluster.raft('n1').role).toBe('leader')
    expect(() => cluster.get('n1').node.proposeConfChange({ type: 'addLearner', nodeId: 'n4' })).toThrow(ConfChangeRejectedError)
  })

  it('learners do not count towards the commit quorum', () => {
    const cluster = new Cluster(three, { learners: ['n4', 'n5'] })
    cluster.elect('n1')
    cluster.get('n1').node.propose(bytes('x'))
    cluster.filter = (message) => !['n2', 'n3'].includes(message.to)
    cluster.stabilize()
    expect(cluster.raft('n4').log.lastIndex()).toBe(3)
    expect(cluster.raft('n1').log.committed).toBe(2)
  })

  it('a learner never campaigns, and a candidate does not count its vote', () => {
    const cluster = new Cluster(three, { learners: ['n4'] })
    cluster.tick('n4', 100)
    expect(cluster.raft('n4').role).toBe('follower')
    cluster.get('n4').node.campaign()
    expect(cluster.raft('n4').term).toBe(1)
    cluster.get('n1').node.campaign()
    cluster.get('n1').node.step({ type: 'voteResponse', from: 'n4', to: 'n1', term: 2, reject: false })
    expect(cluster.raft('n1').role).toBe('candidate')
  })

  it('promoting a learner keeps its replication progress', () => {
    const cluster = new Cluster(three, { learners: ['n4'] })
    cluster.elect('n1')
    const before = cluster.raft('n1').tracker.progress.get('n4')!.match
    expect(before).toBe(2)
    cluster.get('n1').node.proposeConfChange({ type: 'addVoter', nodeId: 'n4' })
    cluster.stabilize()
    expect(cluster.raft('n1').tracker.isVoter('n4')).toBe(true)
    expect(cluster.raft('n1').tracker.progress.get('n4')!.match).toBe(3)
  })

  it('a removed leader steps down once the removal is applied, and the rest elect a leader', () => {
    const cluster = new Cluster(three)
    cluster.elect('n1')
    cluster.get('n1').node.proposeConfChange({ type: 'removeNode', nodeId: 'n1' })
    cluster.stabilize()
    expect(cluster.raft('n1').role).toBe('follower')
    expect(cluster.raft('n1').promotable()).toBe(false)
    cluster.elect('n2')
    expect(cluster.raft('n2').role).toBe('leader')
    cluster.get('n2').node.propose(bytes('after'))
    cluster.stabilize()
    expect(cluster.get('n3').applied.at(-1)!.data).toEqual(bytes('after'))
  })

  it('a node does not campaign while a committed membership change is not applied', () => {
    const cluster = new Cluster(three)
    cluster.elect('n1')
    cluster.get('n1').node.proposeConfChange({ type: 'removeNode', nodeId: 'n3' })
    // n2 learns the change is committed but does not apply it yet.
    cluster.processReady('n1')
    cluster.deliver()
    cluster.processReady('n2')
    cluster.deliver()
    cluster.processReady('n1')
    cluster.deliver()
    const raft = cluster.raft('n2')
    expect(raft.log.committed).toBeGreaterThan(raft.log.applied)
    cluster.get('n2').node.campaign()
    expect(raft.role).toBe('follower')
  })
})
