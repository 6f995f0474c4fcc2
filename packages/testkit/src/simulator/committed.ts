/**
 * The committed history, rebuilt independently of the replicas: an oracle StoreMachine applies
 * every log index the first time any replica applies it (in index order: the invariants guarantee
 * there is one sequence). From it come the authoritative watch changes, the internal operations
 * the checkers need (a lock lost to lease expiry, a key deleted by its TTL or lease) and the state
 * every replica must converge to.
 *
 * Internal operations are placed at the first-apply time: a committed entry took effect no earlier
 * than its proposal (after every client call it depends on) and no later than its first apply
 * (before any acknowledgement or read that reflects it), and first-apply times grow with the index.
 */
import { ClustronError, StoreMachine } from '@clustron/core'
import { decodeValue, type Command, type Notice, type RawWatchEvent } from '@clustron/core/internal'
import type { Entry } from '@clustron/raft'
import { decodeBatch } from '@clustron/server/internal'
import type { CommittedChange } from '../checker/index.js'

export interface CommittedListener {
  /** A key deleted by its TTL ('expired') or its lease ('lease'). */
  onKeyExpired(key: string, timeMs: number): void
  /** A lock holder's lease ended (expiry or revocation): the lock was freed without a release. */
  onLockLeaseEnded(name: string, token: number, timeMs: number): void
}

export interface CommittedStats {
  entries: number
  commands: number
  /** Commands the machine refused (validation): applied as no-ops on every replica. */
  refused: number
  expireCommands: number
}

export class CommittedHistory {
  readonly machine = new StoreMachine({ limits: {} })
  readonly changes: CommittedChange[] = []
  readonly stats: CommittedStats = { entries: 0, commands: 0, refused: 0, expireCommands: 0 }
  /** Applied log index of the oracle. */
  index = 1

  constructor(
    private readonly listener: CommittedListener,
    private readonly onFailure: (message: string) => void,
  ) {}

  apply(entry: Entry, timeMs: number): void {
    this.index = entry.index
    this.stats.entries++
    if (entry.type !== 'normal' || entry.data.length === 0) return
    const batch = decodeBatch(entry.data)
    for (const [, command] of batch.commands) this.#applyCommand(command, batch.now, timeMs)
  }

  #applyCommand(command: Command, now: number, timeMs: number): void {
    this.stats.commands++
    if (command.type === 'expire') this.stats.expireCommands++
    let output
    try {
      output = this.machine.apply(command, { now })
    } catch (error) {
      if (error instanceof ClustronError) {
        this.stats.refused++
        return
      }
      this.onFailure(`the oracle machine threw on ${command.type}: ${String(error)}`)
      return
    }
    for (const event of output.events) this.#recordEvent(event, timeMs)
    for (const notice of output.notices) this.#recordNotice(notice, timeMs)
  }

  #recordEvent(event: RawWatchEvent, timeMs: number): void {
    const change: CommittedChange = { revision: event.revision, key: event.key, type: event.type, version: event.version }
    if (event.value !== undefined) change.value = decodeValue(event.value)
    if (event.reason !== undefined) change.reason = event.reason
    this.changes.push(change)
    if (event.type === 'delete' && (event.reason === 'expired' || event.reason === 'lease')) this.listener.onKeyExpired(event.key, timeMs)
  }

  #recordNotice(notice: Notice, timeMs: number): void {
    if (notice.type === 'lockEnded' && notice.kind === 'lock' && notice.reason === 'lease' && notice.token !== undefined) {
      this.listener.onLockLeaseEnded(notice.name, notice.token, timeMs)
    }
  }
}
