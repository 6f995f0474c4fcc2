import { decodeConfChange, type Entry, type Message, type Ready, type Snapshot } from '../../src/index.js'

const textDecoder = new TextDecoder()

export function formatData(data: Uint8Array): string {
  return JSON.stringify(textDecoder.decode(data))
}

export function formatEntry(entry: Entry): string {
  if (entry.type === 'confChange') {
    const change = decodeConfChange(entry.data)
    return `${entry.term}/${entry.index} confChange ${change.type} ${change.nodeId}`
  }
  return `${entry.term}/${entry.index} normal ${formatData(entry.data)}`
}

export function formatSnapshot(snapshot: Snapshot): string {
  const { index, term, confState } = snapshot.metadata
  const learners = confState.learners.length > 0 ? ` learners=(${confState.learners.join(' ')})` : ''
  return `${term}/${index} voters=(${confState.voters.join(' ')})${learners} data=${formatData(snapshot.data)}`
}

export function formatMessage(message: Message): string {
  const head = `${message.from}->${message.to} ${message.type} term=${message.term}`
  switch (message.type) {
    case 'appendEntries': {
      const entries = message.entries.length === 0 ? '' : ` entries=[${message.entries.map(formatEntry).join(', ')}]`
      return `${head} log=${message.logTerm}/${message.index} commit=${message.commit}${entries}`
    }
    case 'appendResponse':
      return message.reject
        ? `${head} index=${message.index} rejected hint=${message.logTerm}/${message.rejectHint}`
        : `${head} index=${message.index}`
    case 'requestVote':
      return `${head} last=${message.lastLogTerm}/${message.lastLogIndex}${message.transfer ? ' transfer' : ''}`
    case 'requestPreVote':
      return `${head} last=${message.lastLogTerm}/${message.lastLogIndex}`
    case 'voteResponse':
    case 'preVoteResponse':
      return message.reject ? `${head} rejected` : head
    case 'heartbeat':
      return `${head} commit=${message.commit}${message.context === undefined ? '' : ` context=${formatData(message.context)}`}`
    case 'heartbeatResponse':
      return message.context === undefined ? head : `${head} context=${formatData(message.context)}`
    case 'installSnapshot':
      return `${head} snapshot=${formatSnapshot(message.snapshot)}`
    case 'timeoutNow':
      return head
    case 'readIndex':
      return `${head} context=${formatData(message.context)}`
    case 'readIndexResponse':
      return `${head} index=${message.index} context=${formatData(message.context)}`
    case 'transferLeader':
      return `${head} transferee=${message.transferee}`
  }
}

export function formatReady(ready: Ready): string[] {
  const lines = [`Ready mustSync=${ready.mustSync}:`]
  if (ready.softState !== undefined) lines.push(`SoftState role=${ready.softState.role} leader=${ready.softState.leader ?? '-'}`)
  if (ready.hardState !== undefined) {
    const { term, vote, commit } = ready.hardState
    lines.push(`HardState term=${term} vote=${vote ?? '-'} commit=${commit}`)
  }
  if (ready.entries.length > 0) lines.push('Entries:', ...ready.entries.map(formatEntry))
  if (ready.snapshot !== undefined) lines.push(`Snapshot ${formatSnapshot(ready.snapshot)}`)
  if (ready.committedEntries.length > 0) lines.push('CommittedEntries:', ...ready.committedEntries.map(formatEntry))
  if (ready.messages.length > 0) lines.push('Messages:', ...ready.messages.map(formatMessage))
  if (ready.readStates.length > 0) {
    lines.push('ReadStates:', ...ready.readStates.map((read) => `index=${read.index} context=${formatData(read.context)}`))
  }
  return lines
}
