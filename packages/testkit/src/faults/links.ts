/**
 * The fault state of every directed link of a cluster under test. An endpoint is a node id, or
 * `client` for the test's client connections. A link `from → to` governs the bytes flowing from
 * `from` to `to`, whatever connection carries them (a node's outbound peer connection carries its
 * Raft messages; the challenge the accepting node sends back travels the opposite link).
 *
 * Fault proxies consult the table for every chunk they forward and listen for changes, so a cut
 * takes effect on connections already open, not only on new ones.
 */

export const clientEndpoint = 'client'

export type LinkFault =
  | { kind: 'pass' }
  /** Every chunk waits `delayMs` plus up to `jitterMs` (order is kept, as TCP keeps it). */
  | { kind: 'delay'; delayMs: number; jitterMs: number }
  /**
   * Bytes vanish (packets dropped, the connection stays up). A connection that lost bytes can never
   * carry a valid stream again: it is reset when the link heals, and the endpoints reconnect.
   */
  | { kind: 'blackhole' }
  /** Connections on the link are reset at once, and new ones as soon as they carry a byte. */
  | { kind: 'reset' }
  /** Each chunk resets its connection with this probability (a flaky network dropping connections). */
  | { kind: 'flaky'; resetProbability: number }

export const pass: LinkFault = Object.freeze({ kind: 'pass' })

export type LinkListener = (from: string, to: string, fault: LinkFault) => void

export class LinkTable {
  readonly #faults = new Map<string, { from: string; to: string; fault: LinkFault }>()
  readonly #listeners = new Set<LinkListener>()

  get(from: string, to: string): LinkFault {
    return this.#faults.get(linkKey(from, to))?.fault ?? pass
  }

  set(from: string, to: string, fault: LinkFault): void {
    if (from === to) return
    if (fault.kind === 'pass') this.#faults.delete(linkKey(from, to))
    else this.#faults.set(linkKey(from, to), { from, to, fault })
    for (const listener of this.#listeners) listener(from, to, fault)
  }

  /** Both directions between `a` and `b`. */
  setBoth(a: string, b: string, fault: LinkFault): void {
    this.set(a, b, fault)
    this.set(b, a, fault)
  }

  /** Links currently faulty, as `from>to: kind` (for logs). */
  describe(): string[] {
    return [...this.#faults.values()].map(({ from, to, fault }) => `${from}>${to}: ${fault.kind}`)
  }

  get faultyCount(): number {
    return this.#faults.size
  }

  /** Every link back to `pass`. */
  healAll(): void {
    for (const { from, to } of [...this.#faults.values()]) this.set(from, to, pass)
  }

  /** Heals the links that touch `endpoint` (a node leaving for good). */
  healEndpoint(endpoint: string): void {
    for (const { from, to } of [...this.#faults.values()]) if (from === endpoint || to === endpoint) this.set(from, to, pass)
  }

  onChange(listener: LinkListener): () => void {
    this.#listeners.add(listener)
    return () => this.#listeners.delete(listener)
  }
}

function linkKey(from: string, to: string): string {
  return `${from}\u0000${to}`
}

/**
 * Partition shapes over node ids (peer links only; client links are set separately). Each returns
 * the directed links it cuts, so a nemesis can heal exactly what it did.
 */
export type DirectedLink = readonly [from: string, to: string]

/** Every link between the groups, both ways: no member of one group hears any member of another. */
export function fullPartition(groups: readonly (readonly string[])[]): DirectedLink[] {
  const links: DirectedLink[] = []
  for (const [index, group] of groups.entries()) {
    for (const other of groups.slice(index + 1)) {
      for (const a of group) for (const b of other) links.push([a, b], [b, a])
    }
  }
  return links
}

/** `from` cannot reach any of `to` (one way); the other way works. */
export function asymmetricCut(from: readonly string[], to: readonly string[]): DirectedLink[] {
  return from.flatMap((a) => to.filter((b) => b !== a).map((b): DirectedLink => [a, b]))
}

/** Two halves that cannot talk, and one bridge node that talks to both (Jepsen's "bridge"). */
export function bridgePartition(left: readonly string[], bridge: string, right: readonly string[]): DirectedLink[] {
  return fullPartition([left.filter((id) => id !== bridge), right.filter((id) => id !== bridge)])
}
