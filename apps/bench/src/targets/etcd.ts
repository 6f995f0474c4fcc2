import { spawnSync } from 'node:child_process'
import { mkdirSync } from 'node:fs'
import { join } from 'node:path'
import type { FailoverCluster } from '../failover.js'
import { TargetUnavailable, type BenchClient, type BenchTarget, type MemoryReading, type TargetOptions } from '../target.js'
import { etcdClient } from './etcd-client.js'
import { exitedError, fetchJson, freePorts, MemberProcess, membersResidentBytes, waitForLeader, waitUntil } from './processes.js'

/** Debian's `etcd-server` package installs it as /usr/bin/etcd. */
const etcdCommand = 'etcd'
const clusterSize = 3
/** A member must serve its client URL within this long after it is spawned. */
const listenTimeoutMs = 20_000
/** The cluster must elect a leader within this long (etcd defaults: 100 ms heartbeat, 1 s election). */
const leaderTimeoutMs = 20_000
/** A restarted member must have applied what the leader had when asked within this long. */
const catchUpTimeoutMs = 60_000

/** `POST /v3/maintenance/status` through etcd's gRPC gateway (int64s as strings). */
interface MemberStatus {
  header: { member_id: string }
  leader: string
  raftIndex: string
  raftAppliedIndex?: string
}

interface Member {
  process: MemberProcess
  clientPort: number
  peerPort: number
}

/** `etcd --version`'s first line ('etcd Version: 3.4.23'), or undefined when etcd is not installed. */
function etcdVersion(): string | undefined {
  const probe = spawnSync(etcdCommand, ['--version'], { encoding: 'utf8' })
  if (probe.error !== undefined || probe.status !== 0) return undefined
  return /Version:\s*(\S+)/.exec(probe.stdout)?.[1] ?? probe.stdout.split('\n')[0]
}

/**
 * A 3-member etcd cluster on loopback (a client and a peer port per member, data directories in
 * the target's scratch directory), etcd's defaults otherwise: fsync of the WAL on every commit,
 * 100 ms heartbeat, 1 s election timeout. Members can be killed and restarted (failover).
 */
export class EtcdProcessCluster implements FailoverCluster {
  readonly name = 'etcd'
  readonly #members = new Map<string, Member>()

  constructor(private readonly options: TargetOptions) {}

