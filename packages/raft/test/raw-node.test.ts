import { describe, expect, it } from 'vitest'
import {
  AssertionError,
  CompactedError,
  decodeConfChange,
  encodeConfChange,
  InvalidConfigError,
  MemoryStorage,
  NotLeaderError,
  RawNode,
  ReadIndexDroppedError,
  SnapshotOutOfDateError,
  UnavailableError,
  UncommittedBytesExceededError,
  type Entry,
} from '../src/index.js'
import { Cluster, bytes } from './support/cluster.js'

const three = ['n1', 'n2', 'n3']

describe('RawNode contract', () => {
  it('returns one Ready at a time: ready() twice or advance() without ready() is a bug', () => {
    const node = new RawNode({ id: 'n1', storage: new MemoryStorage({ confState: { voters: ['n1'], learners: [] } }) })
    expect(() => node.advance()).toThrow(AssertionError)
    node.campaign()
    expect(node.hasReady()).toBe(true)
    const ready = node.ready()
    expect(node.hasReady()).toBe(false)
    expect(() => node.ready()).toThrow(AssertionError)
    expect(() => node.advance({ ...ready })).toThrow(AssertionError)
    node.advance(ready)
  })

  it('marks mustSync when term, vote or entries change, not for a commit index alone', () => {
    const cluster = new Cluster(three)
    cluster.get('n1').node.campaign()
    const node = cluster.get('n1').node
    const first = node.ready()
    expect(first.hardState).toMatchObject({ term: 2, vote: 'n1' })
    expect(first.mustSync).toBe(true)
    expect(first.messages).toHaveLength(2)
    cluster.get('n1').storage.setHardState(first.hardState!)
    cluster.queue.push(...first.messages)
    node.advance()
    cluster.deliver()
    cluster.stabilize()
    // Only a commit advance left for a follower: no fsync needed.
    cluster.get('n1').node.propose(bytes('x'))
    cluster.processReady('n1')
    cluster.deliver()
    cluster.processReady('n2')
    cluster.deliver()
    cluster.processReady('n1')
    cluster.deliver()
    const followerReady = cluster.get('n2').node.ready()
    expect(followerReady.hardState?.commit).toBe(3)
    expect(followerReady.entries).toHaveLength(0)
    expect(followerReady.mustSync).toBe(false)
    cluster.get('n2').node.advance()
  })

  it('names the leader when a follower refuses a proposal', () => {
    const cluster = new Cluster(three)
    expect(() => cluster.get('n2').node.propose(bytes('x'))).toThrow(NotLeaderError)
    cluster.elect('n1')
    try {
      cluster.get('n2').node.propose(bytes('x'))
      expect.unreachable()
    } catch (error) {
      expect(error).toBeInstanceOf(NotLeaderError)
      expect((error as NotLeaderError).leader).toBe('n1')
      expect((error as NotLeaderError).code).toBe('NOT_LEADER')
    }
  })

  it('refuses proposals beyond maxUncommittedEntriesBytes and accepts again once they apply', () => {
    const cluster = new Cluster(three, { config: { maxUncommittedEntriesBytes: 10 } })
    cluster.elect('n1')
    const node = cluster.get('n1').node
    node.propose(bytes('123456'))
    expect(() => node.propose(bytes('123456'))).toThrow(UncommittedBytesExceededError)
    cluster.stabilize()
    expect(() => node.propose(bytes('123456'))).not.toThrow()
  })

  it('restarts from storage with its term, vote and commit', () => {
    const cluster = new Cluster(three)
    cluster.elect('n1')
    cluster.get('n1').node.propose(bytes('x'))
    cluster.stabilize()
    const { storage } = cluster.get('n2')
    const restarted = new RawNode({ id: 'n2', storage, applied: 3 })
    const status = restarted.status()
    expect(status).toMatchObject({ term: 2, vote: 'n1', commit: 3, applied: 3, role: 'follower' })
    expect(restarted.hasReady()).toBe(false)
    // Without `applied`, committed entries after the snapshot are handed out again.
    const replay = new RawNode({ id: 'n2', storage })
    expect(replay.ready().committedEntries.map((entry) => entry.index)).toEqual([2, 3])
  })

  it('reports leader progress in status()', () => {
    const cluster = new Cluster(three)
    cluster.elect('n1')
    const status = cluster.get('n1').node.status()
    expect(status.role).toBe('leader')
    expect(status.progress?.['n2']).toMatchObject({ match: 2, next: 3, state: 'replicate', isLearner: false })
    expect(cluster.get('n2').node.status().progress).toBeUndefined()
  })

  it('rejects invalid configurations with a typed error', () => {
    const storage = new MemoryStorage()
    expect(() => new RawNode({ id: '', storage })).toThrow(InvalidConfigError)
    expect(() => new RawNode({ id: 'n1', storage, electionTicks: 2, heartbeatTicks: 2 })).toThrow(InvalidConfigError)
    expect(() => new RawNode({ id: 'n1', storage, maxInflightMessages: 0 })).toThrow(InvalidConfigError)
  })

  it('ignores misrouted, self-addressed and unknown-peer messages without throwing', () => {
    const cluster = new Cluster(three)
    cluster.elect('n1')
    const node = cluster.get('n1').node
    node.step({ type: 'appendResponse', from: 'n9', to: 'n1', term: 2, index: 5, reject: false, rejectHint: 0, logTerm: 0 })
    node.step({ type: 'heartbeatResponse', from: 'n9', to: 'n1', term: 2, context: undefined })
    node.step({ type: 'appendResponse', from: 'n2', to: 'n7', term: 2, index: 5, reject: false, rejectHint: 0, logTerm: 0 })
    node.step({ type: 'readIndex', from: 'n9', to: 'n1', term: 2, context: bytes('x') })
    node.step({ type: 'voteResponse', from: 'n2', to: 'n1', term: 2, reject: false })
    expect(node.status().role).toBe('leader')
  })

  it('refuses a read when no leader is known', () => {
    const cluster = new Cluster(three)
    expect(() => cluster.get('n2').node.readIndex(bytes('r'))).toThrow(ReadIndexDroppedError)
  })

  it('serves a read at once in a single-voter group', () => {
    const cluster = new Cluster(['n1'])
    cluster.elect('n1')
    cluster.get('n1').node.readIndex(bytes('r'))
    const ready = cluster.get('n1').node.ready()
    expect(ready.readStates).toEqual([{ index: 2, context: bytes('r') }])
  })

  it('messages and entries are plain data that survive a structured clone', () => {
    const cluster = new Cluster(three)
    cluster.get('n1').node.campaign()
    const ready = cluster.get('n1').node.ready()
    expect(structuredClone(ready.messages)).toEqual(ready.messages)
  })
})

