import { assert } from './errors.js'
import type { ProgressState } from './types.js'

/**
 * The append messages sent to one follower and not yet acknowledged, bounded both in count and in bytes.
 * Each element is the last index of one message and its entries' bytes; acknowledgements free a prefix.
 */
export class Inflights {
  private readonly lastIndexes: number[] = []
  private readonly sizesBytes: number[] = []
  private totalBytes = 0

  constructor(
    readonly maxMessages: number,
    readonly maxBytes: number,
  ) {}

  add(lastIndex: number, bytes: number): void {
    assert(!this.full(), 'cannot add into a full inflights window')
    const previous = this.lastIndexes[this.lastIndexes.length - 1]
    assert(previous === undefined || lastIndex > previous, () => `inflights out of order: ${lastIndex} after ${previous}`)
    this.lastIndexes.push(lastIndex)
    this.sizesBytes.push(bytes)
    this.totalBytes += bytes
  }

  /** Frees every message whose last index is <= `index` (they are acknowledged). */
  freeLessOrEqual(index: number): void {
    let freed = 0
    while (freed < this.lastIndexes.length && this.lastIndexes[freed]! <= index) {
      this.totalBytes -= this.sizesBytes[freed]!
      freed++
    }
    if (freed === 0) return
    this.lastIndexes.splice(0, freed)
    this.sizesBytes.splice(0, freed)
  }

  /** Frees the oldest message (used when its acknowledgement is presumed lost). */
  freeFirst(): void {
    if (this.lastIndexes.length === 0) return
    this.totalBytes -= this.sizesBytes[0]!
    this.lastIndexes.shift()
    this.sizesBytes.shift()
  }

  full(): boolean {
    return this.lastIndexes.length >= this.maxMessages || this.totalBytes >= this.maxBytes
  }

  count(): number {
    return this.lastIndexes.length
  }

  bytes(): number {
    return this.totalBytes
  }

  reset(): void {
    this.lastIndexes.length = 0
    this.sizesBytes.length = 0
    this.totalBytes = 0
  }
}

/**
 * The leader's view of one follower's log. `match` is the highest index known to be replicated there; `next`
 * is the next index to send. Invariant: match < next.
 *
 * - probe: one append at a time until the follower's position is found (`paused` after each send).
 * - replicate: optimistic streaming, `next` advances on send; bounded by `inflights`.
 * - snapshot: a snapshot is on its way; nothing else is sent until it is acknowledged or reported failed.
 */
export class Progress {
  match = 0
  next: number
  state: ProgressState = 'probe'
  /** Index of the snapshot being sent, while in the snapshot state. */
  pendingSnapshot = 0
  /** Heard from within the current election timeout (check-quorum). */
  recentActive = false
  /** In probe state: an append is outstanding, wait for its answer (or a heartbeat answer) before the next. */
  probeSent = false
  readonly inflights: Inflights
  isLearner: boolean

  constructor(next: number, inflights: Inflights, isLearner: boolean) {
    this.next = next
    this.inflights = inflights
    this.isLearner = isLearner
  }

  private resetState(state: ProgressState): void {
    this.probeSent = false
    this.pendingSnapshot = 0
    this.state = state
    this.inflights.reset()
  }

  becomeProbe(): void {
    // After a snapshot, the follower has at least the snapshot's entries.
    const floor = this.state === 'snapshot' ? Math.max(this.match, this.pendingSnapshot) : this.match
    this.resetState('probe')
    this.next = floor + 1
  }

  becomeReplicate(): void {
    this.resetState('replicate')
    this.next = this.match + 1
  }

  becomeSnapshot(snapshotIndex: number): void {
    this.resetState('snapshot')
    this.pendingSnapshot = snapshotIndex
    this.next = snapshotIndex + 1
  }

  /** Records an acknowledgement up to `index`; false when it is stale. */
  maybeUpdate(index: number): boolean {
    if (index <= this.match) return false
    this.match = index
    this.next = Math.max(this.next, index + 1)
    this.probeSent = false
    return true
  }

  /** Accounts for an append just sent, carrying `entries` entries of `bytes` ending at `lastIndex`. */
  onEntriesSent(entries: number, bytes: number, lastIndex: number): void {
    if (this.state === 'replicate') {
      if (entries > 0) {
        this.next = lastIndex + 1
        this.inflights.add(lastIndex, bytes)
      }
    } else if (this.state === 'probe') {
      this.probeSent = true
    } else {
      assert(false, `sending entries to a follower in state ${this.state}`)
    }
  }

  /**
   * Handles a rejection of the append at `rejected`, moving `next` back towards `matchHint + 1`.
   * Returns false when the rejection is stale (answers an append sent before an earlier rewind).
   */
  maybeDecrementTo(rejected: number, matchHint: number): boolean {
    if (this.state === 'replicate') {
      if (rejected <= this.match) return false
      this.next = this.match + 1
      return true
    }
    // Probe and snapshot states have at most one append outstanding: its index is next - 1.
    if (this.next - 1 !== rejected) return false
    this.next = Math.max(Math.min(rejected, matchHint + 1), this.match + 1)
    this.probeSent = false
    return true
  }

  /** Whether appends to this follower must wait. */
  isPaused(): boolean {
    switch (this.state) {
      case 'probe': return this.probeSent
      case 'replicate': return this.inflights.full()
      case 'snapshot': return true
    }
  }

  describe(): string {
    const paused = this.isPaused() ? ' paused' : ''
    const snapshot = this.pendingSnapshot > 0 ? ` pendingSnapshot=${this.pendingSnapshot}` : ''
    const inflight = this.inflights.count() > 0 ? ` inflight=${this.inflights.count()}/${this.inflights.bytes()}B` : ''
    return `${this.state} match=${this.match} next=${this.next}${this.isLearner ? ' learner' : ''}${paused}${snapshot}${inflight}`
  }
}
