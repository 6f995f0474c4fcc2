/**
 * @clustron/server/internal — for sibling packages (the testkit's simulator and fault tests) only.
 * Not a public API.
 */
export { RaftReplica } from './replica/raft/raft-replica.js'
export type { DurableLog, RaftReplicaOptions } from './replica/raft/raft-replica.js'
export { decodeBatch, encodeBatch } from './replica/raft/log-codec.js'
export type { ProposalBatch } from './replica/raft/log-codec.js'
export type { AppliedOutput, ReplicaStatus, StoreReplica } from './replica/store-replica.js'
export { inspectNode } from './node.js'
export type { NodeInternals } from './node.js'
