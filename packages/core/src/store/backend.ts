import type { Limits } from '../limits.js'
import type { ClustronError } from '../errors.js'
import type { Command, CommandResult, DecodedEntry, LockKind, Notice, Query, QueryResult, RawEntry, RawWatchEvent } from '../machine/types.js'
import type { Consistency, StoreStatus } from './types.js'

/**
 * The seam between the shared Store code (validation, value codec, leases kept alive, locks,
 * elections, transactions, watch iterators) and a mode. The in-process engine and the remote
 * client each implement it; everything above it is written once and runs unchanged in both.
 */
export interface StoreBackend {
  readonly mode: 'inproc' | 'remote'
  readonly storeName: string
  /** The limits in force (the node's, for a remote store). */
  readonly limits: Readonly<Limits>
  /** Time, timers, ids and yielding for the shared code. */
  readonly env: Environment

  /** Applies a write command; rejects with a ClustronError. */
  write<C extends Command>(command: C): Promise<CommandResult<C>>
  /** Reads a query; linearizable unless `consistency` says 'serializable'. */
  read<Q extends Query>(query: Q, consistency?: Consistency): Promise<QueryResult<Q>>
  /**
   * Synchronous fast paths, offered by backends that can answer without I/O (in-process): the
   * shared code prefers them to skip a promise hop. They throw instead of rejecting.
   */
  readonly writeNow?: <C extends Command>(command: C) => CommandResult<C>
  readonly readNow?: <Q extends Query>(query: Q) => QueryResult<Q>
  /** `get` of a checked full key with the value already decoded (a fresh copy). */
  readonly getNow?: (key: string) => DecodedEntry | undefined

  /** Registers a watch. Events reach the sink in revision order, whole revisions at a time. */
  watch(request: WatchRequest, sink: WatchSink): WatchSubscription
  /** Listens for notices of one lease, waiter or election (and `resync` after a reconnect). */
  subscribe(topic: NoticeTopic, listener: NoticeListener): () => void
  status(): Promise<StoreStatus>
  close(): Promise<void>
}

export interface WatchRequest {
  key: string
  prefix: boolean
  /** Replay from this revision (mutually exclusive with `initial`). */
  fromRevision?: number
  initial: boolean
  prevValue: boolean
}

export interface WatchSink {
  /** The current entries and their revision, once, before any event (when `initial` was asked). */
  initial(entries: RawEntry[], revision: number): void
  /** Events of one or more whole revisions, in order. */
  events(events: readonly RawWatchEvent[]): void
  /** The watch ended for good (COMPACTED, SLOW_CONSUMER, CLOSED, ...). */
  error(error: ClustronError): void
}

export interface WatchSubscription {
  readonly ready: Promise<void>
  close(): void
}

export type NoticeTopic =
  | { type: 'lease'; id: string }
  | { type: 'waiter'; kind: LockKind; name: string; waiterId: string }
  | { type: 'election'; name: string }

/** A notice, or `resync`: the backend reconnected and the listener should re-read its state. */
export type NoticeListener = (notice: Notice | { type: 'resync' }) => void

export function topicKey(topic: NoticeTopic): string {
  switch (topic.type) {
    case 'lease':
      return `lease\u0000${topic.id}`
    case 'waiter':
      return `waiter\u0000${topic.kind}\u0000${topic.name}\u0000${topic.waiterId}`
    case 'election':
      return `election\u0000${topic.name}`
  }
}

/** The topic a notice belongs to. */
export function noticeTopicKey(notice: Notice): string {
  switch (notice.type) {
    case 'leaseLost':
      return topicKey({ type: 'lease', id: notice.id })
    case 'lockGranted':
    case 'lockEnded':
      return topicKey({ type: 'waiter', kind: notice.kind, name: notice.name, waiterId: notice.waiterId })
    case 'electionChanged':
      return topicKey({ type: 'election', name: notice.name })
  }
}

/** A cancellable timer. */
export interface Timer {
  cancel(): void
}

/** Time as the shared code sees it. Tests pass a ManualClock to drive it. */
export interface Clock {
  now(): number
  /** Calls `callback` once `delayMs` from now. Timers never keep a process alive. */
  setTimer(delayMs: number, callback: () => void): Timer
}

export interface Environment {
  readonly clock: Clock
  /** A globally unique id (waiters, sessions). */
  randomId(): string
  /** A uniform number in [0, 1) (jitter). */
  random(): number
  /** Resolves on a later turn of the event loop (lets other tasks run; retries back off with it). */
  yieldTurn(): Promise<void>
}