describe('conf change encoding', () => {
  it('round-trips every change type, with and without context', () => {
    for (const change of [
      { type: 'addVoter' as const, nodeId: 'n4' },
      { type: 'addLearner' as const, nodeId: 'nœud-5', context: bytes('ws://10.0.0.5:7000') },
      { type: 'removeNode' as const, nodeId: 'n1', context: new Uint8Array(0) },
    ]) {
      expect(decodeConfChange(encodeConfChange(change))).toEqual(change)
    }
    expect(() => decodeConfChange(bytes('garbage'))).toThrow(AssertionError)
  })
})

describe('MemoryStorage', () => {
  const entry = (index: number, term: number): Entry => ({ index, term, type: 'normal', data: bytes(`e${index}`) })

  it('serves [lo, hi) and names its errors', () => {
    const storage = new MemoryStorage({ confState: { voters: ['n1'], learners: [] } })
    storage.append([entry(2, 1), entry(3, 1), entry(4, 2)])
    expect(storage.firstIndex()).toBe(2)
    expect(storage.lastIndex()).toBe(4)
    expect(storage.entries(2, 4).map((item) => item.index)).toEqual([2, 3])
    expect(storage.term(1)).toBe(1)
    expect(() => storage.entries(1, 3)).toThrow(CompactedError)
    expect(() => storage.entries(2, 6)).toThrow(UnavailableError)
    expect(() => storage.term(5)).toThrow(UnavailableError)
  })

  it('limits entries by bytes but always returns at least one', () => {
    const storage = new MemoryStorage({ confState: { voters: ['n1'], learners: [] } })
    storage.append([entry(2, 1), entry(3, 1), entry(4, 1)])
    expect(storage.entries(2, 5, 1)).toHaveLength(1)
    expect(storage.entries(2, 5, 2 * 26)).toHaveLength(2)
  })

  it('overwrites a conflicting suffix on append', () => {
    const storage = new MemoryStorage({ confState: { voters: ['n1'], learners: [] } })
    storage.append([entry(2, 1), entry(3, 1), entry(4, 1)])
    storage.append([entry(3, 2)])
    expect(storage.lastIndex()).toBe(3)
    expect(storage.term(3)).toBe(2)
    expect(() => storage.append([entry(6, 2)])).toThrow(AssertionError)
  })

  it('snapshots, compacts and refuses older snapshots', () => {
    const storage = new MemoryStorage({ confState: { voters: ['n1'], learners: [] } })
    storage.append([entry(2, 1), entry(3, 1), entry(4, 2)])
    const snapshot = storage.createSnapshot(3, { voters: ['n1'], learners: [] }, bytes('state'))
    expect(snapshot.metadata).toMatchObject({ index: 3, term: 1 })
    storage.compact(3)
    expect(storage.firstIndex()).toBe(4)
    expect(storage.term(3)).toBe(1)
    expect(() => storage.compact(2)).toThrow(CompactedError)
    expect(() => storage.applySnapshot(snapshot)).toThrow(SnapshotOutOfDateError)
    storage.applySnapshot({ metadata: { index: 10, term: 3, confState: { voters: ['n1'], learners: [] } }, data: bytes('newer') })
    expect(storage.firstIndex()).toBe(11)
    expect(storage.lastIndex()).toBe(10)
  })
})
