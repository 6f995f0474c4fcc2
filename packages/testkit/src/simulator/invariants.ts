/**
 * Raft's safety properties, checked continuously against what the replicas do:
 *
 * - Election safety: at most one leader per term, over every node and incarnation ever. A leader
 *   is whoever sends leader-only messages (appends, heartbeats, snapshots, timeoutNow, read index
 *   answers) for a term; every new leader sends appends at once, so none goes unseen.
 * - One vote per term per voter, across restarts (a granted vote must survive a crash).
 * - Persist before send: a vote is granted only once it is durable; an append is acknowledged
 *   only up to an index that is durable.
 * - State machine safety / log matching: every node applies one common sequence of
 *   (index, term, data hash); a node applies in order, or jumps by installing a snapshot that
 *   agrees with the sequence; snapshots taken at one index hold identical bytes on every node.
 * - Leader completeness: an entry committed in term t is in the log of every leader of a term
 *   after t. A leader's log is checked when it first speaks, and every entry it sends is checked,
 *   against the applied entries known to be committed before its term: those below a commit index
 *   that a leader of an earlier term announced. (A stale leader may legitimately send entries that
 *   a later term overwrote and committed differently, e.g. when its fsync stalled for seconds; and
 *   an old-term entry can be committed by a later leader while an intermediate one lacked it,
 *   Figure 8 of the Raft paper: so "applied anywhere" alone is not the right bound.)
 */
import type { Entry, Message, Snapshot } from '@clustron/raft'
import type { DiskObserver, SimDisk } from './disk.js'
import { hashBytes } from './random.js'

export interface Failure {
  kind: string
  message: string
  /** Virtual time it was detected. */
  timeMs: number
}

interface AppliedEntry {
  term: number
  hash: number
}

const leaderOnlyMessages = new Set<Message['type']>(['appendEntries', 'heartbeat', 'installSnapshot', 'timeoutNow', 'readIndexResponse'])

export class Invariants {
  readonly failures: Failure[] = []
  /** term → the node that led it. */
  readonly leaders = new Map<number, string>()
  readonly #votes = new Map<string, string>()
  /** The common applied sequence: index → (term, data hash). Index 1 is the bootstrap snapshot. */
  readonly #applied: (AppliedEntry | undefined)[] = [undefined, { term: 1, hash: 0 }]
  /** Last applied index per node (current incarnation); undefined until its first apply. */
  readonly #nodeApplied = new Map<string, number>()
  readonly #snapshotHashes = new Map<number, { hash: number; node: string }>()
  readonly #leaderLogsChecked = new Set<number>()
  /** term → the highest commit index its leader announced (appends and heartbeats carry it). */
  readonly #announcedCommit = new Map<number, number>()

  constructor(
    private readonly now: () => number,
    private readonly onFailure: (failure: Failure) => void,
    /** The first application of each index, in index order (feeds the committed history). */
    private readonly onFirstApply: (entry: Entry) => void,
  ) {}

  /** Highest index of the common applied sequence. */
  get frontier(): number {
    return this.#applied.length - 1
  }

  fail(kind: string, message: string): void {
    const failure: Failure = { kind, message, timeMs: this.now() }
    this.failures.push(failure)
    this.onFailure(failure)
  }

  /** What the fake disks report: a broken WAL precondition fails the run; snapshots are compared. */
  diskObserver(): DiskObserver {
    return {
      onProblem: (node, description) => this.fail('disk-contract', `${node}: ${description}`),
      onSnapshotSaved: (node, snapshot) => this.onSnapshotSaved(node, snapshot),
    }
  }

  /** A node (re)starts: its applied position is learned again from its disk. */
  onStart(node: string): void {
    this.#nodeApplied.delete(node)
  }

