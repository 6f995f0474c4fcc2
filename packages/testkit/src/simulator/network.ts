/**
 * The fake peer network. Each message independently: dropped (loss rate, or a cut link at send or
 * delivery time), delayed (a base latency plus an exponential tail, so messages overtake each
 * other), and sometimes duplicated (the copy gets its own delay). Partitions are sets of cut
 * directed links, which expresses every shape: a full split cuts both directions between sides,
 * an asymmetric fault cuts A→B only, a bridge leaves one node connected to both sides.
 *
 * Like the server's peer transport (packages/server/src/cluster/peer-network.ts), a sender keeps
 * messages for a peer it cannot reach (the peer is down, or the link is cut) in a bounded queue and
 * flushes them once the peer is back or the link heals: a message addressed to a crashed process
 * may reach its next incarnation. The queue lives in the sender: it is lost if the sender crashes.
 * Each run holds such messages with some probability per message (`holdRate`), else drops them.
 *
 * Messages are deep-copied per delivery: a real network hands the receiver its own bytes, and
 * sharing objects between replicas could hide (or fake) aliasing bugs.
 */
import type { Message } from '@clustron/raft'
import type { EventLoop } from './event-loop.js'
import type { Random } from './random.js'

export interface NetworkConditions {
  lossRate: number
  duplicateRate: number
  /** Every message takes at least this long. */
  latencyMinMs: number
  /** ...plus uniform jitter up to this much... */
  latencyJitterMs: number
  /** ...plus, with this probability, an exponential delay with mean `tailMeanMs` (reordering). */
  tailRate: number
  tailMeanMs: number
}

export const calmNetwork: Readonly<NetworkConditions> = Object.freeze({
  lossRate: 0,
  duplicateRate: 0,
  latencyMinMs: 0.2,
  latencyJitterMs: 1.5,
  tailRate: 0.02,
  tailMeanMs: 5,
})

export interface NetworkStats {
  sent: number
  delivered: number
  dropped: number
  duplicated: number
  /** Messages held for an unreachable peer and delivered later (possibly to a new incarnation). */
  heldAndDelivered: number
}

export type Receiver = (message: Message) => boolean

interface Held {
  message: Message
  /** Whether the sending incarnation still lives (its queue dies with it). */
  senderAlive: () => boolean
}

/** Messages a sender keeps per unreachable peer (the transport's bound is larger; this keeps runs small). */
const heldPerPeerMax = 500

export class SimNetwork {
  conditions: NetworkConditions = { ...calmNetwork }
  readonly stats: NetworkStats = { sent: 0, delivered: 0, dropped: 0, duplicated: 0, heldAndDelivered: 0 }
  /** Probability that a message for an unreachable peer is kept for later rather than dropped. */
  holdRate = 0
  readonly #cut = new Set<string>()
  readonly #held = new Map<string, Held[]>()

  constructor(
    private readonly loop: EventLoop,
    private readonly random: Random,
    /** Hands a message to the node's current incarnation; false when the node is down. */
    private readonly receive: Receiver,
  ) {}

  /** Cuts every link between different sides, both directions. */
  split(sides: readonly (readonly string[])[]): void {
    for (const [sideIndex, side] of sides.entries()) {
      for (const [otherIndex, other] of sides.entries()) {
        if (sideIndex === otherIndex) continue
        for (const from of side) for (const to of other) this.#cut.add(link(from, to))
      }
    }
  }

  /** Cuts from → to only (to → from still works). */
  cutOneWay(from: string, to: string): void {
    this.#cut.add(link(from, to))
  }

  /** Splits `left` from `right` while `bridge` still reaches (and is reached by) both sides. */
  bridge(left: readonly string[], right: readonly string[], bridgeNode: string): void {
    this.split([left.filter((id) => id !== bridgeNode), right.filter((id) => id !== bridgeNode)])
  }

  heal(): void {
    this.#cut.clear()
    for (const to of [...this.#held.keys()]) this.release(to)
  }

  /** Delivers what senders kept for `to` (it came back up, or a link healed), in order. */
  release(to: string): void {
    const held = this.#held.get(to)
    if (held === undefined) return
    this.#held.delete(to)
    let delay = 0
    for (const item of held) {
      if (!item.senderAlive()) continue
      delay += this.random.between(0.1, 2)
      this.#scheduleDelivery(item.message, item.senderAlive, delay, true)
    }
  }

  get partitioned(): boolean {
    return this.#cut.size > 0
  }

  canReach(from: string, to: string): boolean {
    return !this.#cut.has(link(from, to))
  }

  describeCuts(): string {
    return [...this.#cut].sort().join(' ')
  }

  send(messages: readonly Message[], senderAlive: () => boolean): void {
    for (const message of messages) {
      this.stats.sent++
      if (this.random.chance(this.conditions.lossRate)) {
        this.stats.dropped++
        continue
      }
      if (!this.canReach(message.from, message.to)) {
        this.#holdOrDrop(copyMessage(message), senderAlive)
        continue
      }
      this.#scheduleDelivery(copyMessage(message), senderAlive, this.#delay(), false)
      if (this.random.chance(this.conditions.duplicateRate)) {
        this.stats.duplicated++
        this.#scheduleDelivery(copyMessage(message), senderAlive, this.#delay(), false)
      }
    }
  }

  #scheduleDelivery(message: Message, senderAlive: () => boolean, delayMs: number, wasHeld: boolean): void {
    const label = `net ${message.from}>${message.to} ${message.type} t${message.term}${wasHeld ? ' (held)' : ''}`
    this.loop.schedule(delayMs, label, () => {
      if (!this.canReach(message.from, message.to) || !this.receive(message)) {
        this.#holdOrDrop(message, senderAlive)
        return
      }
      this.stats.delivered++
      if (wasHeld) this.stats.heldAndDelivered++
    })
  }

  #holdOrDrop(message: Message, senderAlive: () => boolean): void {
    if (!senderAlive() || !this.random.chance(this.holdRate)) {
      this.stats.dropped++
      return
    }
    let held = this.#held.get(message.to)
    if (held === undefined) {
      held = []
      this.#held.set(message.to, held)
    }
    held.push({ message, senderAlive })
    if (held.length > heldPerPeerMax) {
      held.shift()
      this.stats.dropped++
    }
  }

  #delay(): number {
    const conditions = this.conditions
    let delay = conditions.latencyMinMs + this.random.next() * conditions.latencyJitterMs
    if (this.random.chance(conditions.tailRate)) delay += this.random.exponential(conditions.tailMeanMs)
    return delay
  }
}

/** A deep copy of a Raft message (plain data and byte arrays), cheaper than structuredClone. */
export function copyMessage(message: Message): Message {
  switch (message.type) {
    case 'appendEntries':
      return { ...message, entries: message.entries.map((entry) => ({ ...entry, data: entry.data.slice() })) }
    case 'installSnapshot': {
      const { metadata, data } = message.snapshot
      const confState = { voters: [...metadata.confState.voters], learners: [...metadata.confState.learners] }
      return { ...message, snapshot: { metadata: { ...metadata, confState }, data: data.slice() } }
    }
    case 'heartbeat':
    case 'heartbeatResponse':
      return { ...message, context: message.context?.slice() }
    case 'readIndex':
    case 'readIndexResponse':
      return { ...message, context: message.context.slice() }
    default:
      return { ...message }
  }
}

function link(from: string, to: string): string {
  return `${from}>${to}`
}
