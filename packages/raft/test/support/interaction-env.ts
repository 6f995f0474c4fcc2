import {
  AssertionError,
  decodeConfChange,
  MemoryStorage,
  RawNode,
  type ConfChange,
  type ConfState,
  type Message,
  type RaftConfig,
  type RaftLogger,
} from '../../src/index.js'
import { raftOf } from '../../src/raw-node.js'
import { type ParsedCommand, parseList } from './datadriven.js'
import { formatEntry, formatMessage, formatReady } from './format.js'

type LogLevel = 'debug' | 'info' | 'warn' | 'none'
const levelRank: Record<LogLevel, number> = { debug: 0, info: 1, warn: 2, none: 3 }

interface EnvNode {
  id: string
  node: RawNode
  storage: MemoryStorage
  config: RaftConfig
  confState: ConfState
  /** Index and data of applied non-empty normal entries, in order: the test "state machine". */
  applied: Array<[number, string]>
}

const textEncoder = new TextEncoder()
const textDecoder = new TextDecoder()

/** Node k of a script is `n${k}`. */
export const nodeId = (argument: string): string => `n${argument}`

/**
 * Drives several RawNodes with MemoryStorage for the interaction scripts in testdata/. Messages queue up
 * in one list in send order and are delivered only on request, so scripts control every interleaving.
 */
export class InteractionEnv {
  private readonly nodes = new Map<string, EnvNode>()
  private messages: Message[] = []
  private output: string[] = []
  private indent = ''
  private level: LogLevel = 'info'
  /** Partition groups; a message between two different groups is dropped on delivery. */
  private partitions: Array<Set<string>> = []

  run(command: ParsedCommand): string[] {
    this.output = []
    this.indent = ''
    try {
      this.dispatch(command)
    } catch (error) {
      if (error instanceof AssertionError || !(error instanceof Error)) throw error
      this.print(`error: ${error.name}: ${error.message}`)
    }
    return this.output
  }

  private dispatch(command: ParsedCommand): void {
    const { name, positional: args, named } = command
    switch (name) {
      case 'add-nodes': return this.addNodes(Number(args[0]), named)
      case 'campaign': return this.node(args[0]).node.campaign()
      case 'propose': return this.node(args[0]).node.propose(textEncoder.encode(args[1] ?? ''))
      case 'propose-conf-change': return this.proposeConfChange(args)
      case 'process-ready': return this.forEach(args, (node) => this.processReady(node))
      case 'deliver-msgs': return this.forEach(args, (node) => this.deliver(node))
      case 'drop-msgs': return this.dropMessages(args)
      case 'stabilize': return this.stabilize(args)
      case 'tick-heartbeat': return this.forEach(args, (node) => node.node.tick())
      case 'tick-election': return this.forEach(args, (node) => this.tickElection(node))
      case 'tick': return this.tickTimes(args)
      case 'partition': return this.partition(args)
      case 'heal': this.partitions = []; return
      case 'transfer-leadership': return this.node(named.get('from')).node.transferLeader(nodeId(named.get('to') ?? ''))
      case 'read-index': return this.node(args[0]).node.readIndex(textEncoder.encode(args[1] ?? ''))
      case 'compact': return this.compact(args)
      case 'report-unreachable': return this.node(args[0]).node.reportUnreachable(nodeId(args[1] ?? ''))
      case 'report-snapshot': return this.node(args[0]).node.reportSnapshot(nodeId(args[1] ?? ''), args[2] === 'failure' ? 'failure' : 'finish')
      case 'restart': return this.forEach(args, (node) => this.restart(node))
      case 'status': return this.forEach(args, (node) => this.printStatus(node))
      case 'raft-state': return this.printRaftState()
      case 'raft-log': return this.forEach(args, (node) => this.printLog(node))
      case 'applied': return this.forEach(args, (node) => this.print(`${node.id}: ${node.applied.map(([, data]) => data).join(' ')}`))
      case 'log-level': this.level = (args[0] ?? 'info') as LogLevel; return
      default: throw new Error(`unknown command ${name}`)
    }
  }

  private node(argument: string | undefined): EnvNode {
    const node = this.nodes.get(nodeId(argument ?? ''))
    if (node === undefined) throw new Error(`unknown node ${argument}`)
    return node
  }

