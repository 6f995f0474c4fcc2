import {
  MemoryStorage,
  NotLeaderError,
  ProposalDroppedError,
  RawNode,
  ReadIndexDroppedError,
  SeededRandom,
  type ConfState,
  type Entry,
  type Message,
} from '../../src/index.js'

export interface SimulationOptions {
  seed: number
  nodeCount: number
  /** Ticks with faults on (drops, delays, duplicates, partitions, restarts, compaction). */
  faultTicks: number
  /** Ticks allowed after healing for the group to commit a fresh entry on every node. */
  livenessTicksBound: number
}

interface AppliedEntry { index: number; term: number; data: string }

interface SimNode {
  id: string
  node: RawNode
  storage: MemoryStorage
  /** The "state machine": every applied non-empty entry, in index order. */
  applied: AppliedEntry[]
  appliedIndex: number
}

interface InFlight { deliverAt: number; message: Message }

const textEncoder = new TextEncoder()
const textDecoder = new TextDecoder()
const electionTicks = 10
const confState = (count: number): ConfState => ({ voters: Array.from({ length: count }, (_, position) => `n${position + 1}`), learners: [] })

export class SimulationFailure extends Error {}

/**
 * A seeded whole-group simulation: RawNodes over an in-memory network that drops, delays (so reorders),
 * duplicates and partitions messages, with random proposals, reads, restarts and log compaction. Checks the
 * Raft safety properties on every step, then heals everything and requires progress within a tick bound.
 */
export class Simulation {
  private readonly random: SeededRandom
  private readonly nodes: SimNode[] = []
  private inFlight: InFlight[] = []
  private now = 0
  private faults = true
  private partition: Map<string, number> | undefined = undefined
  private proposalCounter = 0
  private readonly accepted = new Set<string>()
  private readonly leaderOfTerm = new Map<number, string>()
  /** Every entry any node applied, by index: all nodes must apply the same entry at each index. */
  private readonly committed = new Map<number, { term: number; data: string }>()
  private highestCommitSeen = 0
  /** Read contexts with the commit index known somewhere when the read was requested. */
  private readonly pendingReads = new Map<string, number>()
  readsServed = 0

  constructor(private readonly options: SimulationOptions) {
    this.random = new SeededRandom(options.seed)
    for (let position = 1; position <= options.nodeCount; position++) {
      const storage = new MemoryStorage({ confState: confState(options.nodeCount) })
      const id = `n${position}`
      this.nodes.push({ id, node: this.newNode(id, storage, 0), storage, applied: [], appliedIndex: 1 })
    }
  }

  private newNode(id: string, storage: MemoryStorage, applied: number): RawNode {
    return new RawNode({
      id,
      storage,
      electionTicks,
      heartbeatTicks: 1,
      seed: this.options.seed * 31 + Number(id.slice(1)) + this.now,
      maxInflightMessages: 4,
      maxEntriesBytesPerMessage: 256,
      maxUncommittedEntriesBytes: 4096,
      ...(applied > 0 ? { applied } : {}),
    })
  }

  private fail(message: string): never {
    throw new SimulationFailure(`seed=${this.options.seed} nodes=${this.options.nodeCount} tick=${this.now}: ${message}`)
  }

  private chance(probability: number): boolean {
    return this.random.nextInt(1_000_000) < probability * 1_000_000
  }

  private pick<T>(items: readonly T[]): T {
    return items[this.random.nextInt(items.length)]!
  }

  run(): void {
    for (let tick = 0; tick < this.options.faultTicks; tick++) this.step()
    this.heal()
    this.requireProgress()
    this.checkLogMatching()
    this.checkProposalsResolved()
  }

  private step(): void {
    this.now++
    if (this.faults) this.injectFaults()
    for (const simNode of this.nodes) simNode.node.tick()
    // After healing only the liveness marker is proposed, so that everything accepted can settle.
    if (this.faults && this.chance(0.3)) this.propose(this.pick(this.nodes))
    if (this.chance(0.05)) this.requestRead(this.pick(this.nodes))
    this.deliverDue()
    this.processAllReady()
  }