  async start(): Promise<void> {
    if (etcdVersion() === undefined) throw new TargetUnavailable('etcd is not installed; install it with: apt-get install -y etcd-server')
    const ports = await freePorts(2 * clusterSize)
    const names = Array.from({ length: clusterSize }, (_, index) => `e${index + 1}`)
    const initialCluster = names.map((name, index) => `${name}=http://127.0.0.1:${ports[2 * index + 1]!}`).join(',')
    const token = `clustron-bench-${process.pid}-${Date.now()}`
    for (const [index, name] of names.entries()) {
      const clientPort = ports[2 * index]!
      const peerPort = ports[2 * index + 1]!
      const data = join(this.options.dataDirectory, name)
      mkdirSync(data, { recursive: true })
      // On a restart the data directory holds the member: etcd then ignores the --initial-* flags.
      const args = () => [
        '--name', name,
        '--data-dir', data,
        '--listen-client-urls', `http://127.0.0.1:${clientPort}`,
        '--advertise-client-urls', `http://127.0.0.1:${clientPort}`,
        '--listen-peer-urls', `http://127.0.0.1:${peerPort}`,
        '--initial-advertise-peer-urls', `http://127.0.0.1:${peerPort}`,
        '--initial-cluster', initialCluster,
        '--initial-cluster-state', 'new',
        '--initial-cluster-token', token,
        '--logger', 'zap',
        '--log-outputs', 'stderr',
        '--log-level', 'warn',
      ]
      this.#members.set(name, { process: new MemberProcess(name, etcdCommand, args), clientPort, peerPort })
    }
    // All at once: a member waits for its peers before it serves.
    for (const member of this.#members.values()) member.process.start()
    await Promise.all([...this.#members.keys()].map((name) => this.#waitServing(name)))
    await this.waitForLeader()
  }

  /** Client URLs of every member: the etcd3 client's hosts. */
  hosts(): string[] {
    return [...this.#members.values()].map(({ clientPort }) => `http://127.0.0.1:${clientPort}`)
  }

  async client(): Promise<BenchClient> {
    return etcdClient(this.hosts())
  }

  async status(name: string): Promise<MemberStatus | undefined> {
    return fetchJson<MemberStatus>(`http://127.0.0.1:${this.#member(name).clientPort}/v3/maintenance/status`, { method: 'POST', body: '{}' })
  }

  /** The member that reports itself as the leader (undefined during an election). */
  async leader(): Promise<string | undefined> {
    const running = [...this.#members.entries()].filter(([, member]) => member.process.running).map(([name]) => name)
    const statuses = await Promise.all(running.map(async (name) => ({ name, status: await this.status(name) })))
    return statuses.find(({ status }) => status !== undefined && status.leader === status.header.member_id)?.name
  }

  waitForLeader(excluding?: string): Promise<string> {
    return waitForLeader(() => this.leader(), 'etcd', excluding, leaderTimeoutMs)
  }

  async kill(name: string): Promise<void> {
    await this.#member(name).process.kill()
  }

  async restart(name: string): Promise<void> {
    this.#member(name).process.start()
    await this.#waitServing(name)
  }

  /** Waits until `name` has applied every entry the leader had when this was called, and follows a leader. */
  async waitCaughtUp(name: string): Promise<void> {
    const leader = await this.waitForLeader()
    const target = BigInt((await this.status(leader))?.raftIndex ?? '0')
    await waitUntil(
      async () => {
        const status = await this.status(name)
        if (status === undefined || status.leader === '0') return false
        return BigInt(status.raftAppliedIndex ?? status.raftIndex) >= target
      },
      `etcd member ${name} to apply up to raft index ${target}`,
      catchUpTimeoutMs,
    )
  }

  residentBytes(): number {
    return membersResidentBytes([...this.#members.values()].map(({ process }) => process))
  }

  async stop(): Promise<void> {
    await Promise.all([...this.#members.values()].map(({ process }) => process.stop()))
  }

  /** Until the member answers its status endpoint (it does once it has joined the cluster). */
  async #waitServing(name: string): Promise<void> {
    const member = this.#member(name)
    await waitUntil(
      async () => {
        if (!member.process.running) throw exitedError(member.process, 'starting')
        return (await this.status(name)) !== undefined
      },
      `etcd member ${name} to serve on 127.0.0.1:${member.clientPort}`,
      listenTimeoutMs,
    )
  }

  #member(name: string): Member {
    const member = this.#members.get(name)
    if (member === undefined) throw new Error(`assertion failed: no member ${name} in etcd`)
    return member
  }
}

/**
 * `etcd`: the peer of `cluster3` — three members of Debian's etcd on loopback, driven through
 * the `etcd3` npm client (one `Etcd3` instance per bench client, all three members as hosts: the
 * client spreads calls over them and a member forwards what needs the leader, as etcd does for any
 * client). Skipped, with the install command, when etcd is not installed.
 */
export function etcdTarget(options: TargetOptions): BenchTarget & { cluster: EtcdProcessCluster } {
  const cluster = new EtcdProcessCluster(options)
  return {
    name: 'etcd',
    cluster,
    async version() {
      return `etcd ${etcdVersion() ?? 'unknown'} ×${clusterSize} on loopback (Debian etcd-server, default fsync and timing), etcd3 npm client`
    },
    start: () => cluster.start(),
    client: () => cluster.client(),
    async memory(): Promise<MemoryReading> {
      return { rssBytes: cluster.residentBytes() }
    },
    stop: () => cluster.stop(),
  }
}
