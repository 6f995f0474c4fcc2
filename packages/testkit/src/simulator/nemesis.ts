/**
 * The fault schedule of the safety phase. At random intervals it picks a fault: crash a node (the
 * leader, a follower, or every node at once) and restart it later; partition the network (a full
 * split, one node isolated, asymmetric one-way cuts, or a bridge node that sees both sides); make
 * the network lossy, duplicating and slow; slow a disk down; pause a process (SIGSTOP: everything
 * that reaches it waits, timers fire late on resume); hand leadership over. Clock drift and
 * offsets are fixed per node for the whole run. `healAll` ends every fault for the liveness phase.
 */
import type { SimCluster, SimNode } from './cluster.js'
import type { EventLoop } from './event-loop.js'
import { calmNetwork } from './network.js'
import type { Random } from './random.js'

export interface FaultStats {
  total: number
  crashes: number
  partitions: number
  networkFaults: number
  diskFaults: number
  transfers: number
  pauses: number
}

export interface NemesisOptions {
  /** Mean pause between faults. */
  faultIntervalMeanMs: number
  /** Probability a crashed node stays down until the heal. */
  stayDownRate: number
}

type Fault = 'crash' | 'crashLeader' | 'crashAll' | 'split' | 'isolate' | 'asymmetric' | 'bridge' | 'heal' | 'lossy' | 'slowNetwork' | 'slowDisk' | 'transfer' | 'pause'

const faults: readonly { fault: Fault; weight: number }[] = [
  { fault: 'crash', weight: 14 },
  { fault: 'crashLeader', weight: 14 },
  { fault: 'crashAll', weight: 2 },
  { fault: 'split', weight: 8 },
  { fault: 'isolate', weight: 8 },
  { fault: 'asymmetric', weight: 5 },
  { fault: 'bridge', weight: 5 },
  { fault: 'heal', weight: 8 },
  { fault: 'lossy', weight: 8 },
  { fault: 'slowNetwork', weight: 5 },
  { fault: 'slowDisk', weight: 4 },
  { fault: 'transfer', weight: 4 },
  { fault: 'pause', weight: 8 },
]
const totalWeight = faults.reduce((sum, entry) => sum + entry.weight, 0)

export class Nemesis {
  readonly stats: FaultStats = { total: 0, crashes: 0, partitions: 0, networkFaults: 0, diskFaults: 0, transfers: 0, pauses: 0 }
  #active = false

  constructor(
    private readonly loop: EventLoop,
    private readonly random: Random,
    private readonly cluster: SimCluster,
    private readonly options: NemesisOptions,
  ) {}

  /** Starts injecting faults until `healAll`. */
  start(): void {
    this.#active = true
    this.#scheduleNext()
  }

  /** Ends every fault: heals the network and disks, restarts every node that is down. */
  healAll(): void {
    this.#active = false
    this.cluster.network.heal()
    this.cluster.network.conditions = { ...calmNetwork }
    for (const node of this.cluster.nodes) {
      node.disk.slowFactor = 1
      this.cluster.resume(node)
      if (node.incarnation === undefined) this.cluster.start(node)
    }
  }

  #scheduleNext(): void {
    this.loop.schedule(this.random.exponential(this.options.faultIntervalMeanMs), 'nemesis', () => {
      if (!this.#active) return
      this.#inject(this.#pick())
      this.#scheduleNext()
    })
  }

