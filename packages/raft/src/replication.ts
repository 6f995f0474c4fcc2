import { entriesBytes } from './entry-size.js'
import { CompactedError, SnapshotTemporarilyUnavailableError, assert } from './errors.js'
import type { Progress } from './progress.js'
import type { Raft } from './raft.js'
import type { Entry, NodeId } from './types.js'

/**
 * Sends the follower `to` an append with the entries it needs next, if its flow control allows. With
 * `sendIfEmpty` false, nothing is sent when there are no entries (used to top up the in-flight window).
 * Falls back to a snapshot when the entries were compacted away. Returns whether a message was sent.
 */
export function sendAppend(raft: Raft, to: NodeId, sendIfEmpty = true): boolean {
  const progress = raft.tracker.progress.get(to)
  if (progress === undefined || progress.isPaused()) return false
  const previousIndex = progress.next - 1
  const previousTerm = raft.log.term(previousIndex)
  if (previousTerm === undefined) return sendSnapshot(raft, to, progress)
  let entries: Entry[]
  try {
    entries = raft.log.entriesFrom(progress.next, raft.config.maxEntriesBytesPerMessage)
  } catch (error) {
    if (error instanceof CompactedError) return sendSnapshot(raft, to, progress)
    throw error
  }
  if (entries.length === 0 && !sendIfEmpty) return false
  raft.send({ type: 'appendEntries', to, index: previousIndex, logTerm: previousTerm, entries, commit: raft.log.committed })
  progress.onEntriesSent(entries.length, entriesBytes(entries), previousIndex + entries.length)
  return true
}

function sendSnapshot(raft: Raft, to: NodeId, progress: Progress): boolean {
  if (!progress.recentActive) {
    // A snapshot is expensive; do not send one to a follower that may be down.
    raft.logger.debug(`${raft.id} did not send a snapshot to inactive ${to}`)
    return false
  }
  let snapshot
  try {
    snapshot = raft.log.snapshot()
  } catch (error) {
    if (error instanceof SnapshotTemporarilyUnavailableError) {
      raft.logger.debug(`${raft.id} failed to send a snapshot to ${to}: temporarily unavailable`)
      return false
    }
    throw error
  }
  assert(snapshot.metadata.index > 0, () => `${raft.id} needs a snapshot for ${to} but storage has none (compacted without snapshot?)`)
  raft.logger.debug(`${raft.id} [first ${raft.log.firstIndex()}, commit ${raft.log.committed}] sent snapshot ${snapshot.metadata.term}/${snapshot.metadata.index} to ${to} [${progress.describe()}]`)
  progress.becomeSnapshot(snapshot.metadata.index)
  raft.send({ type: 'installSnapshot', to, snapshot })
  return true
}

/** Sends every other member the entries it lacks (or an empty append carrying the commit index). */
export function bcastAppend(raft: Raft): void {
  for (const id of raft.tracker.memberIds()) {
    if (id !== raft.id) sendAppend(raft, id)
  }
}

export function sendTimeoutNow(raft: Raft, to: NodeId): void {
  raft.send({ type: 'timeoutNow', to })
}