  /** Runs `action` for the listed nodes, or for all nodes when none are listed. */
  private forEach(args: string[], action: (node: EnvNode) => void): void {
    const selected = args.length === 0 ? [...this.nodes.values()] : args.map((argument) => this.node(argument))
    for (const node of selected) action(node)
  }

  private print(line: string): void {
    this.output.push(this.indent + line)
  }

  private logger(): RaftLogger {
    const write = (level: LogLevel, label: string) => (message: string) => {
      if (levelRank[level] >= levelRank[this.level]) this.print(`${label} ${message}`)
    }
    return { debug: write('debug', 'DEBUG'), info: write('info', 'INFO'), warn: write('warn', 'WARN') }
  }

  private addNodes(count: number, named: Map<string, string>): void {
    const voters = parseList(named.get('voters') ?? '()').map(nodeId)
    const learners = parseList(named.get('learners') ?? '()').map(nodeId)
    const index = Number(named.get('index') ?? '0')
    const number = (key: string): number | undefined => (named.has(key) ? Number(named.get(key)) : undefined)
    for (let added = 0; added < count; added++) {
      const id = `n${this.nodes.size + 1}`
      const confState = { voters: [...voters], learners: [...learners] }
      const storage = index > 0
        ? new MemoryStorage({ snapshot: { metadata: { index, term: 1, confState }, data: new Uint8Array(0) } })
        : new MemoryStorage({ confState })
      const config: RaftConfig = {
        id,
        storage,
        electionTicks: number('election-ticks') ?? 10,
        heartbeatTicks: number('heartbeat-ticks') ?? 1,
        preVote: named.get('pre-vote') === 'true',
        checkQuorum: named.get('check-quorum') === 'true',
        seed: this.nodes.size + 1,
        logger: this.logger(),
      }
      const optional: Array<[keyof RaftConfig, string]> = [
        ['maxInflightMessages', 'max-inflight'],
        ['maxInflightBytes', 'max-inflight-bytes'],
        ['maxEntriesBytesPerMessage', 'max-entries-bytes'],
        ['maxUncommittedEntriesBytes', 'max-uncommitted-bytes'],
        ['maxCommittedEntriesBytesPerReady', 'max-committed-bytes'],
      ]
      for (const [key, option] of optional) {
        const value = number(option)
        if (value !== undefined) Object.assign(config, { [key]: value })
      }
      const node = new RawNode(config)
      this.nodes.set(id, { id, node, storage, config, confState, applied: [] })
    }
  }

  private proposeConfChange(args: string[]): void {
    const [proposer, kind, target] = args
    const types: Record<string, ConfChange['type']> = { 'add-voter': 'addVoter', 'add-learner': 'addLearner', remove: 'removeNode' }
    const type = types[kind ?? '']
    if (type === undefined) throw new Error(`unknown conf change ${kind}`)
    this.node(proposer).node.proposeConfChange({ type, nodeId: nodeId(target ?? '') })
  }

  private processReady(envNode: EnvNode): void {
    const { node, storage } = envNode
    if (!node.hasReady()) return
    const ready = node.ready()
    this.print(`> ${envNode.id} handling Ready`)
    this.indent = '  '
    for (const line of formatReady(ready)) this.print(line)
    // The duties in the order the Ready type documents: snapshot, entries and hard state, then the rest.
    if (ready.snapshot !== undefined) {
      storage.applySnapshot(ready.snapshot)
      envNode.confState = ready.snapshot.metadata.confState
      envNode.applied = decodeApplied(ready.snapshot.data)
    }
    storage.append(ready.entries)
    if (ready.hardState !== undefined) storage.setHardState(ready.hardState)
    this.messages.push(...ready.messages)
    for (const entry of ready.committedEntries) {
      if (entry.type === 'confChange') envNode.confState = node.applyConfChange(decodeConfChange(entry.data))
      else if (entry.data.byteLength > 0) envNode.applied.push([entry.index, textDecoder.decode(entry.data)])
    }
    node.advance(ready)
    this.indent = ''
  }

  private deliver(envNode: EnvNode): void {
    const incoming = this.messages.filter((message) => message.to === envNode.id)
    if (incoming.length === 0) return
    this.messages = this.messages.filter((message) => message.to !== envNode.id)
    this.print(`> ${envNode.id} receiving messages`)
    this.indent = '  '
    for (const message of incoming) {
      if (this.partitioned(message.from, message.to)) {
        this.print(`dropped: ${formatMessage(message)}`)
        continue
      }
      this.print(formatMessage(message))
      envNode.node.step(message)
    }
    this.indent = ''
  }