  #pick(): Fault {
    let roll = this.random.next() * totalWeight
    for (const entry of faults) {
      roll -= entry.weight
      if (roll < 0) return entry.fault
    }
    return 'heal'
  }

  #inject(fault: Fault): void {
    this.stats.total++
    switch (fault) {
      case 'crash':
        this.#crash(this.random.pick(this.cluster.nodes))
        break
      case 'crashLeader':
        this.#crash(this.cluster.leader() ?? this.random.pick(this.cluster.nodes))
        break
      case 'crashAll':
        for (const node of this.cluster.nodes) this.#crash(node)
        break
      case 'split':
      case 'isolate':
      case 'asymmetric':
      case 'bridge':
        this.#partition(fault)
        break
      case 'heal':
        this.cluster.network.heal()
        break
      case 'lossy':
      case 'slowNetwork':
        this.#degradeNetwork(fault)
        break
      case 'slowDisk':
        this.#slowDisk(this.random.pick(this.cluster.nodes))
        break
      case 'transfer':
        this.#transfer()
        break
      case 'pause':
        this.#pause(this.random.chance(0.5) ? (this.cluster.leader() ?? this.random.pick(this.cluster.nodes)) : this.random.pick(this.cluster.nodes))
        break
    }
  }

  #crash(node: SimNode): void {
    if (node.incarnation === undefined) return
    this.stats.crashes++
    this.cluster.crash(node)
    this.loop.schedule(0, `nemesis crash ${node.id}`, () => {})
    if (this.random.chance(this.options.stayDownRate)) return
    this.loop.schedule(this.random.between(20, 3_000), `nemesis restart ${node.id}`, () => {
      if (this.#active && node.incarnation === undefined) this.cluster.start(node)
    })
  }

  #partition(kind: 'split' | 'isolate' | 'asymmetric' | 'bridge'): void {
    const network = this.cluster.network
    const ids = this.random.shuffle(this.cluster.ids)
    network.heal()
    this.stats.partitions++
    if (kind === 'isolate') {
      network.split([[ids[0]!], ids.slice(1)])
    } else if (kind === 'split') {
      const cut = this.random.int(1, ids.length - 1)
      network.split([ids.slice(0, cut), ids.slice(cut)])
    } else if (kind === 'asymmetric') {
      const links = this.random.int(1, ids.length)
      for (let link = 0; link < links; link++) {
        const [from, to] = this.random.shuffle(ids) as [string, string]
        network.cutOneWay(from, to)
      }
    } else {
      // Two sides that cannot talk, and one node (the bridge) that talks to both.
      const bridgeNode = ids[0]!
      const rest = ids.slice(1)
      const cut = this.random.int(1, rest.length - 1)
      network.bridge([bridgeNode, ...rest.slice(0, cut)], [bridgeNode, ...rest.slice(cut)], bridgeNode)
    }
    this.loop.schedule(0, `nemesis ${kind} ${network.describeCuts()}`, () => {})
    this.loop.schedule(this.random.between(200, 4_000), 'nemesis heal', () => {
      if (this.#active) network.heal()
    })
  }

  #degradeNetwork(kind: 'lossy' | 'slowNetwork'): void {
    const network = this.cluster.network
    this.stats.networkFaults++
    network.conditions =
      kind === 'lossy'
        ? { ...calmNetwork, lossRate: this.random.between(0.02, 0.3), duplicateRate: this.random.between(0, 0.15), tailRate: 0.1, tailMeanMs: 20 }
        : { ...calmNetwork, latencyMinMs: this.random.between(1, 20), latencyJitterMs: this.random.between(1, 60), tailRate: this.random.between(0.05, 0.3), tailMeanMs: this.random.between(20, 400) }
    this.loop.schedule(this.random.between(300, 3_000), 'nemesis network calm', () => {
      if (this.#active) network.conditions = { ...calmNetwork }
    })
  }

  #slowDisk(node: SimNode): void {
    this.stats.diskFaults++
    node.disk.slowFactor = this.random.between(5, 80)
    this.loop.schedule(this.random.between(300, 3_000), `nemesis disk ${node.id} calm`, () => {
      node.disk.slowFactor = 1
    })
  }

  /** Stops a process (SIGSTOP) for up to a few election timeouts, then lets it continue. */
  #pause(node: SimNode): void {
    if (node.incarnation === undefined || node.paused) return
    this.stats.pauses++
    this.cluster.pause(node)
    this.loop.schedule(0, `nemesis pause ${node.id}`, () => {})
    this.loop.schedule(this.random.between(100, 5_000), `nemesis resume ${node.id}`, () => this.cluster.resume(node))
  }

  #transfer(): void {
    const leader = this.cluster.leader()?.replica
    if (leader === undefined) return
    this.stats.transfers++
    void leader.transferLeadership(2_000)
  }
}