  private injectFaults(): void {
    if (this.chance(0.01)) {
      // A random split of the nodes into two sides (possibly everyone on one side).
      this.partition = new Map(this.nodes.map((simNode) => [simNode.id, this.random.nextInt(2)]))
    }
    if (this.chance(0.01)) this.partition = undefined
    if (this.chance(0.004)) this.restart(this.pick(this.nodes))
    if (this.chance(0.02)) this.compact(this.pick(this.nodes))
  }

  private heal(): void {
    this.faults = false
    this.partition = undefined
  }

  private propose(simNode: SimNode): void {
    const data = `p${++this.proposalCounter}`
    try {
      simNode.node.propose(textEncoder.encode(data))
      this.accepted.add(data)
    } catch (error) {
      if (!(error instanceof ProposalDroppedError)) throw error
      if (error instanceof NotLeaderError && error.leader === simNode.id) this.fail(`${simNode.id} names itself leader but refuses`)
    }
  }

  private requestRead(simNode: SimNode): void {
    const context = `r${++this.proposalCounter}`
    try {
      simNode.node.readIndex(textEncoder.encode(context))
      this.pendingReads.set(context, this.highestCommitSeen)
    } catch (error) {
      if (!(error instanceof ReadIndexDroppedError)) throw error
    }
  }

  private restart(simNode: SimNode): void {
    // Everything persisted survives (each Ready is synced before its messages leave); memory is lost.
    const snapshot = simNode.storage.snapshot()
    simNode.applied = decodeApplied(snapshot.data)
    simNode.appliedIndex = snapshot.metadata.index
    simNode.node = this.newNode(simNode.id, simNode.storage, snapshot.metadata.index)
  }

  private compact(simNode: SimNode): void {
    const storage = simNode.storage
    const snapshotIndex = storage.snapshot().metadata.index
    if (simNode.appliedIndex - snapshotIndex < 8) return
    const data = textEncoder.encode(JSON.stringify(simNode.applied))
    storage.createSnapshot(simNode.appliedIndex, confState(this.options.nodeCount), data)
    // Keep a few entries behind the snapshot so that slightly lagging followers need no snapshot.
    const compactIndex = simNode.appliedIndex - 3
    if (compactIndex >= storage.firstIndex()) storage.compact(compactIndex)
  }

  /** The transport's duty: tell the leader how each snapshot send ended, or it waits for it forever. */
  private reportSnapshot(message: Message, status: 'finish' | 'failure'): void {
    if (message.type !== 'installSnapshot') return
    this.nodes.find((simNode) => simNode.id === message.from)?.node.reportSnapshot(message.to, status)
  }

  private send(message: Message): void {
    if (this.faults) {
      if (this.chance(0.05)) {
        this.reportSnapshot(message, 'failure')
        return
      }
      const copies = this.chance(0.02) ? 2 : 1
      for (let copy = 0; copy < copies; copy++) {
        this.inFlight.push({ deliverAt: this.now + 1 + this.random.nextInt(4), message })
      }
    } else {
      this.inFlight.push({ deliverAt: this.now + 1, message })
    }
  }

  private deliverDue(): void {
    const due = this.inFlight.filter((item) => item.deliverAt <= this.now)
    this.inFlight = this.inFlight.filter((item) => item.deliverAt > this.now)
    for (const { message } of due) {
      if (this.partition !== undefined && this.partition.get(message.from) !== this.partition.get(message.to)) {
        this.reportSnapshot(message, 'failure')
        continue
      }
      const target = this.nodes.find((simNode) => simNode.id === message.to)
      // Messages are plain data: a structured clone stands in for the wire and catches shared mutation.
      target?.node.step(structuredClone(message))
      this.reportSnapshot(message, 'finish')
    }
  }