  private dropMessages(args: string[]): void {
    const targets = new Set(args.map(nodeId))
    const dropped = this.messages.filter((message) => targets.size === 0 || targets.has(message.to))
    this.messages = this.messages.filter((message) => !(targets.size === 0 || targets.has(message.to)))
    for (const message of dropped) this.print(`dropped: ${formatMessage(message)}`)
  }

  private partitioned(from: string, to: string): boolean {
    if (this.partitions.length === 0) return false
    const groupOf = (id: string) => this.partitions.findIndex((group) => group.has(id))
    return groupOf(from) !== groupOf(to)
  }

  /** `partition 1 | 2 3`: nodes left of each '|' form one group. */
  private partition(args: string[]): void {
    this.partitions = [new Set()]
    for (const argument of args) {
      if (argument === '|') this.partitions.push(new Set())
      else this.partitions[this.partitions.length - 1]!.add(nodeId(argument))
    }
  }

  private stabilize(args: string[]): void {
    const selected = args.length === 0 ? [...this.nodes.values()] : args.map((argument) => this.node(argument))
    for (let round = 0; round < 1000; round++) {
      let done = true
      for (const node of selected) {
        if (node.node.hasReady()) {
          done = false
          this.processReady(node)
        }
      }
      for (const node of selected) {
        if (this.messages.some((message) => message.to === node.id)) {
          done = false
          this.deliver(node)
        }
      }
      if (done) return
    }
    throw new Error('stabilize did not converge in 1000 rounds')
  }

  private tickElection(envNode: EnvNode): void {
    const raft = raftOf(envNode.node)
    const ticks = raft.role === 'leader' ? raft.electionTimeout : Math.max(1, raft.randomizedElectionTimeout - raft.electionElapsed)
    for (let tick = 0; tick < ticks; tick++) envNode.node.tick()
  }

  private tickTimes(args: string[]): void {
    const [target, count] = args
    for (let tick = 0; tick < Number(count ?? '1'); tick++) this.node(target).node.tick()
  }

  private compact(args: string[]): void {
    const envNode = this.node(args[0])
    const index = Number(args[1])
    const data = textEncoder.encode(JSON.stringify(envNode.applied.filter(([appliedIndex]) => appliedIndex <= index)))
    envNode.storage.createSnapshot(index, envNode.confState, data)
    envNode.storage.compact(index)
    this.printLog(envNode)
  }

  private restart(envNode: EnvNode): void {
    const snapshot = envNode.storage.snapshot()
    envNode.applied = decodeApplied(snapshot.data)
    envNode.confState = snapshot.metadata.confState
    envNode.node = new RawNode({ ...envNode.config, applied: snapshot.metadata.index })
  }

  private printStatus(envNode: EnvNode): void {
    const status = envNode.node.status()
    this.print(`${status.id}: ${status.role} term=${status.term} vote=${status.vote ?? '-'} lead=${status.lead ?? '-'} commit=${status.commit} applied=${status.applied}${status.leadTransferee === undefined ? '' : ` transferee=${status.leadTransferee}`}`)
    const raft = raftOf(envNode.node)
    if (raft.role !== 'leader') return
    for (const id of raft.tracker.memberIds()) this.print(`  ${id}: ${raft.tracker.progress.get(id)!.describe()}`)
  }

  private printRaftState(): void {
    for (const envNode of this.nodes.values()) {
      const status = envNode.node.status()
      this.print(`${status.id}: ${status.role} term=${status.term} lead=${status.lead ?? '-'}`)
    }
  }

  private printLog(envNode: EnvNode): void {
    const storage = envNode.storage
    const first = storage.firstIndex()
    const last = storage.lastIndex()
    if (last < first) {
      this.print(`${envNode.id}: log empty (snapshot ${storage.snapshot().metadata.index})`)
      return
    }
    if (first > 1) this.print(`${envNode.id}: snapshot ${storage.snapshot().metadata.term}/${storage.snapshot().metadata.index}`)
    for (const entry of storage.entries(first, last + 1)) this.print(formatEntry(entry))
  }
}

function decodeApplied(data: Uint8Array): Array<[number, string]> {
  if (data.byteLength === 0) return []
  return JSON.parse(textDecoder.decode(data)) as Array<[number, string]>
}
