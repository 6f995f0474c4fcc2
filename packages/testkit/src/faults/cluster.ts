/**
 * A cluster under fault: real `clustron-server` processes (ProcessCluster), each behind its own
 * front (proxy.ts) that every peer and every client dials, and one link table that says what each
 * directed link does to its bytes. Process faults (kill -9, SIGSTOP, wipe) act on the processes;
 * network faults only change the table.
 *
 * Health checks and the nemesis's own view of the cluster go to the nodes' real ports, never
 * through a front: the test must see through its own partitions.
 */
import { ClusterAdmin } from '@clustron/client'
import { ProcessCluster, type ProcessClusterOptions } from '../cluster/process-cluster.js'
import type { Random } from '../simulator/random.js'
import { clientEndpoint, LinkTable } from './links.js'
import { NodeFront } from './proxy.js'

export interface FaultClusterOptions {
  size: 3 | 5
  random: Random
  /** Raft timing of the nodes (fast elections keep recovery short). */
  tickMs?: number
  electionTicks?: number
  /** Revisions retained for `fromRevision`: large, so the committed history can be replayed whole. */
  watchHistory?: number
  verbose?: boolean
}

export class FaultCluster {
  readonly links = new LinkTable()
  readonly fronts = new Map<string, NodeFront>()
  readonly processes: ProcessCluster
  /** Generation per original node id: a wiped node comes back as `n2.1`, `n2.2`, … */
  readonly #generations = new Map<string, number>()
  #stopped = new Set<string>()
  #paused = new Set<string>()

  constructor(private readonly options: FaultClusterOptions) {
    const clusterOptions: ProcessClusterOptions = {
      size: options.size,
      tickMs: options.tickMs ?? 20,
      electionTicks: options.electionTicks ?? 10,
      extraArgs: ['--watch-history', String(options.watchHistory ?? 1_000_000)],
      advertise: async (id, port) => {
        const front = new NodeFront(id, port, this.links, options.random.fork(`front-${id}`))
        this.fronts.set(id, front)
        return front.listen()
      },
    }
    if (options.verbose !== undefined) clusterOptions.verbose = options.verbose
    this.processes = new ProcessCluster(clusterOptions)
  }

  async start(): Promise<void> {
    await this.processes.start()
  }

  /** Current member ids (running or not, wiped ones replaced by their new generation). */
  members(): string[] {
    return [...this.processes.nodes.keys()]
  }

