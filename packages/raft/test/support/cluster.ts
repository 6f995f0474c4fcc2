import { decodeConfChange, MemoryStorage, RawNode, type Entry, type Message, type RaftConfig } from '../../src/index.js'
import type { Raft } from '../../src/raft.js'
import { raftOf } from '../../src/raw-node.js'

export interface ClusterOptions {
  learners?: string[]
  config?: Partial<Omit<RaftConfig, 'id' | 'storage'>>
  /** Per node: terms of its log entries from index 2 on (index 1 is the bootstrap snapshot). */
  logs?: Record<string, number[]>
  /** Per node: the current term to start with (at least the last log term). */
  terms?: Record<string, number>
}

export interface ClusterNode {
  id: string
  node: RawNode
  storage: MemoryStorage
  applied: Entry[]
}

const textEncoder = new TextEncoder()
export const bytes = (text: string): Uint8Array => textEncoder.encode(text)

/** Entries with the given terms from index 2 on. */
export function entriesWithTerms(terms: number[]): Entry[] {
  return terms.map((term, position) => ({ term, index: position + 2, type: 'normal' as const, data: bytes(`e${position + 2}`) }))
}

/**
 * A small synchronous group for the paper tests: every node persists each Ready into MemoryStorage at once,
 * messages queue until `deliver`/`stabilize`, and `filter` can drop messages.
 */
export class Cluster {
  readonly nodes = new Map<string, ClusterNode>()
  queue: Message[] = []
  filter: (message: Message) => boolean = () => true

  constructor(voters: string[], options: ClusterOptions = {}) {
    for (const id of [...voters, ...(options.learners ?? [])]) this.add(id, voters, options)
  }

  add(id: string, voters: string[], options: ClusterOptions = {}): ClusterNode {
    const storage = voters.length === 0
      ? new MemoryStorage()
      : new MemoryStorage({ confState: { voters, learners: options.learners ?? [] } })
    const log = options.logs?.[id] ?? []
    storage.append(entriesWithTerms(log))
    const term = Math.max(options.terms?.[id] ?? 0, ...log, storage.initialState().hardState.term)
    storage.setHardState({ term, vote: undefined, commit: storage.initialState().hardState.commit })
    const node = new RawNode({ id, storage, electionTicks: 10, heartbeatTicks: 1, preVote: false, checkQuorum: false, ...options.config })
    const clusterNode = { id, node, storage, applied: [] }
    this.nodes.set(id, clusterNode)
    return clusterNode
  }

  get(id: string): ClusterNode {
    const node = this.nodes.get(id)
    if (node === undefined) throw new Error(`no node ${id}`)
    return node
  }

  raft(id: string): Raft {
    return raftOf(this.get(id).node)
  }

  /** Persists and applies one Ready of `id`; returns the messages it produced (also queued). */
  processReady(id: string): Message[] {
    const clusterNode = this.get(id)
    if (!clusterNode.node.hasReady()) return []
    const ready = clusterNode.node.ready()
    if (ready.snapshot !== undefined) clusterNode.storage.applySnapshot(ready.snapshot)
    clusterNode.storage.append(ready.entries)
    if (ready.hardState !== undefined) clusterNode.storage.setHardState(ready.hardState)
    this.queue.push(...ready.messages)
    for (const entry of ready.committedEntries) {
      clusterNode.applied.push(entry)
      if (entry.type === 'confChange') clusterNode.node.applyConfChange(decodeConfChange(entry.data))
    }
    clusterNode.node.advance(ready)
    return ready.messages
  }

  /** Delivers every queued message (through `filter`) once. */
  deliver(): void {
    const messages = this.queue
    this.queue = []
    for (const message of messages) {
      if (!this.filter(message)) continue
      this.nodes.get(message.to)?.node.step(message)
    }
  }

  stabilize(): void {
    for (let round = 0; round < 200; round++) {
      for (const id of this.nodes.keys()) this.processReady(id)
      if (this.queue.length === 0) return
      this.deliver()
    }
    throw new Error('cluster did not stabilize')
  }

  /** Makes `id` leader by campaigning and stabilizing. */
  elect(id: string): void {
    this.get(id).node.campaign()
    this.stabilize()
  }

  tick(id: string, ticks: number): void {
    for (let tick = 0; tick < ticks; tick++) this.get(id).node.tick()
  }

  /** Terms of the persisted log of `id` from its first index. */
  logTerms(id: string): number[] {
    const storage = this.get(id).storage
    if (storage.lastIndex() < storage.firstIndex()) return []
    return storage.entries(storage.firstIndex(), storage.lastIndex() + 1).map((entry) => entry.term)
  }
}