  onSend(node: string, messages: readonly Message[], disk: SimDisk): void {
    for (const message of messages) {
      if (leaderOnlyMessages.has(message.type)) this.#leaderSpoke(node, message.term, disk)
      switch (message.type) {
        case 'appendEntries':
          this.#announce(message.term, message.commit)
          this.#checkAppend(node, message.term, message.index, message.logTerm, message.entries)
          break
        case 'heartbeat':
          this.#announce(message.term, message.commit)
          break
        case 'installSnapshot':
          this.#checkAgainstApplied(node, message.term, message.snapshot.metadata.index, message.snapshot.metadata.term, 'snapshot')
          break
        case 'voteResponse':
          if (!message.reject) this.#checkVote(node, message.term, message.to, disk)
          break
        case 'appendResponse':
          if (!message.reject) this.#checkAcknowledgement(node, message.to, message.term, message.index, disk)
          break
        default:
          break
      }
    }
  }

  onApply(node: string, entry: Entry, disk: SimDisk): void {
    const previous = this.#nodeApplied.get(node) ?? disk.logical.snapshotIndex
    if (entry.index !== previous + 1) this.fail('apply-order', `${node} applied index ${entry.index} after ${previous}`)
    this.#nodeApplied.set(node, entry.index)
    const hash = hashBytes(entry.data, entry.type === 'confChange' ? 7 : 0x811c9dc5)
    const known = this.#applied[entry.index]
    if (known === undefined) {
      if (entry.index !== this.frontier + 1) {
        this.fail('apply-gap', `${node} is the first to apply index ${entry.index} but the common sequence ends at ${this.frontier}`)
        return
      }
      this.#applied.push({ term: entry.term, hash })
      this.onFirstApply(entry)
      return
    }
    if (known.term !== entry.term || known.hash !== hash) {
      this.fail('state-machine-safety', `${node} applied index ${entry.index} as term ${entry.term} hash ${hex(hash)}, but it was applied elsewhere as term ${known.term} hash ${hex(known.hash)}`)
    }
  }

  onInstallSnapshot(node: string, snapshot: Snapshot): void {
    const { index, term } = snapshot.metadata
    const previous = this.#nodeApplied.get(node)
    if (previous !== undefined && index <= previous) this.fail('snapshot-went-back', `${node} installed snapshot ${index} after applying ${previous}`)
    const known = this.#applied[index]
    if (known === undefined) this.fail('snapshot-ahead', `${node} installed snapshot ${term}/${index} but only ${this.frontier} entries were ever applied`)
    else if (known.term !== term) this.fail('state-machine-safety', `${node} installed snapshot ${term}/${index} but index ${index} was applied as term ${known.term}`)
    this.#nodeApplied.set(node, index)
  }

  /** Every snapshot saved at one index must hold the same bytes (same commands ⇒ same state). */
  onSnapshotSaved(node: string, snapshot: Snapshot): void {
    const { index } = snapshot.metadata
    const hash = hashBytes(snapshot.data)
    const known = this.#snapshotHashes.get(index)
    if (known === undefined) this.#snapshotHashes.set(index, { hash, node })
    else if (known.hash !== hash) this.fail('snapshot-divergence', `${node}'s snapshot at ${index} differs from ${known.node}'s (hash ${hex(hash)} vs ${hex(known.hash)})`)
  }

  #leaderSpoke(node: string, term: number, disk: SimDisk): void {
    const leader = this.leaders.get(term)
    if (leader === undefined) {
      this.leaders.set(term, node)
    } else if (leader !== node) {
      this.fail('election-safety', `two leaders in term ${term}: ${leader} and ${node}`)
      return
    }
    if (this.#leaderLogsChecked.has(term)) return
    this.#leaderLogsChecked.add(term)
    this.#checkLeaderLog(node, term, disk)
  }

