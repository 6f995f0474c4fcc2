/**
 * The simulated cluster: N nodes, each running the real RaftReplica on a fake disk, a node clock
 * and the fake network. A crash drops the replica object with everything it had in flight: its
 * timers never fire, its disk handle goes dead (unsynced records are lost), messages to it are
 * dropped until it restarts, and clients waiting on it see a lost connection. A restart opens a
 * new RaftReplica (new incarnation) on the same disk.
 */
import type { Message } from '@clustron/raft'
import { RaftReplica } from '@clustron/server/internal'
import { NodeClock, type ClockSkew } from './clock.js'
import { SimDisk } from './disk.js'
import type { EventLoop } from './event-loop.js'
import type { Invariants } from './invariants.js'
import { SimNetwork } from './network.js'
import type { Random } from './random.js'

export interface ReplicaTuning {
  tickMs: number
  electionTicks: number
  heartbeatTicks: number
  snapshotEntries: number
  retainEntries: number
  requestTimeoutMs: number
}

export interface Incarnation {
  readonly number: number
  alive: boolean
}

export class SimNode {
  incarnation: Incarnation | undefined
  /** Set once the current incarnation finished opening. */
  replica: RaftReplica | undefined
  incarnations = 0
  /** A paused process (SIGSTOP, a long GC pause) runs nothing; what reaches it waits in `backlog`. */
  paused = false
  backlog: (() => void)[] = []

  constructor(
    readonly id: string,
    readonly disk: SimDisk,
    readonly skew: ClockSkew,
  ) {}

  get up(): boolean {
    return this.replica !== undefined
  }
}

export interface ClusterStats {
  starts: number
  crashes: number
  pauses: number
  snapshotsInstalled: number
  /** A snapshot skipped revisions its machine no longer retained (watchers there must resume). */
  watchReplayGaps: number
}

export class SimCluster {
  readonly nodes: SimNode[]
  readonly network: SimNetwork
  readonly stats: ClusterStats = { starts: 0, crashes: 0, pauses: 0, snapshotsInstalled: 0, watchReplayGaps: 0 }
  readonly #byId = new Map<string, SimNode>()
  readonly #crashCallbacks = new Map<string, Set<() => void>>()
  readonly #upListeners: ((node: SimNode) => void)[] = []
  readonly #random: Random

