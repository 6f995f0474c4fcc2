import { spawn, type ChildProcess } from 'node:child_process'
import { existsSync, mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { freePorts } from '../ports.js'

/** The built `clustron-server` (turbo builds it before tests run; `pnpm build` otherwise). */
export const serverBin = fileURLToPath(new URL('../../../server/dist/bin.js', import.meta.url))

export interface NodeHealth {
  nodeId: string
  status: string
  stores: Record<string, { role: string; leader?: string; term: number; commitIndex: number; appliedIndex: number; revision: number; members?: { id: string; address: string; role: string; matchIndex?: number }[] }>
}

export interface ProcessClusterOptions {
  size?: number
  stores?: string[]
  /** Raft timing: fast elections keep fault tests short. */
  tickMs?: number
  electionTicks?: number
  clusterSecret?: string
  extraArgs?: string[]
  /** Keep stdout/stderr of the nodes (debugging); otherwise only the last lines are kept (`logTail`). */
  verbose?: boolean
  /**
   * The address other nodes and clients use for a node whose real port is `port` (default: the real
   * address). The fault harness puts a proxy there; the node is started with `--advertise` it, and
   * founders' `--peers` name it, so no peer or client ever learns the real address.
   */
  advertise?: (id: string, port: number) => Promise<string>
}

/** Lines of each node's output kept for failure reports. */
const logTailLines = 200

interface NodeProcess {
  id: string
  port: number
  /** What peers and clients use (see `advertise`). */
  advertised: string
  child: ChildProcess | undefined
  exited: Promise<number | null> | undefined
  join: boolean
  /** Passed as --clock-offset-ms (a test-only server flag) at the next start. */
  clockOffsetMs: number
  logTail: string[]
}

/**
 * Real `clustron-server` processes on loopback, each with its own data directory, for tests that
 * need what only processes have: kill -9, SIGSTOP/SIGCONT, a disk to wipe. Every wait is bounded.
 */
export class ProcessCluster {
  readonly directory = mkdtempSync(join(tmpdir(), 'clustron-processes-'))
  readonly nodes = new Map<string, NodeProcess>()
  #founders: Record<string, string> = {}

  constructor(private readonly options: ProcessClusterOptions = {}) {
    if (!existsSync(serverBin)) throw new Error(`${serverBin} is missing: run 'pnpm build' first (turbo does before tests)`)
  }

  /** Starts the founding members and waits until their stores have a leader. */
  async start(): Promise<void> {
    const size = this.options.size ?? 3
    const ports = await freePorts(size)
    for (const [index, port] of ports.entries()) await this.#add(`n${index + 1}`, port, false)
    this.#founders = Object.fromEntries([...this.nodes.values()].map((node) => [node.id, node.advertised]))
    await Promise.all([...this.nodes.keys()].map((id) => this.startNode(id)))
    await this.waitForLeader()
  }

  get founders(): Record<string, string> {
    return { ...this.#founders }
  }

  /** The node's real address (health checks; the test's own view, never through a proxy). */
  address(id: string): string {
    return `127.0.0.1:${this.#node(id).port}`
  }

  /** The address peers and clients use for the node. */
  advertised(id: string): string {
    return this.#node(id).advertised
  }

  /** clustron:// URL naming every node as a seed (by advertised address). */
  url(store = 'default', query = 'requestTimeoutMs=20000'): string {
    const seeds = [...this.nodes.values()].map((node) => node.advertised).join(',')
    return `clustron://${seeds}/${store}?${query}`
  }

  /** Starts (or restarts) a node on its port and data directory; resolves once it listens. */
  async startNode(id: string): Promise<void> {
    const node = this.#node(id)
    if (node.child !== undefined && node.child.exitCode === null && node.child.signalCode === null) throw new Error(`node ${id} is already running`)
    const args = [
      serverBin,
      '--node-id', id,
      '--port', String(node.port),
      '--data', join(this.directory, id),
      '--log-level', this.options.verbose === true ? 'info' : 'warn',
      '--tick-ms', String(this.options.tickMs ?? 20),
      '--election-ticks', String(this.options.electionTicks ?? 10),
      ...(this.options.stores ?? ['default']).flatMap((store) => ['--store', store]),
      ...(node.join ? ['--join'] : ['--peers', Object.entries(this.#founders).map(([peer, address]) => `${peer}=${address}`).join(',')]),
      ...(node.advertised === `127.0.0.1:${node.port}` ? [] : ['--advertise', node.advertised]),
      // One argument: a negative offset as a separate argument would read as an option.
      ...(node.clockOffsetMs === 0 ? [] : [`--clock-offset-ms=${node.clockOffsetMs}`]),
      ...(this.options.clusterSecret === undefined ? [] : ['--cluster-secret', this.options.clusterSecret]),
      ...(this.options.extraArgs ?? []),
    ]
    const child = spawn(process.execPath, args, { stdio: ['ignore', 'pipe', 'pipe'] })
    node.child = child
    node.exited = new Promise((resolve) => child.once('exit', (code) => resolve(code)))
    const keep = (stream: string) => (chunk: Buffer) => {
      const text = chunk.toString()
      if (this.options.verbose === true) process.stderr.write(`[${id}${stream}] ${text}`)
      for (const line of text.split('\n')) if (line.trim() !== '') node.logTail.push(line)
      if (node.logTail.length > logTailLines) node.logTail.splice(0, node.logTail.length - logTailLines)
    }
    child.stdout?.on('data', keep(''))
    child.stderr?.on('data', keep('!'))
    await this.#until(async () => {
      if (child.exitCode !== null || child.signalCode !== null) throw new Error(`node ${id} exited while starting (code ${child.exitCode ?? child.signalCode}): ${node.logTail.slice(-5).join(' | ')}`)
      return (await this.health(id)) !== undefined
    }, `node ${id} to listen`, 20_000)
  }

  /** The node's last output lines (warnings and errors unless verbose). */
  logTail(id: string): string[] {
    return [...this.#node(id).logTail]
  }

  /** The node's clock runs `offsetMs` off the system clock from its next start (test-only server flag). */
  setClockOffset(id: string, offsetMs: number): void {
    this.#node(id).clockOffsetMs = Math.round(offsetMs)
  }

  clockOffset(id: string): number {
    return this.#node(id).clockOffsetMs
  }

  dataDirectory(id: string): string {
    return join(this.directory, id)
  }

  /** Forgets a stopped node that left the cluster (no longer a seed, never restarted). */
  forget(id: string): void {
    const node = this.#node(id)
    if (node.child !== undefined && node.child.exitCode === null && node.child.signalCode === null) throw new Error(`node ${id} is still running`)
    this.nodes.delete(id)
  }

  /** Adds a new node that joins the running cluster (started with --join); membership is the caller's (ClusterAdmin). */
  async addJoiningNode(id: string): Promise<string> {
    const [port] = await freePorts(1)
    await this.#add(id, port!, true)
    await this.startNode(id)
    return this.advertised(id)
  }

  async #add(id: string, port: number, join: boolean): Promise<void> {
    if (this.nodes.has(id)) throw new Error(`node ${id} exists already`)
    const advertised = this.options.advertise === undefined ? `127.0.0.1:${port}` : await this.options.advertise(id, port)
    this.nodes.set(id, { id, port, advertised, child: undefined, exited: undefined, join, clockOffsetMs: 0, logTail: [] })
  }

  /** Sends a signal: SIGKILL (crash), SIGTERM (graceful), SIGSTOP / SIGCONT (pause). Waits for exit on kill/term. */
  async signal(id: string, signal: NodeJS.Signals): Promise<void> {
    const node = this.#node(id)
    if (node.child === undefined || node.child.exitCode !== null || node.child.signalCode !== null) return
    node.child.kill(signal)
    if (signal === 'SIGKILL' || signal === 'SIGTERM') await node.exited
  }

  /** Removes a stopped node's data directory (a lost disk). */
  wipe(id: string): void {
    rmSync(join(this.directory, id), { recursive: true, force: true })
  }

  async health(id: string, timeoutMs = 2_000): Promise<NodeHealth | undefined> {
    try {
      const response = await fetch(`http://${this.address(id)}/health`, { signal: AbortSignal.timeout(timeoutMs) })
      return (await response.json()) as NodeHealth
    } catch {
      return undefined
    }
  }

  /** The node leading `store`, as the running nodes report it (undefined during an election). */
  async leader(store = 'default'): Promise<string | undefined> {
    // In parallel: a paused node answers nothing until the request times out.
    const healths = await Promise.all(this.running().map(async (id) => ({ id, health: await this.health(id) })))
    return healths.find(({ health }) => health?.stores[store]?.role === 'leader')?.id
  }

  async waitForLeader(store = 'default', excluding?: string, timeoutMs = 20_000): Promise<string> {
    let leader: string | undefined
    await this.#until(async () => {
      leader = await this.leader(store)
      return leader !== undefined && leader !== excluding
    }, `a leader of '${store}'${excluding === undefined ? '' : ` other than ${excluding}`}`, timeoutMs)
    return leader!
  }

  running(): string[] {
    return [...this.nodes.values()].filter((node) => node.child !== undefined && node.child.exitCode === null && node.child.signalCode === null).map((node) => node.id)
  }

  async close(): Promise<void> {
    for (const node of this.nodes.values()) {
      if (node.child === undefined || node.child.exitCode !== null || node.child.signalCode !== null) continue
      node.child.kill('SIGCONT')
      node.child.kill('SIGKILL')
      await node.exited
    }
    rmSync(this.directory, { recursive: true, force: true })
  }

  /** Polls `condition` (each check is a request to a node) until it holds, failing after `timeoutMs`. */
  async #until(condition: () => Promise<boolean>, what: string, timeoutMs: number): Promise<void> {
    const deadline = Date.now() + timeoutMs
    for (;;) {
      if (await condition()) return
      if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`)
      await new Promise((resolve) => setTimeout(resolve, 25))
    }
  }

  #node(id: string): NodeProcess {
    const node = this.nodes.get(id)
    if (node === undefined) throw new Error(`no node ${id} in this cluster`)
    return node
  }
}
