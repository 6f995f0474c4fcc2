import { assert } from './errors.js'
import type { Raft } from './raft.js'
import { bcastAppend, sendAppend, sendTimeoutNow } from './replication.js'
import type { AppendResponseMessage, HeartbeatResponseMessage, Message, NodeId } from './types.js'

/** The leader's step function: answers to its appends and heartbeats, and requests forwarded by followers. */
export function stepLeader(raft: Raft, message: Message): void {
  switch (message.type) {
    case 'appendResponse':
      handleAppendResponse(raft, message)
      return
    case 'heartbeatResponse':
      handleHeartbeatResponse(raft, message)
      return
    case 'readIndex':
      if (!raft.tracker.isMember(message.from)) return
      if (raft.readOnly.isFull() || raft.queuedReadIndexRequests.length >= raft.config.maxPendingReadIndexRequests) {
        raft.logger.warn(`${raft.id} dropped a read index request from ${message.from}: too many pending`)
        return
      }
      handleReadIndexRequest(raft, message.context, message.from)
      return
    case 'transferLeader':
      handleTransferLeader(raft, message.transferee)
      return
    default:
      // Same-term appends, snapshots or votes cannot come from a legitimate peer while we lead; drop them.
      raft.logger.debug(`${raft.id} [leader, term ${raft.term}] ignored a ${message.type} from ${message.from}`)
  }
}

function handleAppendResponse(raft: Raft, message: AppendResponseMessage): void {
  const progress = raft.tracker.progress.get(message.from)
  if (progress === undefined) return
  progress.recentActive = true
  if (message.reject) {
    // The follower's hint names its last entry that may match; skip the whole mismatched term at once.
    let nextProbeIndex = message.rejectHint
    if (message.logTerm > 0) nextProbeIndex = raft.log.findConflictByTerm(message.rejectHint, message.logTerm).index
    if (progress.maybeDecrementTo(message.index, nextProbeIndex)) {
      raft.logger.debug(`${raft.id} decreased progress of ${message.from} to [${progress.describe()}]`)
      if (progress.state === 'replicate') progress.becomeProbe()
      sendAppend(raft, message.from)
    }
    return
  }
  const wasPaused = progress.isPaused()
  if (!progress.maybeUpdate(message.index)) return
  if (progress.state === 'probe') {
    progress.becomeReplicate()
  } else if (progress.state === 'snapshot' && progress.match + 1 >= raft.log.firstIndex()) {
    // The follower caught up through the snapshot and the log has what follows it.
    raft.logger.debug(`${raft.id} resumed replication to ${message.from} after a snapshot [${progress.describe()}]`)
    progress.becomeProbe()
    progress.becomeReplicate()
  } else if (progress.state === 'replicate') {
    progress.inflights.freeLessOrEqual(message.index)
  }
  if (raft.maybeCommit()) {
    bcastAppend(raft)
  } else if (wasPaused) {
    sendAppend(raft, message.from)
  }
  // Fill the in-flight window: bounded because each send either fills it or runs out of entries.
  while (sendAppend(raft, message.from, false)) { /* keep sending */ }
  if (message.from === raft.leadTransferee && progress.match === raft.log.lastIndex()) {
    raft.logger.info(`${raft.id} sent timeoutNow to ${message.from}: its log is up to date`)
    sendTimeoutNow(raft, message.from)
  }
}

function handleHeartbeatResponse(raft: Raft, message: HeartbeatResponseMessage): void {
  const progress = raft.tracker.progress.get(message.from)
  if (progress === undefined) return
  progress.recentActive = true
  progress.probeSent = false
  // Appends may have been lost: free one in-flight slot so the next append reveals the gap (the follower
  // rejects it and we rewind) instead of waiting forever for acknowledgements that will not come.
  if (progress.state === 'replicate' && progress.inflights.full()) progress.inflights.freeFirst()
  if (progress.match < raft.log.lastIndex()) sendAppend(raft, message.from)
  if (message.context === undefined || message.context.byteLength === 0) return
  const acknowledgements = raft.readOnly.acknowledge(message.context, message.from, (id) => raft.tracker.isVoter(id))
  // The leader's own acknowledgement is recorded when the request is added.
  if (acknowledgements < raft.tracker.quorumSize()) return
  for (const read of raft.readOnly.release(message.context)) {
    answerReadIndex(raft, read.from, read.index, read.context)
  }
}

/**
 * ReadIndex (Raft thesis §6.4): record the commit index, then confirm with a heartbeat round that we are still
 * the leader. Until an entry of this term commits, our commit index may lag the true one, so wait for it.
 */
export function handleReadIndexRequest(raft: Raft, context: Uint8Array, from: NodeId): void {
  assert(raft.role === 'leader', 'handleReadIndexRequest on a non-leader')
  if (raft.tracker.voters.size === 1 && raft.tracker.isVoter(raft.id)) {
    answerReadIndex(raft, from, raft.log.committed, context)
    return
  }
  if (!raft.committedEntryInCurrentTerm()) {
    raft.queuedReadIndexRequests.push({ context, from })
    return
  }
  if (!raft.readOnly.add(raft.log.committed, context, from)) return
  raft.readOnly.acknowledge(context, raft.id, (id) => raft.tracker.isVoter(id))
  for (const id of raft.tracker.memberIds()) {
    if (id !== raft.id) raft.sendHeartbeat(id, context)
  }
}

/** Called on every commit advance: the first commit of the term releases the queued read requests. */
export function releasePendingReadIndexRequests(raft: Raft): void {
  if (raft.queuedReadIndexRequests.length === 0 || !raft.committedEntryInCurrentTerm()) return
  const queued = raft.queuedReadIndexRequests
  raft.queuedReadIndexRequests = []
  for (const request of queued) handleReadIndexRequest(raft, request.context, request.from)
}

function answerReadIndex(raft: Raft, to: NodeId, index: number, context: Uint8Array): void {
  if (to === raft.id) raft.readStates.push({ index, context })
  else raft.send({ type: 'readIndexResponse', to, index, context })
}

export function handleTransferLeader(raft: Raft, transferee: NodeId): void {
  const progress = raft.tracker.progress.get(transferee)
  if (progress === undefined || progress.isLearner) {
    raft.logger.info(`${raft.id} ignored a leadership transfer to ${transferee}: not a voter`)
    return
  }
  if (raft.leadTransferee !== undefined) {
    if (raft.leadTransferee === transferee) return
    raft.abortLeaderTransfer()
  }
  if (transferee === raft.id) return
  raft.logger.info(`${raft.id} [term ${raft.term}] starts to transfer leadership to ${transferee}`)
  // The transfer must finish within an election timeout, or it is aborted (see tickHeartbeat).
  raft.electionElapsed = 0
  raft.leadTransferee = transferee
  if (progress.match === raft.log.lastIndex()) {
    raft.logger.info(`${raft.id} sent timeoutNow to ${transferee}: its log is up to date`)
    sendTimeoutNow(raft, transferee)
  } else {
    sendAppend(raft, transferee)
  }
}
