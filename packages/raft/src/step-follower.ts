import { campaign, hup, poll } from './election.js'
import type { Raft } from './raft.js'
import { bcastAppend } from './replication.js'
import type { AppendEntriesMessage, HeartbeatMessage, InstallSnapshotMessage, Message } from './types.js'

/** The follower's step function (learners included). */
export function stepFollower(raft: Raft, message: Message): void {
  switch (message.type) {
    case 'appendEntries':
      raft.electionElapsed = 0
      raft.lead = message.from
      handleAppendEntries(raft, message)
      return
    case 'heartbeat':
      raft.electionElapsed = 0
      raft.lead = message.from
      handleHeartbeat(raft, message)
      return
    case 'installSnapshot':
      raft.electionElapsed = 0
      raft.lead = message.from
      handleSnapshot(raft, message)
      return
    case 'timeoutNow':
      // The leader chose us: campaign at once, without pre-vote, ignoring the voters' leases.
      raft.logger.info(`${raft.id} [term ${raft.term}] received timeoutNow from ${message.from}`)
      hup(raft, true)
      return
    case 'readIndexResponse':
      if (message.from === raft.lead) raft.readStates.push({ index: message.index, context: message.context })
      return
    default:
      raft.logger.debug(`${raft.id} [follower, term ${raft.term}] ignored a ${message.type} from ${message.from}`)
  }
}

/** The step function of candidates and pre-candidates. */
export function stepCandidate(raft: Raft, message: Message): void {
  switch (message.type) {
    case 'appendEntries':
    case 'heartbeat':
    case 'installSnapshot':
      // A leader of our term exists (§5.2): give up the election and follow it.
      raft.becomeFollower(message.term, message.from)
      stepFollower(raft, message)
      return
    case 'voteResponse':
    case 'preVoteResponse': {
      const expected = raft.role === 'preCandidate' ? 'preVoteResponse' : 'voteResponse'
      if (message.type !== expected) return
      const result = poll(raft, message.from, !message.reject)
      if (result === 'won') {
        if (raft.role === 'preCandidate') {
          campaign(raft, 'vote', false)
        } else {
          raft.becomeLeader()
          bcastAppend(raft)
        }
      } else if (result === 'lost') {
        // A rejection at a higher term made us a follower already (see Raft.step); this is a lost election.
        raft.becomeFollower(raft.term, undefined)
      }
      return
    }
    default:
      raft.logger.debug(`${raft.id} [${raft.role}, term ${raft.term}] ignored a ${message.type} from ${message.from}`)
  }
}

function handleAppendEntries(raft: Raft, message: AppendEntriesMessage): void {
  const log = raft.log
  if (message.index < log.committed) {
    // Everything up to our commit index matches the leader's log (Log Matching): tell it where we are.
    raft.send({ type: 'appendResponse', to: message.from, index: log.committed, reject: false, rejectHint: 0, logTerm: 0 })
    return
  }
  const lastNewIndex = log.maybeAppend(message.index, message.logTerm, message.commit, message.entries)
  if (lastNewIndex !== undefined) {
    raft.send({ type: 'appendResponse', to: message.from, index: lastNewIndex, reject: false, rejectHint: 0, logTerm: 0 })
    return
  }
  // Consistency check failed (§5.3). Hint the leader at our last entry whose term is <= the one it probed.
  const hint = log.findConflictByTerm(Math.min(message.index, log.lastIndex()), message.logTerm)
  raft.logger.debug(`${raft.id} [last ${log.lastIndex()}, term at ${message.index}: ${log.term(message.index) ?? '?'}] rejected append [${message.logTerm}/${message.index}] from ${message.from}`)
  raft.send({ type: 'appendResponse', to: message.from, index: message.index, reject: true, rejectHint: hint.index, logTerm: hint.term })
}

function handleHeartbeat(raft: Raft, message: HeartbeatMessage): void {
  raft.log.commitTo(message.commit)
  raft.send({ type: 'heartbeatResponse', to: message.from, context: message.context })
}

function handleSnapshot(raft: Raft, message: InstallSnapshotMessage): void {
  const { index, term } = message.snapshot.metadata
  if (raft.restore(message.snapshot)) {
    raft.send({ type: 'appendResponse', to: message.from, index: raft.log.lastIndex(), reject: false, rejectHint: 0, logTerm: 0 })
  } else {
    raft.logger.info(`${raft.id} [commit ${raft.log.committed}] ignored snapshot ${term}/${index}`)
    raft.send({ type: 'appendResponse', to: message.from, index: raft.log.committed, reject: false, rejectHint: 0, logTerm: 0 })
  }
}
