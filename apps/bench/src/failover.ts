import { performance } from 'node:perf_hooks'
import { withDeadline } from './measure.js'
import type { BenchClient } from './target.js'

/**
 * What the failover measurement needs of a cluster target: who leads, kill -9 a member, restart
 * it on its data, wait until it has caught up. cluster3 and etcd implement it.
 */
export interface FailoverCluster {
  readonly name: string
  /** The member leading now, waiting (bounded) for one; `excluding`: a leader other than that member. */
  waitForLeader(excluding?: string): Promise<string>
  /** SIGKILL, and waits until the process is gone. */
  kill(member: string): Promise<void>
  /** Starts the member again on its ports and data directory; resolves once it serves. */
  restart(member: string): Promise<void>
  /** Waits (bounded) until the member has applied what the leader had committed when called. */
  waitCaughtUp(member: string): Promise<void>
  /** A new client (the writer's). */
  client(): Promise<BenchClient>
}

export interface FailoverSettings {
  /** Measured kills. */
  runs: number
  /** The writer issues a put this often, whether or not the previous ones have completed (open loop). */
  writeIntervalMs: number
  /** Writes flow this long before the kill (a steady state to break), and this long after recovery. */
  settleMs: number
  /** A run in which no write succeeds this long after the kill is a failure (reported, not a hang). */
  recoveryTimeoutMs: number
}

export const defaultFailoverSettings: FailoverSettings = { runs: 5, writeIntervalMs: 5, settleMs: 1_000, recoveryTimeoutMs: 30_000 }

/** Bounds of the writer: outstanding writes, and how long stopping it may wait for them. */
const outstandingWritesMax = 2_000
const drainTimeoutMs = 15_000
const writeValue = new Uint8Array(100).fill(102)

export interface FailoverRun {
  /** The member killed (the leader when the kill was sent). */
  killed: string
  /** The leader afterwards, as the members report it. */
  newLeader: string
  /**
   * Kill → the first acknowledgement of a write issued after the kill: how long a writer could not
   * write. undefined when no write succeeded within recoveryTimeoutMs.
   */
  failoverMs: number | undefined
  /** Kill → a member other than the killed one reports itself leader (status polled every 25 ms). */
  electedMs: number
  /** Writes issued after the kill that failed (before and after recovery). */
  failedWrites: number
  /** Writes issued during the whole run, and how many succeeded. */
  writes: number
  succeeded: number
  /** The first error a write saw. */
  firstError?: string
}

export interface FailoverResult {
  target: string
  runs: FailoverRun[]
  /** Median of failoverMs over the runs that recovered (undefined when none did). */
  medianMs: number | undefined
  /** Runs in which writes did not recover in time. */
  unrecovered: number
}

/**
 * Failover time: with a writer running (open loop: a put every `writeIntervalMs`, so a write stuck
 * on the dead leader does not hold the next one back), kill -9 the leader and time how long until a
 * write issued after the kill is acknowledged. Then restart the killed member, wait until it has
 * caught up, and do it again: `runs` times; the median is the result.
 */
export async function measureFailover(cluster: FailoverCluster, settings: FailoverSettings, onRun?: (run: FailoverRun, index: number) => void): Promise<FailoverResult> {
  const runs: FailoverRun[] = []
  const writer = await cluster.client()
  try {
    for (let index = 0; index < settings.runs; index++) {
      const run = await failoverOnce(cluster, writer, settings, index)
      runs.push(run)
      onRun?.(run, index)
    }
  } finally {
    await withDeadline(writer.close(), drainTimeoutMs, `closing the failover writer of ${cluster.name}`).catch(() => undefined)
  }
  const recovered = runs.map((run) => run.failoverMs).filter((value): value is number => value !== undefined)
  return { target: cluster.name, runs, medianMs: median(recovered), unrecovered: runs.length - recovered.length }
}