  /** Members that run and are not paused: the ones a fault may still take down. */
  up(): string[] {
    return this.members().filter((id) => !this.#stopped.has(id) && !this.#paused.has(id))
  }

  /** clustron:// URL naming every front as a seed. */
  url(query = 'requestTimeoutMs=3000'): string {
    return this.processes.url('default', query)
  }

  /** A URL naming only one node's front (a watcher pinned to a node, as far as the client allows). */
  urlOf(id: string, query = 'requestTimeoutMs=3000'): string {
    return `clustron://${this.processes.advertised(id)}/default?${query}`
  }

  async kill(id: string): Promise<void> {
    this.#stopped.add(id)
    this.#paused.delete(id)
    await this.processes.signal(id, 'SIGCONT')
    await this.processes.signal(id, 'SIGKILL')
  }

  async restart(id: string): Promise<void> {
    await this.processes.startNode(id)
    this.#stopped.delete(id)
  }

  async pause(id: string): Promise<void> {
    await this.processes.signal(id, 'SIGSTOP')
    this.#paused.add(id)
  }

  async resume(id: string): Promise<void> {
    await this.processes.signal(id, 'SIGCONT')
    this.#paused.delete(id)
  }

  isStopped(id: string): boolean {
    return this.#stopped.has(id)
  }

  /** Restarts the node with its clock `offsetMs` off (the test-only `--clock-offset-ms`). */
  async skewClock(id: string, offsetMs: number): Promise<void> {
    await this.kill(id)
    this.processes.setClockOffset(id, offsetMs)
    await this.restart(id)
  }

  /**
   * A lost disk: kill the node, remove it from the group, wipe its data, and add an empty node in
   * its place (a new id: Raft must never see one id with two different logs), as a learner that
   * catches up, then as a voter. Returns the new id.
   */
  async wipeAndReplace(id: string, timeoutMs: number): Promise<string> {
    await this.kill(id)
    const deadline = performance.now() + timeoutMs
    const admin = await ClusterAdmin.connect(this.url('requestTimeoutMs=5000'))
    try {
      await retryUntil(deadline, () => admin.removeMember(id))
      this.processes.wipe(id)
      this.processes.forget(id)
      await this.fronts.get(id)?.close()
      this.fronts.delete(id)
      this.links.healEndpoint(id)
      this.#stopped.delete(id)
      const base = id.split('.')[0]!
      const generation = (this.#generations.get(base) ?? 0) + 1
      this.#generations.set(base, generation)
      const replacement = `${base}.${generation}`
      const address = await this.processes.addJoiningNode(replacement)
      await retryUntil(deadline, () => admin.addMember(replacement, address))
      await this.#waitCaughtUp(replacement, deadline)
      await retryUntil(deadline, () => admin.addMember(replacement, address, { voter: true }))
      return replacement
    } finally {
      await admin.close()
    }
  }

  async #waitCaughtUp(id: string, deadline: number): Promise<void> {
    for (;;) {
      const leader = await this.processes.leader()
      const target = leader === undefined ? undefined : (await this.processes.health(leader))?.stores.default?.commitIndex
      const applied = (await this.processes.health(id))?.stores.default?.appliedIndex ?? 0
      if (target !== undefined && applied >= target) return
      if (performance.now() > deadline) throw new Error(`${id} did not catch up (applied ${applied}, leader's commit ${target})`)
      await new Promise((resolve) => setTimeout(resolve, 50))
    }
  }

  /** Every link back to pass, every paused node resumed, every stopped node restarted. */
  async heal(): Promise<void> {
    this.links.healAll()
    for (const id of [...this.#paused]) await this.resume(id)
    for (const id of [...this.#stopped]) await this.restart(id)
  }

  /**
   * Recovered: every member runs, agrees on one leader, and has applied the leader's commit index
   * after a write went through. Returns the time it took.
   */
  async waitRecovered(timeoutMs: number, probe: () => Promise<void>): Promise<number> {
    const started = performance.now()
    const deadline = started + timeoutMs
    await retryUntil(deadline, probe)
    for (;;) {
      const healths = await Promise.all(this.members().map((id) => this.processes.health(id)))
      const leaders = new Set(healths.map((health) => health?.stores.default?.leader))
      const commit = Math.max(...healths.map((health) => health?.stores.default?.commitIndex ?? 0))
      const caughtUp = healths.every((health) => health !== undefined && (health.stores.default?.appliedIndex ?? 0) >= commit)
      if (leaders.size === 1 && !leaders.has(undefined) && caughtUp) return performance.now() - started
      if (performance.now() > deadline) {
        const state = healths.map((health, index) => `${this.members()[index]}:${health?.stores.default?.role ?? 'down'}/${health?.stores.default?.appliedIndex ?? '-'}`)
        throw new Error(`the cluster did not recover within ${timeoutMs} ms: ${state.join(' ')}`)
      }
      await new Promise((resolve) => setTimeout(resolve, 50))
    }
  }

  /** Client links of one node (the test's clients → node and back). */
  setClientLink(id: string, fault: Parameters<LinkTable['set']>[2]): void {
    this.links.setBoth(clientEndpoint, id, fault)
  }

  /** Connections whose source the fronts could not tell (their faults were not applied): must be 0. */
  unidentifiedConnections(): number {
    return [...this.fronts.values()].reduce((sum, front) => sum + front.stats.unidentified, 0)
  }

  logTails(): Record<string, string[]> {
    return Object.fromEntries(this.members().map((id) => [id, this.processes.logTail(id)]))
  }

  async close(): Promise<void> {
    await this.processes.close()
    await Promise.all([...this.fronts.values()].map((front) => front.close()))
  }
}

/** Calls `run` until it succeeds or the deadline passes (then rethrows its last error). */
export async function retryUntil<T>(deadline: number, run: () => Promise<T>): Promise<T> {
  for (;;) {
    try {
      return await run()
    } catch (error) {
      if (performance.now() > deadline) throw error
      await new Promise((resolve) => setTimeout(resolve, 100))
    }
  }
}
