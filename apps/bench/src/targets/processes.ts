import { spawn, type ChildProcess } from 'node:child_process'
import { createServer, type AddressInfo, type Server } from 'node:net'
import { residentBytes } from './remote.js'

/**
 * Child processes of the cluster targets (cluster3's nodes, etcd's members): started on loopback,
 * their output drained (the last lines of stderr kept to say why one died), stopped or killed with
 * every wait bounded.
 */

/** Lines of a member's stderr kept for the message when it exits early. */
const stderrLinesKept = 20
/** Polling interval of `waitUntil` (each check is a local HTTP request). */
const pollIntervalMs = 25
/** A child asked to stop (SIGTERM) is killed after this long. */
export const stopGraceMs = 5_000

/** Free TCP ports on 127.0.0.1, all bound at once (so they differ), then released for the members to take. */
export async function freePorts(count: number): Promise<number[]> {
  const servers = await Promise.all(
    Array.from(
      { length: count },
      () =>
        new Promise<Server>((resolve, reject) => {
          const server = createServer()
          server.once('error', reject)
          server.listen(0, '127.0.0.1', () => resolve(server))
        }),
    ),
  )
  const ports = servers.map((server) => (server.address() as AddressInfo).port)
  await Promise.all(servers.map((server) => new Promise((resolve) => server.close(resolve))))
  return ports
}

/** Polls `condition` until it holds; throws after `timeoutMs` naming what was awaited. */
export async function waitUntil(condition: () => Promise<boolean>, what: string, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs
  for (;;) {
    if (await condition()) return
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`)
    await new Promise((resolve) => setTimeout(resolve, pollIntervalMs))
  }
}

/** GET/POST a local JSON endpoint; undefined when it does not answer in time (a member starting, killed, or paused). */
/** Waits for `leader()` to name a member other than `excluding` (after a kill: the new leader), and returns it. */
export async function waitForLeader(leader: () => Promise<string | undefined>, cluster: string, excluding: string | undefined, timeoutMs: number): Promise<string> {
  let found: string | undefined
  await waitUntil(
    async () => {
      found = await leader()
      return found !== undefined && found !== excluding
    },
    `a leader of ${cluster}${excluding === undefined ? '' : ` other than ${excluding}`}`,
    timeoutMs,
  )
  return found!
}

export async function fetchJson<T>(url: string, init: { method?: string; body?: string } = {}, timeoutMs = 2_000): Promise<T | undefined> {
  try {
    const response = await fetch(url, { ...init, signal: AbortSignal.timeout(timeoutMs) })
    if (!response.ok) return undefined
    return (await response.json()) as T
  } catch {
    return undefined
  }
}

/** One member process of a cluster target, restartable on the same ports and data directory. */
export class MemberProcess {
  #child: ChildProcess | undefined
  #exited: Promise<void> = Promise.resolve()
  #stderr: string[] = []

  constructor(
    readonly name: string,
    private readonly command: string,
    private readonly args: () => string[],
  ) {}

  get running(): boolean {
    return this.#child !== undefined && this.#child.exitCode === null && this.#child.signalCode === null
  }

  get pid(): number | undefined {
    return this.running ? this.#child?.pid : undefined
  }

  /** The last lines it wrote to stderr (why it exited). */
  get stderrTail(): string {
    return this.#stderr.join('\n')
  }

  /** Spawns it (throws if already running); the caller waits for it to serve. */
  start(): void {
    if (this.running) throw new Error(`assertion failed: ${this.name} is already running`)
    this.#stderr = []
    const child = spawn(this.command, this.args(), { stdio: ['ignore', 'pipe', 'pipe'] })
    this.#child = child
    this.#exited = new Promise((resolve) => child.once('exit', () => resolve()))
    // A spawn failure (ENOENT) is reported as an exit; the caller's wait then says why.
    child.once('error', (error) => this.#stderr.push(error.message))
    child.stdout?.resume()
    child.stderr?.on('data', (chunk: Buffer) => {
      this.#stderr.push(...chunk.toString().trimEnd().split('\n'))
      if (this.#stderr.length > stderrLinesKept) this.#stderr.splice(0, this.#stderr.length - stderrLinesKept)
    })
  }

  /** kill -9, and waits until the process is gone. */
  async kill(): Promise<void> {
    if (!this.running) return
    this.#child!.kill('SIGCONT')
    this.#child!.kill('SIGKILL')
    await this.#exited
  }

  /** SIGTERM (lets a node write its CPU profile), SIGKILL after `stopGraceMs`. */
  async stop(): Promise<void> {
    if (!this.running) return
    const child = this.#child!
    child.kill('SIGTERM')
    const timer = setTimeout(() => child.kill('SIGKILL'), stopGraceMs)
    await this.#exited
    clearTimeout(timer)
  }

  residentBytes(): number {
    return residentBytes(this.pid)
  }
}

/** The resident memory of all running members: the store's memory, as `BenchTarget.memory()` reports it. */
export function membersResidentBytes(members: readonly MemberProcess[]): number {
  return members.reduce((sum, member) => sum + member.residentBytes(), 0)
}

/** A member exited while we waited for it: say so with its last stderr lines rather than time out. */
export function exitedError(member: MemberProcess, what: string): Error {
  const tail = member.stderrTail
  return new Error(`${member.name} exited while ${what}${tail === '' ? '' : `:\n${tail}`}`)
}