async function failoverOnce(cluster: FailoverCluster, client: BenchClient, settings: FailoverSettings, index: number): Promise<FailoverRun> {
  const leader = await cluster.waitForLeader()
  const writer = new OpenLoopWriter(client, settings.writeIntervalMs, `failover/${index}/`)
  let killed = false
  try {
    await sleep(settings.settleMs)
    if (writer.succeeded === 0) throw new Error(`${cluster.name}: no write succeeded in ${settings.settleMs} ms before the kill`)
    const killedAt = performance.now()
    writer.markKill(killedAt)
    killed = true
    await cluster.kill(leader)
    // Settled into a value or an Error at once, so a failed wait is never an unhandled rejection.
    const elected = cluster.waitForLeader(leader).then(
      (newLeader) => ({ newLeader, electedMs: performance.now() - killedAt }),
      (error: unknown) => (error instanceof Error ? error : new Error(String(error))),
    )
    const recovered = await writer.recovered(settings.recoveryTimeoutMs)
    const election = await elected
    if (election instanceof Error) throw election
    await sleep(recovered ? settings.settleMs : 0)
    await writer.stop()
    const run: FailoverRun = {
      killed: leader,
      newLeader: election.newLeader,
      failoverMs: writer.recoveredAt === undefined ? undefined : writer.recoveredAt - killedAt,
      electedMs: election.electedMs,
      failedWrites: writer.failedAfterKill,
      writes: writer.issued,
      succeeded: writer.succeeded,
    }
    if (writer.firstError !== undefined) run.firstError = writer.firstError
    return run
  } finally {
    await writer.stop()
    if (killed) {
      await cluster.restart(leader)
      await cluster.waitCaughtUp(leader)
    }
  }
}

/** Puts at a fixed rate; records when the first write issued after the kill was acknowledged. */
class OpenLoopWriter {
  issued = 0
  succeeded = 0
  failedAfterKill = 0
  firstError: string | undefined
  recoveredAt: number | undefined
  #killedAt = Number.POSITIVE_INFINITY
  #outstanding = new Set<Promise<void>>()
  #timer: NodeJS.Timeout | undefined
  #onRecovered: (() => void) | undefined

  constructor(
    private readonly client: BenchClient,
    intervalMs: number,
    private readonly keyPrefix: string,
  ) {
    this.#timer = setInterval(() => this.#issue(), intervalMs)
  }

  markKill(at: number): void {
    this.#killedAt = at
  }

  /** True once a write issued after the kill succeeded; false after `timeoutMs` without one. */
  recovered(timeoutMs: number): Promise<boolean> {
    if (this.recoveredAt !== undefined) return Promise.resolve(true)
    return new Promise((resolve) => {
      const timer = setTimeout(() => resolve(false), timeoutMs)
      this.#onRecovered = () => {
        clearTimeout(timer)
        resolve(true)
      }
    })
  }

  /** Stops issuing and waits (bounded) for the writes in flight. */
  async stop(): Promise<void> {
    clearInterval(this.#timer)
    await withDeadline(Promise.allSettled([...this.#outstanding]), drainTimeoutMs, 'writes in flight at the end of a failover run').catch(() => undefined)
  }

  #issue(): void {
    if (this.#outstanding.size >= outstandingWritesMax) return
    const issuedAt = performance.now()
    const afterKill = issuedAt >= this.#killedAt
    const write = this.client.put(`${this.keyPrefix}${this.issued++ % 100}`, writeValue).then(
      () => {
        this.succeeded++
        if (afterKill && this.recoveredAt === undefined) {
          this.recoveredAt = performance.now()
          this.#onRecovered?.()
        }
      },
      (error: unknown) => {
        if (afterKill) this.failedAfterKill++
        this.firstError ??= error instanceof Error ? `${error.name}: ${error.message}` : String(error)
      },
    )
    const tracked = write.finally(() => this.#outstanding.delete(tracked))
    this.#outstanding.add(tracked)
  }
}

export function median(values: readonly number[]): number | undefined {
  if (values.length === 0) return undefined
  const sorted = [...values].sort((a, b) => a - b)
  const middle = Math.floor(sorted.length / 2)
  return sorted.length % 2 === 1 ? sorted[middle]! : (sorted[middle - 1]! + sorted[middle]!) / 2
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms))
