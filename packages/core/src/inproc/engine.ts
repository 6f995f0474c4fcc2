import { ClustronError, InvalidArgumentError, errorFromData, errorToData } from '../errors.js'
import type { Limits } from '../limits.js'
import { StoreMachine } from '../machine/store-machine.js'
import type { ApplyOutput, Command, CommandResult, DecodedEntry, Query, QueryResult, RawEntry, RawWatchEvent } from '../machine/types.js'
import type { Clock, Timer, WatchRequest, WatchSink, WatchSubscription } from '../store/backend.js'
import { WatchHub, type HubWatcher } from '../store/watch-hub.js'

/**
 * The in-process engine of one store: a StoreMachine, a clock, a timer that proposes `expire` at
 * the next deadline, and a watch hub. Commands apply synchronously in call order, like a log of
 * one. Every `connect('inproc://name')` in a process shares the engine of that name.
 */
export class InProcEngine {
  readonly machine: StoreMachine
  readonly hub = new WatchHub()
  #clock: Clock
  #timer: Timer | undefined
  #timerAt: number | undefined
  handles = 0

  constructor(
    readonly name: string,
    clock: Clock,
    limits: Partial<Limits> | undefined,
  ) {
    this.machine = new StoreMachine({ limits })
    this.#clock = clock
  }

  get clock(): Clock {
    return this.#clock
  }

  /** Moves the engine to another clock (only while no handle is open). */
  rebind(clock: Clock): void {
    this.#timer?.cancel()
    this.#timer = undefined
    this.#timerAt = undefined
    this.#clock = clock
    this.#reschedule()
  }

  apply<C extends Command>(command: C): CommandResult<C> {
    this.expireDue()
    const output = this.machine.apply(command, { now: this.#clock.now() })
    this.#publish(output)
    this.#reschedule()
    return output.result
  }

  query<Q extends Query>(query: Q): QueryResult<Q> {
    this.expireDue()
    return this.machine.query(query, this.#clock.now())
  }

  /** The hot read path: a checked full key, its value decoded from the arena. */
  get(key: string): DecodedEntry | undefined {
    this.expireDue()
    return this.machine.getDecoded(key)
  }

  /** Applies `expire` when a deadline has passed (also before every call, so TTLs are exact). */
  expireDue(): void {
    const deadline = this.machine.nextDeadline()
    if (deadline === undefined) return
    const now = this.#clock.now()
    if (deadline > now) return
    this.#publish(this.machine.apply({ type: 'expire' }, { now }))
  }

  watch(request: WatchRequest, sink: WatchSink): WatchSubscription {
    this.expireDue()
    const watcher: HubWatcher = { key: request.key, prefix: request.prefix, deliver: (events) => sink.events(events) }
    try {
      if (request.initial) sink.initial(this.#current(request), this.machine.revision)
      else if (request.fromRevision !== undefined) {
        const replay = this.machine.eventsSince(request.fromRevision).filter((event) => matches(request, event))
        if (replay.length > 0) sink.events(replay)
      }
    } catch (error) {
      const failure = error instanceof ClustronError ? error : errorFromData(errorToData(error))
      sink.error(failure)
      return { ready: Promise.reject(failure), close: () => {} }
    }
    this.hub.add(watcher)
    return { ready: Promise.resolve(), close: () => this.hub.remove(watcher) }
  }

  /** Every entry the watch covers, at the current revision (paged internally, one snapshot). */
  #current(request: WatchRequest): RawEntry[] {
    if (!request.prefix) {
      const entry = this.machine.get(request.key)
      return entry === undefined ? [] : [entry]
    }
    const entries: RawEntry[] = []
    let start: string | undefined
    for (;;) {
      const query = start === undefined ? { type: 'list' as const, prefix: request.key } : { type: 'list' as const, start, limit: this.machine.limits.listLimitMax }
      const page = this.machine.query(query, this.#clock.now())
      for (const entry of page.entries) {
        if (!entry.key.startsWith(request.key)) return entries
        entries.push(entry)
      }
      if (!page.more || page.entries.length === 0) return entries
      start = page.entries[page.entries.length - 1]!.key + '\u0000'
    }
  }

  #publish(output: ApplyOutput): void {
    this.hub.publish(output.events)
    if (output.notices.length > 0) this.hub.notify(output.notices)
  }

  #reschedule(): void {
    const next = this.machine.nextDeadline()
    if (next === this.#timerAt) return
    this.#timer?.cancel()
    this.#timer = undefined
    this.#timerAt = next
    if (next === undefined) return
    this.#timer = this.#clock.setTimer(next - this.#clock.now(), () => {
      this.#timer = undefined
      this.#timerAt = undefined
      this.expireDue()
      this.#reschedule()
    })
  }
}

function matches(request: WatchRequest, event: RawWatchEvent): boolean {
  return request.prefix ? event.key.startsWith(request.key) : event.key === request.key
}

const engines = new Map<string, InProcEngine>()

/** The shared engine of `name`, created on first use. */
export function inProcEngine(name: string, clock: Clock, explicitClock: boolean, limits: Partial<Limits> | undefined): InProcEngine {
  let engine = engines.get(name)
  if (engine === undefined) {
    engine = new InProcEngine(name, clock, limits)
    engines.set(name, engine)
  } else if (explicitClock && engine.clock !== clock) {
    if (engine.handles > 0) {
      throw new InvalidArgumentError(
        `in-process store '${name}' is open with another clock; close its handles first or pass the same clock to every connect()`,
      )
    }
    engine.rebind(clock)
  }
  return engine
}

/** Drops an in-process store and its data (tests). */
export function dropInProcStore(name: string): boolean {
  return engines.delete(name)
}
