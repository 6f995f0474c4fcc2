import { it } from 'vitest'
import { Simulation } from './support/simulation.js'
import { raftOf } from '../src/raw-node.js'
it('debug', () => {
  const simulation = new Simulation({ seed: 143, nodeCount: 5, faultTicks: 400, livenessTicksBound: 600 })
  try { simulation.run() } catch (error) {
    const nodes = (simulation as unknown as { nodes: Array<{ id: string, node: import('../src/index.js').RawNode, storage: import('../src/index.js').MemoryStorage }> }).nodes
    for (const n of nodes) {
      const raft = raftOf(n.node)
      console.log(n.id, raft.role, 'first', n.storage.firstIndex(), 'last', n.storage.lastIndex(), 'snap', n.storage.snapshot().metadata.index, 'unstableSnap', raft.log.unstable.snapshot?.metadata.index, 'offset', raft.log.unstable.offset, 'unstable', raft.log.unstable.entries.length)
      if (raft.role === 'leader') for (const [id, p] of raft.tracker.progress) console.log('  ', id, p.describe(), p.recentActive)
    }
    throw error
  }
})
