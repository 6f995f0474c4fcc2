/**
 * The nemesis: for a bounded time, one fault after another, each held for a while and then undone.
 * Faults are drawn from the seeded stream, so a seed names the schedule (the processes' timing is
 * real, so a run is not replayed exactly; the seed and the log say what was done when).
 *
 * One fault at a time keeps each one's effect readable in a failing run's log; faults still overlap
 * the workloads' operations, elections and catch-up of the previous one.
 */
import type { Random } from '../simulator/random.js'
import type { FaultCluster } from './cluster.js'
import { asymmetricCut, bridgePartition, fullPartition, type DirectedLink } from './links.js'

export type FaultKind =
  | 'partition-full'
  | 'partition-asymmetric'
  | 'partition-bridge'
  | 'delay'
  | 'drop'
  | 'client-cut'
  | 'kill'
  | 'crash-all'
  | 'pause'
  | 'clock-skew'
  | 'wipe'

export const allFaultKinds: readonly FaultKind[] = ['partition-full', 'partition-asymmetric', 'partition-bridge', 'delay', 'drop', 'client-cut', 'kill', 'crash-all', 'pause', 'clock-skew', 'wipe']

export interface NemesisOptions {
  kinds: readonly FaultKind[]
  /** Faults are injected until this much time has passed. */
  durationMs: number
  /** How long one fault is held: uniform in [min, max]. */
  holdMs: readonly [number, number]
  /** Quiet time between faults. */
  gapMs: readonly [number, number]
  /** At most this many wipes per run (each is a membership change: slow). */
  wipesMax?: number
  log?: (line: string) => void
}

export interface NemesisReport {
  faults: number
  byKind: Partial<Record<FaultKind, number>>
  log: string[]
}

export class Nemesis {
  readonly report: NemesisReport = { faults: 0, byKind: {}, log: [] }
  #wipes = 0

  constructor(
    private readonly cluster: FaultCluster,
    private readonly random: Random,
    private readonly options: NemesisOptions,
    private readonly now: () => number,
  ) {}