  private processAllReady(): void {
    for (let round = 0; round < 10; round++) {
      let any = false
      for (const simNode of this.nodes) {
        if (!simNode.node.hasReady()) continue
        any = true
        this.processReady(simNode)
      }
      if (!any) return
    }
  }

  private processReady(simNode: SimNode): void {
    const { node, storage } = simNode
    const ready = node.ready()
    if (ready.snapshot !== undefined) {
      storage.applySnapshot(ready.snapshot)
      simNode.applied = decodeApplied(ready.snapshot.data)
      simNode.appliedIndex = ready.snapshot.metadata.index
    }
    storage.append(ready.entries)
    if (ready.hardState !== undefined) {
      storage.setHardState(ready.hardState)
      this.highestCommitSeen = Math.max(this.highestCommitSeen, ready.hardState.commit)
    }
    if (ready.softState?.role === 'leader') this.checkNewLeader(simNode)
    for (const message of ready.messages) this.send(message)
    for (const entry of ready.committedEntries) this.apply(simNode, entry)
    for (const read of ready.readStates) {
      const context = textDecoder.decode(read.context)
      const required = this.pendingReads.get(context)
      if (required === undefined) this.fail(`${simNode.id} got a read state for unknown context ${context}`)
      // Linearizable reads: the read index covers every entry committed before the read began.
      if (read.index < required) this.fail(`read ${context} at index ${read.index} misses commit ${required}`)
      // Kept, not deleted: the network may duplicate a forwarded request or its answer.
      this.readsServed++
    }
    node.advance(ready)
  }

  private checkNewLeader(simNode: SimNode): void {
    const term = simNode.node.status().term
    const previous = this.leaderOfTerm.get(term)
    // Election safety: at most one leader per term.
    if (previous !== undefined && previous !== simNode.id) this.fail(`two leaders in term ${term}: ${previous} and ${simNode.id}`)
    this.leaderOfTerm.set(term, simNode.id)
    // Leader completeness: the new leader's (persisted) log holds every entry committed so far.
    const storage = simNode.storage
    for (const [index, entry] of this.committed) {
      if (index < storage.firstIndex()) continue
      if (index > storage.lastIndex()) this.fail(`leader ${simNode.id} of term ${term} lacks committed index ${index}`)
      const [stored] = storage.entries(index, index + 1)
      if (stored!.term !== entry.term) this.fail(`leader ${simNode.id} of term ${term} has ${stored!.term}/${index}, committed ${entry.term}/${index}`)
    }
  }

  private apply(simNode: SimNode, entry: Entry): void {
    if (entry.index !== simNode.appliedIndex + 1) this.fail(`${simNode.id} applies ${entry.index} after ${simNode.appliedIndex}`)
    simNode.appliedIndex = entry.index
    const data = textDecoder.decode(entry.data)
    const known = this.committed.get(entry.index)
    // State machine safety: no two nodes apply different entries at one index.
    if (known === undefined) this.committed.set(entry.index, { term: entry.term, data })
    else if (known.term !== entry.term || known.data !== data) {
      this.fail(`${simNode.id} applies ${entry.term}/${entry.index} "${data}", another node applied ${known.term}/${entry.index} "${known.data}"`)
    }
    if (entry.data.byteLength > 0) simNode.applied.push({ index: entry.index, term: entry.term, data })
  }

