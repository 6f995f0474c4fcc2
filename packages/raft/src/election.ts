import type { Raft } from './raft.js'
import { bcastAppend } from './replication.js'
import type { VoteResult } from './tracker.js'
import type { NodeId, RequestPreVoteMessage, RequestVoteMessage } from './types.js'

/** Elections (§5.2, with the pre-vote of the Raft thesis §9.6): campaigning, tallying and voting. */

/** Starts an election if this node may (`transfer`: asked by the leader, so skip pre-vote). */
export function hup(raft: Raft, transfer: boolean): void {
  if (raft.role === 'leader') return
  if (!raft.promotable()) {
    raft.logger.warn(`${raft.id} is not promotable (learner, removed or installing a snapshot); not campaigning`)
    return
  }
  if (hasUnappliedConfChanges(raft)) {
    raft.logger.warn(`${raft.id} cannot campaign at term ${raft.term}: committed membership changes are not applied yet`)
    return
  }
  raft.logger.info(`${raft.id} is starting a new election at term ${raft.term}`)
  if (raft.config.preVote && !transfer) campaign(raft, 'preVote', false)
  else campaign(raft, 'vote', transfer)
}

function hasUnappliedConfChanges(raft: Raft): boolean {
  if (raft.log.committed <= raft.log.applied) return false
  const entries = raft.log.slice(raft.log.applied + 1, raft.log.committed + 1)
  return entries.some((entry) => entry.type === 'confChange')
}

export function campaign(raft: Raft, kind: 'preVote' | 'vote', transfer: boolean): void {
  let voteTerm: number
  if (kind === 'preVote') {
    raft.becomePreCandidate()
    // A pre-vote asks for the term a real election would use, without incrementing ours.
    voteTerm = raft.term + 1
  } else {
    raft.becomeCandidate()
    voteTerm = raft.term
  }
  if (poll(raft, raft.id, true) === 'won') {
    // A single-voter group wins at once.
    if (kind === 'preVote') {
      campaign(raft, 'vote', transfer)
    } else {
      raft.becomeLeader()
      bcastAppend(raft)
    }
    return
  }
  const lastLogIndex = raft.log.lastIndex()
  const lastLogTerm = raft.log.lastTerm()
  for (const id of [...raft.tracker.voters].sort()) {
    if (id === raft.id) continue
    raft.logger.info(`${raft.id} [last ${lastLogTerm}/${lastLogIndex}] sent ${kind === 'preVote' ? 'requestPreVote' : 'requestVote'} to ${id} at term ${voteTerm}`)
    if (kind === 'preVote') raft.send({ type: 'requestPreVote', to: id, term: voteTerm, lastLogIndex, lastLogTerm })
    else raft.send({ type: 'requestVote', to: id, term: voteTerm, lastLogIndex, lastLogTerm, transfer })
  }
}

export function poll(raft: Raft, from: NodeId, granted: boolean): VoteResult {
  raft.tracker.recordVote(from, granted)
  const tally = raft.tracker.tallyVotes()
  if (from !== raft.id) {
    raft.logger.info(`${raft.id} has ${tally.granted} votes and ${tally.rejected} rejections at term ${raft.term}`)
  }
  return tally.result
}

export function handleVoteRequest(raft: Raft, message: RequestVoteMessage | RequestPreVoteMessage): void {
  const preVote = message.type === 'requestPreVote'
  const responseType = preVote ? 'preVoteResponse' : 'voteResponse'
  // We can vote for a repeat of our vote, when we have not voted and know no leader in this term, or for a
  // pre-vote of a future term. Learners answer too: the candidate may already know them as voters, and
  // counts only the votes of its own voters.
  const canVote = raft.vote === message.from ||
    (raft.vote === undefined && raft.lead === undefined) ||
    (preVote && message.term > raft.term)
  if (canVote && raft.log.isUpToDate(message.lastLogIndex, message.lastLogTerm)) {
    raft.logger.info(`${raft.id} [last ${raft.log.lastTerm()}/${raft.log.lastIndex()}, vote ${raft.vote ?? '-'}] granted ${message.type} from ${message.from} [last ${message.lastLogTerm}/${message.lastLogIndex}] at term ${message.term}`)
    // Answer with the request's term: for a pre-vote it is a future term the candidate recognises.
    raft.send({ type: responseType, to: message.from, term: message.term, reject: false })
    if (!preVote) {
      raft.electionElapsed = 0
      raft.vote = message.from
    }
  } else {
    raft.logger.info(`${raft.id} [last ${raft.log.lastTerm()}/${raft.log.lastIndex()}, vote ${raft.vote ?? '-'}] rejected ${message.type} from ${message.from} [last ${message.lastLogTerm}/${message.lastLogIndex}] at term ${message.term}`)
    raft.send({ type: responseType, to: message.from, reject: true })
  }
}
