import { existsSync, mkdirSync, statSync } from 'node:fs'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { connect } from '@clustron/client'
import type { FailoverCluster } from '../failover.js'
import { TargetUnavailable, type BenchClient, type BenchTarget, type MemoryReading, type TargetOptions } from '../target.js'
import { storeClient } from './clustron.js'
import { exitedError, fetchJson, freePorts, MemberProcess, membersResidentBytes, waitForLeader, waitUntil } from './processes.js'

/** The built `clustron-server`: the nodes run what `pnpm build` produced, like a deployment does. */
export const serverBin = fileURLToPath(new URL('../../../../packages/server/dist/bin.js', import.meta.url))

/** Nodes of the cluster. */
const clusterSize = 3
/** A node must listen (answer /health) within this long after it is spawned. */
const listenTimeoutMs = 20_000
/** The cluster must elect a leader within this long (default Raft timing: 100 ms ticks, 10-20 tick elections). */
const leaderTimeoutMs = 20_000
/** A restarted node must have applied what the leader had committed within this long. */
const catchUpTimeoutMs = 60_000

/** What `/health` says about one store on one node (the fields the bench reads). */
interface StoreHealth {
  role: string
  leader?: string
  term: number
  commitIndex: number
  appliedIndex: number
}

interface NodeHealth {
  nodeId: string
  stores: Record<string, StoreHealth | undefined>
}

/**
 * Three `clustron-server` processes on loopback forming one Raft group for the store `default`,
 * each with its own data directory (the WAL fsyncs every batch: fsync is always on with --data)
 * and default Raft timing. Nodes can be killed and restarted on the same port and directory (the
 * failover measurement). With `profileDirectory`, each node writes a CPU profile when it stops.
 */
export class ClustronProcessCluster implements FailoverCluster {
  readonly name = 'cluster3'
  readonly #members = new Map<string, { process: MemberProcess; port: number }>()

  constructor(private readonly options: TargetOptions) {}

  /** Spawns the nodes and waits until they listen and the store has a leader. */
  async start(): Promise<void> {
    if (!existsSync(serverBin)) {
      throw new TargetUnavailable(`${serverBin} is missing; build it with: pnpm build (or pnpm turbo run build --filter=@clustron/server)`)
    }
    const ports = await freePorts(clusterSize)
    const peers = ports.map((port, index) => `n${index + 1}=127.0.0.1:${port}`).join(',')
    const profile = this.options.profileDirectory
    for (const [index, port] of ports.entries()) {
      const id = `n${index + 1}`
      const data = join(this.options.dataDirectory, id)
      mkdirSync(data, { recursive: true })
      const args = () => [
        // --cpu-prof writes the profile when the node exits normally (SIGTERM → graceful close → exit 0).
        ...(profile === undefined ? [] : ['--cpu-prof', `--cpu-prof-dir=${profile}`, `--cpu-prof-name=cluster3-${id}-${Date.now()}.cpuprofile`]),
        serverBin,
        '--node-id', id,
        '--port', String(port),
        '--data', data,
        '--peers', peers,
        '--log-level', 'warn',
      ]
      this.#members.set(id, { process: new MemberProcess(id, process.execPath, args), port })
    }
    await Promise.all([...this.#members.keys()].map((id) => this.#startNode(id)))
    await this.waitForLeader()
  }

  /** `host:port` of every node: the client's seed list. */
  seeds(): string[] {
    return [...this.#members.values()].map(({ port }) => `127.0.0.1:${port}`)
  }

  async client(): Promise<BenchClient> {
    return storeClient(await connect({ mode: 'remote', seeds: this.seeds(), store: 'default' }))
  }

  async health(id: string): Promise<NodeHealth | undefined> {
    return fetchJson<NodeHealth>(`http://127.0.0.1:${this.#member(id).port}/health`)
  }

  /** The node that says it leads `default` (undefined during an election). */
  async leader(): Promise<string | undefined> {
    const running = [...this.#members.entries()].filter(([, member]) => member.process.running).map(([id]) => id)
    const healths = await Promise.all(running.map(async (id) => ({ id, health: await this.health(id) })))
    return healths.find(({ health }) => health?.stores.default?.role === 'leader')?.id
  }

  waitForLeader(excluding?: string): Promise<string> {
    return waitForLeader(() => this.leader(), 'cluster3', excluding, leaderTimeoutMs)
  }

  async kill(id: string): Promise<void> {
    await this.#member(id).process.kill()
  }

  async restart(id: string): Promise<void> {
    await this.#startNode(id)
  }

  /** Waits until `id` has applied every entry the leader had committed when this was called, and knows the leader. */
  async waitCaughtUp(id: string): Promise<void> {
    const leader = await this.waitForLeader()
    const committed = (await this.health(leader))?.stores.default?.commitIndex ?? 0
    await waitUntil(
      async () => {
        const store = (await this.health(id))?.stores.default
        return store !== undefined && store.appliedIndex >= committed && store.leader !== undefined
      },
      `${id} to apply up to index ${committed}`,
      catchUpTimeoutMs,
    )
  }

  residentBytes(): number {
    return membersResidentBytes([...this.#members.values()].map(({ process }) => process))
  }

  /** SIGTERM to every node at once (graceful: profiles get written), SIGKILL for any that lingers. */
  async stop(): Promise<void> {
    await Promise.all([...this.#members.values()].map(({ process }) => process.stop()))
  }

  async #startNode(id: string): Promise<void> {
    const member = this.#member(id)
    member.process.start()
    await waitUntil(
      async () => {
        if (!member.process.running) throw exitedError(member.process, 'starting')
        return (await this.health(id)) !== undefined
      },
      `cluster3 node ${id} to listen on 127.0.0.1:${member.port}`,
      listenTimeoutMs,
    )
  }

  #member(id: string): { process: MemberProcess; port: number } {
    const member = this.#members.get(id)
    if (member === undefined) throw new Error(`assertion failed: no node ${id} in cluster3`)
    return member
  }
}

/**
 * `cluster3`: three Clustron nodes as child processes on loopback, fsync on, default Raft timing;
 * one bench client = one `connect()` with all three as seeds (it follows the leader by itself).
 * Compared with `etcd` (three members, the same machine, the same workloads).
 */
export function cluster3Target(options: TargetOptions): BenchTarget & { cluster: ClustronProcessCluster } {
  const cluster = new ClustronProcessCluster(options)
  return {
    name: 'cluster3',
    profiling: 'process',
    cluster,
    async version() {
      const built = existsSync(serverBin) ? statSync(serverBin).mtime.toISOString().slice(0, 16).replace('T', ' ') : 'missing'
      return `Clustron node (this workspace, packages/server/dist built ${built} UTC) ×${clusterSize} on loopback, fsync on, default Raft timing`
    },
    start: () => cluster.start(),
    client: () => cluster.client(),
    async memory(): Promise<MemoryReading> {
      return { rssBytes: cluster.residentBytes() }
    },
    stop: () => cluster.stop(),
  }
}