  constructor(
    private readonly loop: EventLoop,
    random: Random,
    readonly ids: readonly string[],
    private readonly tuning: ReplicaTuning,
    private readonly invariants: Invariants,
    skews: readonly ClockSkew[],
  ) {
    this.#random = random.fork('cluster')
    const diskRandom = random.fork('disk')
    this.network = new SimNetwork(loop, random.fork('network'), (message) => this.#receive(message))
    this.nodes = ids.map((id, position) => new SimNode(id, new SimDisk(id, loop, diskRandom.fork(id), invariants.diskObserver()), skews[position]!))
    for (const node of this.nodes) this.#byId.set(node.id, node)
    this.onNodeUp((node) => this.network.release(node.id))
  }

  /**
   * Runs `work` in the process of node `id` if it is up: now, or when it resumes from a pause.
   * Returns false when the node is down (nothing listens).
   */
  runOn(id: string, work: (replica: RaftReplica) => void): boolean {
    const node = this.node(id)
    const incarnation = node.incarnation
    if (node.replica === undefined || incarnation === undefined) return false
    this.#gate(node, incarnation, () => {
      if (node.replica !== undefined) work(node.replica)
    })
    return true
  }

  pause(node: SimNode): void {
    if (node.incarnation === undefined || node.paused) return
    node.paused = true
    this.stats.pauses++
  }

  /** Resumes a paused process: what waited runs now, in arrival order (timers fire late). */
  resume(node: SimNode): void {
    if (!node.paused) return
    node.paused = false
    const backlog = node.backlog
    node.backlog = []
    for (const work of backlog) this.loop.schedule(0, `${node.id} resumes`, work)
  }

  node(id: string): SimNode {
    const node = this.#byId.get(id)
    if (node === undefined) throw new Error(`no node ${id}`)
    return node
  }

  /** The replica of `id` if it is up. */
  replica(id: string): RaftReplica | undefined {
    return this.#byId.get(id)?.replica
  }

  onNodeUp(listener: (node: SimNode) => void): void {
    this.#upListeners.push(listener)
  }

  /** Calls `callback` if `id` crashes before the returned function is called. */
  onCrashOf(id: string, callback: () => void): () => void {
    let callbacks = this.#crashCallbacks.get(id)
    if (callbacks === undefined) {
      callbacks = new Set()
      this.#crashCallbacks.set(id, callbacks)
    }
    callbacks.add(callback)
    const set = callbacks
    return () => set.delete(callback)
  }

  /** The up node that believes it leads the highest term, if any. */
  leader(): SimNode | undefined {
    let best: { node: SimNode; term: number } | undefined
    for (const node of this.nodes) {
      const status = node.replica?.status()
      if (status === undefined || status.leader !== node.id) continue
      if (best === undefined || status.term > best.term) best = { node, term: status.term }
    }
    return best?.node
  }

  /** Starts a new incarnation of `node` on its disk (the first start bootstraps the cluster). */
  start(node: SimNode): void {
    if (node.incarnation?.alive === true) return
    const incarnation: Incarnation = { number: ++node.incarnations, alive: true }
    node.incarnation = incarnation
    this.stats.starts++
    const alive = () => incarnation.alive
    const run = (work: () => void) => this.#gate(node, incarnation, work)
    const name = `${node.id}#${incarnation.number}`
    this.invariants.onStart(node.id)
    RaftReplica.open({
      store: 'default',
      nodeId: node.id,
      limits: {},
      clock: new NodeClock(this.loop, node.skew, name, run),
      log: node.disk.handle(alive, run),
      send: (messages) => this.#send(node, incarnation, messages),
      bootstrap: Object.fromEntries(this.ids.map((id) => [id, id])),
      incarnation: `i${incarnation.number}`,
      seed: this.#random.int(1, 0x7fff_ffff),
      ...this.tuning,
      onLog: (level, message, fields) => this.#onLog(node, incarnation, level, message, fields),
      onApplyEntry: (entry) => {
        if (incarnation.alive) this.invariants.onApply(node.id, entry, node.disk)
      },
      onInstallSnapshot: (snapshot) => {
        if (!incarnation.alive) return
        this.stats.snapshotsInstalled++
        this.invariants.onInstallSnapshot(node.id, snapshot)
      },
    }).then(
      (replica) => {
        if (!incarnation.alive) return
        node.replica = replica
        for (const listener of this.#upListeners) listener(node)
      },
      (error: unknown) => this.invariants.fail('open-failed', `${name} failed to open: ${String(error)}`),
    )
  }

  /** Kills the current incarnation of `node`: nothing it did not sync survives. */
  crash(node: SimNode): void {
    const incarnation = node.incarnation
    if (incarnation === undefined || !incarnation.alive) return
    incarnation.alive = false
    node.incarnation = undefined
    node.replica = undefined
    node.paused = false
    node.backlog = []
    node.disk.crash()
    this.stats.crashes++
    const callbacks = this.#crashCallbacks.get(node.id)
    this.#crashCallbacks.delete(node.id)
    for (const callback of callbacks ?? []) callback()
  }

  #send(node: SimNode, incarnation: Incarnation, messages: Message[]): void {
    if (!incarnation.alive) return
    this.invariants.onSend(node.id, messages, node.disk)
    this.network.send(messages, () => incarnation.alive)
  }

  #receive(message: Message): boolean {
    return this.runOn(message.to, (replica) => replica.step(message))
  }

  /** The door into a process: nothing runs in a dead incarnation, and a paused one runs it later. */
  #gate(node: SimNode, incarnation: Incarnation, work: () => void): void {
    if (!incarnation.alive) return
    if (node.paused) node.backlog.push(() => this.#gate(node, incarnation, work))
    else work()
  }

  #onLog(node: SimNode, incarnation: Incarnation, level: string, message: string, fields: Record<string, unknown> | undefined): void {
    if (!incarnation.alive) return
    if (level === 'error') this.invariants.fail('replica-stopped', `${node.id}#${incarnation.number}: ${message} ${JSON.stringify(fields ?? {})}`)
    if (level === 'warn' && message.startsWith('a snapshot skipped revisions')) this.stats.watchReplayGaps++
  }
}
