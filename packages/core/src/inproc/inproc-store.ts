import { ClosedError } from '../errors.js'
import type { Limits } from '../limits.js'
import type { Command, CommandResult, DecodedEntry, Query, QueryResult } from '../machine/types.js'
import { topicKey, type Clock, type Environment, type NoticeListener, type NoticeTopic, type StoreBackend, type WatchRequest, type WatchSink, type WatchSubscription } from '../store/backend.js'
import { ClientStore } from '../store/client-store.js'
import type { Store, StoreStatus } from '../store/types.js'
import { inProcEngine, type InProcEngine } from './engine.js'
import { systemClock, systemEnvironment } from './system-env.js'

export interface InProcOptions {
  store: string
  /** Drive time by hand in tests (a ManualClock). */
  clock?: Clock
  /** Limits of the store (taken from the first connect of a name). */
  limits?: Partial<Limits>
}

/** One handle's view of a shared engine. */
class InProcBackend implements StoreBackend {
  readonly mode = 'inproc' as const
  readonly env: Environment
  readonly writeNow: <C extends Command>(command: C) => CommandResult<C>
  readonly readNow: <Q extends Query>(query: Q) => QueryResult<Q>
  readonly getNow: (key: string) => DecodedEntry | undefined
  #closed = false
  readonly #unsubscribes = new Set<() => void>()

  constructor(private readonly engine: InProcEngine) {
    this.env = systemEnvironment(engine.clock)
    this.writeNow = (command) => {
      if (this.#closed) throw new ClosedError('the store handle is closed; connect() again')
      return engine.apply(command)
    }
    this.readNow = (query) => {
      if (this.#closed) throw new ClosedError('the store handle is closed; connect() again')
      return engine.query(query)
    }
    this.getNow = (key) => {
      if (this.#closed) throw new ClosedError('the store handle is closed; connect() again')
      return engine.get(key)
    }
  }

  get storeName(): string {
    return this.engine.name
  }

  get limits(): Readonly<Limits> {
    return this.engine.machine.limits
  }

  async write<C extends Command>(command: C): Promise<CommandResult<C>> {
    return this.writeNow(command)
  }

  async read<Q extends Query>(query: Q): Promise<QueryResult<Q>> {
    return this.readNow(query)
  }

  watch(request: WatchRequest, sink: WatchSink): WatchSubscription {
    if (this.#closed) throw new ClosedError('the store handle is closed; connect() again')
    return this.engine.watch(request, sink)
  }

  subscribe(topic: NoticeTopic, listener: NoticeListener): () => void {
    const unsubscribe = this.engine.hub.listen(topicKey(topic), listener)
    this.#unsubscribes.add(unsubscribe)
    return () => {
      this.#unsubscribes.delete(unsubscribe)
      unsubscribe()
    }
  }

  async status(): Promise<StoreStatus> {
    const status = this.readNow({ type: 'status' })
    return { mode: 'inproc', store: this.engine.name, ...status }
  }

  async close(): Promise<void> {
    if (this.#closed) return
    this.#closed = true
    for (const unsubscribe of this.#unsubscribes) unsubscribe()
    this.#unsubscribes.clear()
    this.engine.handles--
  }
}

/** Opens a handle on the in-process store `options.store` (shared by every handle of that name). */
export function openInProcStore(options: InProcOptions): Store {
  const engine = inProcEngine(options.store, options.clock ?? systemClock, options.clock !== undefined, options.limits)
  engine.handles++
  return new ClientStore(new InProcBackend(engine))
}