  /**
   * After healing, a leader must emerge and a fresh proposal must be applied everywhere within the bound.
   * The proposal is repeated every few election timeouts: the first may go to a deposed leader that does
   * not know it yet (that is a dropped proposal, not a liveness failure).
   */
  private requireProgress(): void {
    const markers = new Set<string>()
    let lastProposalTick = -Infinity
    for (let tick = 0; tick < this.options.livenessTicksBound; tick++) {
      this.step()
      if (tick - lastProposalTick >= 4 * electionTicks) {
        const leader = this.nodes.find((simNode) => simNode.node.status().role === 'leader')
        if (leader !== undefined) {
          const marker = `final${markers.size + 1}`
          try {
            leader.node.propose(textEncoder.encode(marker))
            this.accepted.add(marker)
            markers.add(marker)
            lastProposalTick = tick
          } catch (error) {
            if (!(error instanceof ProposalDroppedError)) throw error
          }
        }
      }
      const everywhere = (marker: string) => this.nodes.every((simNode) => simNode.applied.some((entry) => entry.data === marker))
      if ([...markers].some(everywhere)) {
        // Let in-flight commit updates land so every node applies the same prefix.
        for (let settle = 0; settle < 3 * electionTicks; settle++) this.step()
        return
      }
    }
    const states = this.nodes.map((simNode) => {
      const status = simNode.node.status()
      return `${status.id}:${status.role}/t${status.term}/c${status.commit}/a${status.applied}`
    })
    this.fail(`no progress within ${this.options.livenessTicksBound} ticks after healing (${states.join(' ')})`)
  }

  /** Log matching: two logs with the same term at an index are identical up to that index. */
  private checkLogMatching(): void {
    for (const left of this.nodes) {
      for (const right of this.nodes) {
        if (left.id >= right.id) continue
        const first = Math.max(left.storage.firstIndex(), right.storage.firstIndex())
        const last = Math.min(left.storage.lastIndex(), right.storage.lastIndex())
        if (last < first) continue
        const leftEntries = left.storage.entries(first, last + 1)
        const rightEntries = right.storage.entries(first, last + 1)
        let matchUpTo = -1
        for (let position = leftEntries.length - 1; position >= 0; position--) {
          if (leftEntries[position]!.term === rightEntries[position]!.term) { matchUpTo = position; break }
        }
        for (let position = 0; position <= matchUpTo; position++) {
          const leftEntry = leftEntries[position]!
          const rightEntry = rightEntries[position]!
          if (leftEntry.term !== rightEntry.term || textDecoder.decode(leftEntry.data) !== textDecoder.decode(rightEntry.data)) {
            this.fail(`log matching: ${left.id} and ${right.id} differ at ${leftEntry.index} below a common entry at ${leftEntries[matchUpTo]!.index}`)
          }
        }
      }
    }
    // Every node applied the same prefix.
    const reference = this.nodes[0]!.appliedIndex
    for (const simNode of this.nodes) {
      if (simNode.appliedIndex !== reference) this.fail(`applied indexes differ after settling: ${this.nodes.map((node) => node.appliedIndex).join(',')}`)
    }
  }

  /**
   * Every accepted proposal is committed, or is known dropped: it appears in no log, or only past a node's
   * commit index with a term below the leader's (such an entry can never commit: any log holding it loses
   * elections to the leader's, and the leader overwrites it).
   */
  private checkProposalsResolved(): void {
    const committedData = new Set([...this.committed.values()].map((entry) => entry.data))
    const leaderTerm = Math.max(...this.nodes.map((simNode) => simNode.node.status().term))
    for (const simNode of this.nodes) {
      const storage = simNode.storage
      if (storage.lastIndex() < storage.firstIndex()) continue
      const commit = simNode.node.status().commit
      for (const entry of storage.entries(storage.firstIndex(), storage.lastIndex() + 1)) {
        const data = textDecoder.decode(entry.data)
        if (!this.accepted.has(data) || committedData.has(data)) continue
        if (entry.index <= commit || entry.term >= leaderTerm) {
          this.fail(`proposal ${data} (${entry.term}/${entry.index}) on ${simNode.id} (commit ${commit}) is neither committed nor dropped`)
        }
      }
    }
  }

  summary(): { committedEntries: number; accepted: number; terms: number; readsServed: number } {
    return { committedEntries: this.committed.size, accepted: this.accepted.size, terms: this.leaderOfTerm.size, readsServed: this.readsServed }
  }
}

function decodeApplied(data: Uint8Array): AppliedEntry[] {
  if (data.byteLength === 0) return []
  return JSON.parse(textDecoder.decode(data)) as AppliedEntry[]
}