  #announce(term: number, commit: number): void {
    if (commit > (this.#announcedCommit.get(term) ?? 0)) this.#announcedCommit.set(term, commit)
  }

  /** The highest index known to be committed in a term before `term`. */
  #committedBefore(term: number): number {
    let highest = 1
    for (const [announcedTerm, commit] of this.#announcedCommit) if (announcedTerm < term && commit > highest) highest = commit
    return highest
  }

  /**
   * Leader completeness: the new leader's log (as written to its disk when it first speaks) holds
   * every applied entry committed in an earlier term.
   */
  #checkLeaderLog(node: string, term: number, disk: SimDisk): void {
    const log = disk.logical
    const bound = Math.min(this.#committedBefore(term), this.frontier)
    if (log.lastIndex() < bound) {
      this.fail('leader-completeness', `${node} leads term ${term} with a log ending at ${log.lastIndex()}, but entries up to ${bound} were committed before`)
      return
    }
    for (let index = Math.max(2, log.snapshotIndex); index <= bound; index++) {
      const own = log.term(index)
      const applied = this.#applied[index]!.term
      if (own !== applied) {
        this.fail('leader-completeness', `${node} leads term ${term} with term ${String(own)} at index ${index}, where term ${applied} was applied`)
        return
      }
    }
  }

  #checkAppend(node: string, term: number, previousIndex: number, previousTerm: number, entries: readonly Entry[]): void {
    if (previousIndex > 0) this.#checkAgainstApplied(node, term, previousIndex, previousTerm, 'append base')
    for (const entry of entries) {
      if (entry.index > this.frontier) return
      this.#checkAgainstApplied(node, term, entry.index, entry.term, 'entry')
    }
  }

  #checkAgainstApplied(node: string, leaderTerm: number, index: number, term: number, what: string): void {
    const applied = this.#applied[index]
    if (applied === undefined) {
      if (what === 'snapshot') this.fail('leader-completeness', `${node} (term ${leaderTerm}) sent a snapshot at ${index} beyond every applied index (${this.frontier})`)
      return
    }
    if (applied.term === term) return
    // A conflict is a violation when the applied entry was committed before this leader's term, or
    // is of this leader's own term (then the leader changed its own entry).
    if (what === 'snapshot' || applied.term === leaderTerm || index <= this.#committedBefore(leaderTerm)) {
      this.fail('leader-completeness', `${node} (leader of term ${leaderTerm}) sent ${what} ${term}/${index}, but index ${index} was applied as term ${applied.term}`)
    }
  }

  /**
   * An acknowledgement of index i in term T needs the entries up to i durable, while the sender is
   * (durably) still in term T. A stale one is allowed: entries acknowledged in T, then truncated by a
   * leader of a later term before they were persisted (both stepped while an fsync was under way),
   * leave an acknowledgement for entries no longer in the log. It was true when made (the follower
   * would not vote for a log lacking them), and the truncating leader was elected by a quorum that
   * never held them, so no quorum of term T can count it towards a commit.
   */
  #checkAcknowledgement(node: string, leader: string, term: number, index: number, disk: SimDisk): void {
    const durableTerm = disk.durable.durableTerm()
    if (durableTerm > term) return
    if (durableTerm < term || index > disk.durable.lastIndex()) {
      this.fail('persist-before-send', `${node} acknowledged index ${index} to ${leader} (term ${term}) but only ${disk.durable.lastIndex()} is durable (durable term ${durableTerm})`)
    }
  }

  #checkVote(node: string, term: number, candidate: string, disk: SimDisk): void {
    const key = `${term}|${node}`
    const previous = this.#votes.get(key)
    if (previous === undefined) this.#votes.set(key, candidate)
    else if (previous !== candidate) this.fail('double-vote', `${node} voted for ${previous} and for ${candidate} in term ${term}`)
    const durable = disk.durable.recover().hardState
    if (durable.term < term || (durable.term === term && durable.vote !== candidate)) {
      this.fail('persist-before-send', `${node} granted its vote to ${candidate} in term ${term} before it was durable (durable: term ${durable.term}, vote ${String(durable.vote)})`)
    }
  }
}

function hex(value: number): string {
  return value.toString(16).padStart(8, '0')
}