  async run(): Promise<void> {
    const deadline = performance.now() + this.options.durationMs
    while (performance.now() < deadline) {
      const kind = this.random.pick(this.options.kinds)
      if (kind === 'wipe' && this.#wipes >= (this.options.wipesMax ?? 1)) continue
      const holdMs = Math.min(this.random.between(...this.options.holdMs), Math.max(0, deadline - performance.now()))
      const undo = await this.#inject(kind)
      this.report.faults++
      this.report.byKind[kind] = (this.report.byKind[kind] ?? 0) + 1
      await sleep(holdMs)
      await undo()
      this.#log(`healed ${kind}`)
      await sleep(this.random.between(...this.options.gapMs))
    }
  }

  /** Applies one fault; returns what undoes it. */
  async #inject(kind: FaultKind): Promise<() => Promise<void>> {
    const members = this.cluster.up()
    const shuffled = this.random.shuffle(members)
    switch (kind) {
      case 'partition-full': {
        const minority = shuffled.slice(0, this.random.int(1, Math.floor(shuffled.length / 2)))
        return this.#cut(kind, fullPartition([minority, shuffled.filter((id) => !minority.includes(id))]), `${minority.join(',')} | rest`)
      }
      case 'partition-asymmetric': {
        const [from, ...rest] = shuffled
        return this.#cut(kind, asymmetricCut([from!], rest), `${from} cannot send to ${rest.join(',')}`)
      }
      case 'partition-bridge': {
        const bridge = shuffled[0]!
        const half = Math.ceil((shuffled.length - 1) / 2)
        const left = shuffled.slice(1, 1 + half)
        const right = shuffled.slice(1 + half)
        return this.#cut(kind, bridgePartition(left, bridge, right), `${left.join(',')} | ${right.join(',')} bridged by ${bridge}`)
      }
      case 'delay': {
        const node = shuffled[0]!
        const delayMs = this.random.int(20, 150)
        const links: DirectedLink[] = members.filter((id) => id !== node).flatMap((id): DirectedLink[] => [[node, id], [id, node]])
        links.push(['client', node], [node, 'client'])
        for (const [from, to] of links) this.cluster.links.set(from, to, { kind: 'delay', delayMs, jitterMs: delayMs })
        this.#log(`delay ${delayMs}±${delayMs} ms on every link of ${node}`)
        return async () => this.#heal(links)
      }
      case 'drop': {
        const node = shuffled[0]!
        const links: DirectedLink[] = [...asymmetricCut([node], members), ...asymmetricCut(members, [node])]
        const flaky = this.random.chance(0.5)
        for (const [from, to] of links) this.cluster.links.set(from, to, flaky ? { kind: 'flaky', resetProbability: 0.05 } : { kind: 'blackhole' })
        this.#log(`${flaky ? 'flaky (5% resets)' : 'blackhole'} on the peer links of ${node}`)
        return async () => this.#heal(links)
      }
      case 'client-cut': {
        const node = shuffled[0]!
        this.cluster.setClientLink(node, { kind: 'reset' })
        this.#log(`client links of ${node} reset`)
        return async () => this.cluster.setClientLink(node, { kind: 'pass' })
      }
      case 'kill': {
        const node = (await this.#leaderOr(shuffled))
        await this.cluster.kill(node)
        this.#log(`kill -9 ${node}`)
        return async () => {
          await this.cluster.restart(node)
          this.#log(`restarted ${node}`)
        }
      }
      case 'crash-all': {
        // Every node at once (a power loss): only what was fsynced survives.
        const victims = this.cluster.up()
        await Promise.all(victims.map((id) => this.cluster.kill(id)))
        this.#log(`kill -9 every node (${victims.join(',')})`)
        return async () => {
          await Promise.all(victims.map((id) => this.cluster.restart(id)))
          this.#log('restarted every node')
        }
      }
      case 'pause': {
        const node = await this.#leaderOr(shuffled)
        await this.cluster.pause(node)
        this.#log(`SIGSTOP ${node}`)
        return async () => this.cluster.resume(node)
      }
      case 'clock-skew': {
        const node = shuffled[0]!
        const offsetMs = this.random.pick([-1, 1]) * this.random.int(200, 2_000)
        await this.cluster.skewClock(node, offsetMs)
        this.#log(`${node} restarted with its clock ${offsetMs} ms off`)
        // The skew stays: the rest of the run has one node on a wrong clock.
        return async () => {}
      }
      case 'wipe': {
        this.#wipes++
        const node = shuffled[0]!
        const replacement = await this.cluster.wipeAndReplace(node, 60_000)
        this.#log(`${node} wiped, replaced by ${replacement} (learner, caught up, promoted)`)
        return async () => {}
      }
    }
  }

  async #leaderOr(candidates: readonly string[]): Promise<string> {
    // Half the time the leader: that is where kills and pauses hurt.
    if (this.random.chance(0.5)) {
      const leader = await this.cluster.processes.leader()
      if (leader !== undefined && candidates.includes(leader)) return leader
    }
    return candidates[0]!
  }

  #cut(kind: FaultKind, links: readonly DirectedLink[], description: string): () => Promise<void> {
    const fault = this.random.chance(0.5) ? ({ kind: 'blackhole' } as const) : ({ kind: 'reset' } as const)
    for (const [from, to] of links) this.cluster.links.set(from, to, fault)
    this.#log(`${kind} (${fault.kind}): ${description}`)
    return async () => this.#heal(links)
  }

  #heal(links: readonly DirectedLink[]): void {
    for (const [from, to] of links) this.cluster.links.set(from, to, { kind: 'pass' })
  }

  #log(line: string): void {
    const text = `${(this.now() / 1000).toFixed(2)}s ${line}`
    this.report.log.push(text)
    this.options.log?.(text)
  }
}

function sleep(delayMs: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, Math.max(0, delayMs)))
}
