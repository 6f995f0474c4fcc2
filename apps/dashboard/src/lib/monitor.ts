import type { StoreStatus } from '@clustron/client'
import { type Connections, describeError, type Problem } from './connection.js'
import { fetchHealth, fetchMetrics, fetchSession, fetchStats, type Health, type Session, type StoreStats } from './http.js'
import { rememberProgress, type ProgressMemory } from './members.js'
import { gaugeByStore, parseMetrics } from './prometheus.js'
import { sampleBetween, type StatsSample } from './stats.js'

/** Poll periods and the chart window: one sample a second, two minutes shown. */
export const healthPeriodMs = 1_000
export const statsPeriodMs = 1_000
export const metricsPeriodMs = 2_000
export const statusPeriodMs = 2_000
/** Roles change only when an operator edits the node's tokens: re-read them now and then. */
export const sessionPeriodMs = 10_000
export const historySamplesMax = 120

const gaugeNames = new Set(['clustron_store_watchers', 'clustron_connections'])

export interface StoreLive {
  status?: StoreStatus
  statusError?: Problem
  /** Page clock (ms) of the last status answer. */
  statusAt?: number
  samples: StatsSample[]
  /** Watches registered on the page's node (from /metrics). */
  watchers?: number
  progress: Map<string, ProgressMemory>
}

/** What the page knows right now; a new object after every change (renders compare by identity). */
export interface LiveState {
  health?: Health
  healthError?: Problem
  /** Page clock of the last successful /health. */
  healthAt?: number
  statsError?: Problem
  /** The token's roles per store (/api/session); undefined until read, or on a node that predates it. */
  session?: Session
  sessionError?: Problem
  connections?: number
  stores: ReadonlyMap<string, StoreLive>
}

/**
 * Polls the node that served the page (/health, /api/stats, /metrics) and each store's status
 * through the client, keeping two minutes of chart samples. Each poll loop waits for its answer
 * before the next, so a slow node gets fewer requests, never a pile of them.
 */
export class Monitor {
  #state: LiveState = { stores: new Map() }
  readonly #listeners = new Set<(state: LiveState) => void>()
  #lastStats: StoreStats | undefined
  #stopped = false
  readonly #timers = new Set<ReturnType<typeof setTimeout>>()

  constructor(private readonly connections: Connections) {}

  get state(): LiveState {
    return this.#state
  }

  subscribe(listener: (state: LiveState) => void): () => void {
    this.#listeners.add(listener)
    return () => this.#listeners.delete(listener)
  }

  start(): void {
    this.#loop(healthPeriodMs, () => this.#pollHealth())
    this.#loop(statsPeriodMs, () => this.#pollStats())
    this.#loop(metricsPeriodMs, () => this.#pollMetrics())
    this.#loop(statusPeriodMs, () => this.#pollStatuses())
    this.#loop(sessionPeriodMs, () => this.#pollSession())
  }

  stop(): void {
    this.#stopped = true
    for (const timer of this.#timers) clearTimeout(timer)
    this.#timers.clear()
  }

  /** Asks for every store's status now (after a write from the page, say). */
  refreshStatuses(): void {
    void this.#pollStatuses()
  }

  #loop(periodMs: number, poll: () => Promise<void>): void {
    const run = async () => {
      if (this.#stopped) return
      const startedAt = performance.now()
      await poll()
      if (this.#stopped) return
      const timer = setTimeout(() => {
        this.#timers.delete(timer)
        void run()
      }, Math.max(0, periodMs - (performance.now() - startedAt)))
      this.#timers.add(timer)
    }
    void run()
  }

  #update(change: (state: LiveState) => LiveState): void {
    this.#state = change(this.#state)
    for (const listener of this.#listeners) listener(this.#state)
  }

  #updateStore(name: string, change: (store: StoreLive) => StoreLive): void {
    this.#update((state) => {
      const stores = new Map(state.stores)
      stores.set(name, change(stores.get(name) ?? { samples: [], progress: new Map() }))
      return { ...state, stores }
    })
  }

  async #pollHealth(): Promise<void> {
    try {
      const health = await fetchHealth(this.connections.token)
      this.#update((state) => {
        const stores = new Map(state.stores)
        for (const name of Object.keys(health.stores)) if (!stores.has(name)) stores.set(name, { samples: [], progress: new Map() })
        const { healthError: _, ...rest } = state
        return { ...rest, health, healthAt: Date.now(), stores }
      })
    } catch (error) {
      this.#update((state) => ({ ...state, healthError: describeError(error) }))
    }
  }

  async #pollSession(): Promise<void> {
    try {
      const session = await fetchSession(this.connections.token)
      this.#update((state) => {
        const { sessionError: _, ...rest } = state
        return { ...rest, session }
      })
    } catch (error) {
      this.#update((state) => ({ ...state, sessionError: describeError(error) }))
    }
  }

  async #pollStats(): Promise<void> {
    let stats: StoreStats
    try {
      stats = await fetchStats(this.connections.token)
    } catch (error) {
      this.#update((state) => ({ ...state, statsError: describeError(error) }))
      return
    }
    const previous = this.#lastStats
    this.#lastStats = stats
    const names = new Set([...Object.keys(stats.stores), ...this.#state.stores.keys()])
    this.#update((state) => {
      const stores = new Map(state.stores)
      for (const name of names) {
        const store = stores.get(name) ?? { samples: [], progress: new Map() }
        const sample = previous === undefined ? undefined : sampleBetween(previous, stats, name)
        if (sample !== undefined) stores.set(name, { ...store, samples: [...store.samples, sample].slice(-historySamplesMax) })
        else if (!stores.has(name)) stores.set(name, store)
      }
      const { statsError: _, ...rest } = state
      return { ...rest, stores }
    })
  }

  async #pollMetrics(): Promise<void> {
    try {
      const samples = parseMetrics(await fetchMetrics(this.connections.token), gaugeNames)
      const watchers = gaugeByStore(samples, 'clustron_store_watchers')
      const connections = samples.find((sample) => sample.name === 'clustron_connections')?.value
      this.#update((state) => {
        const stores = new Map(state.stores)
        for (const [name, count] of watchers) stores.set(name, { ...(stores.get(name) ?? { samples: [], progress: new Map() }), watchers: count })
        return connections === undefined ? { ...state, stores } : { ...state, stores, connections }
      })
    } catch {
      // Watchers and connections are extras: the cards show '—' until /metrics answers.
    }
  }

  async #pollStatuses(): Promise<void> {
    const names = [...this.#state.stores.keys()]
    await Promise.all(names.map(async (name) => {
      try {
        const store = await this.connections.store(name)
        const status = await store.status()
        const now = Date.now()
        this.#updateStore(name, (live) => {
          const { statusError: _, ...rest } = live
          return { ...rest, status, statusAt: now, progress: rememberProgress(live.progress, status.members ?? [], now) }
        })
      } catch (error) {
        this.#updateStore(name, (live) => ({ ...live, statusError: describeError(error) }))
      }
    }))
  }
}
