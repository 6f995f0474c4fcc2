/**
 * Checks made once the cluster has healed and converged: every replica's state equals the oracle's
 * (state machine safety on the whole state), every acknowledged write is in the committed history
 * (durability), and every watcher's stream is valid against the committed history.
 */
import type { Query } from '@clustron/core/internal'
import { canonicalValue, formatWatchAnomalies, validateWatches } from '../checker/index.js'
import type { SimCluster } from './cluster.js'
import type { CommittedHistory } from './committed.js'
import type { Invariants } from './invariants.js'
import { simulatorLimits } from './limits.js'
import { lockNames } from './workload-locks.js'
import type { SimWatcher } from './watchers.js'
import type { AcknowledgedWrite } from './workload.js'

/** True once every node is up and has applied exactly what the oracle applied. */
export function converged(cluster: SimCluster, committed: CommittedHistory): boolean {
  for (const node of cluster.nodes) {
    const status = node.replica?.status()
    if (status === undefined || status.appliedIndex !== committed.index || status.commitIndex !== committed.index) return false
  }
  return true
}

const stateQueries: Query[] = [
  { type: 'list', prefix: '' },
  { type: 'status' },
  { type: 'leaseList' },
  ...lockNames.map((name): Query => ({ type: 'lockHolder', kind: 'lock', name })),
]

/** Every replica's answers to a few whole-state queries equal the oracle's. */
export function compareStates(cluster: SimCluster, committed: CommittedHistory, invariants: Invariants): void {
  const expected = stateQueries.map((query) => canonicalValue(committed.machine.query(query, 0)))
  for (const node of cluster.nodes) {
    const replica = node.replica
    if (replica === undefined) continue
    for (const [position, query] of stateQueries.entries()) {
      const actual = canonicalValue(replica.readLocal(query))
      if (actual !== expected[position]) {
        invariants.fail('state-divergence', `${node.id} answers ${query.type} differently from the committed history:\n  replica: ${actual.slice(0, 400)}\n  oracle:  ${expected[position]!.slice(0, 400)}`)
        return
      }
    }
  }
}

/** Every write a client saw acknowledged is in the committed history at its revision. */
export function checkDurability(writes: readonly AcknowledgedWrite[], committed: CommittedHistory, invariants: Invariants): void {
  const changes = new Map<string, number>()
  for (const change of committed.changes) changes.set(`${change.revision}|${change.key}`, change.version)
  for (const write of writes) {
    const version = changes.get(`${write.revision}|${write.key}`)
    if (version === undefined || (write.version !== undefined && version !== write.version)) {
      invariants.fail('durability', `the acknowledged write of ${write.key} at revision ${write.revision} (version ${String(write.version)}) is not in the committed history`)
      return
    }
  }
}

export function checkWatchers(watchers: readonly SimWatcher[], committed: CommittedHistory, invariants: Invariants): number {
  const finalRevision = committed.machine.revision
  const records = watchers.map((watcher) => watcher.record(watcher.ended === undefined && watcher.node !== undefined ? finalRevision : undefined))
  const anomalies = validateWatches(committed.changes, records, { anomaliesPerWatcherMax: simulatorLimits.watchAnomaliesMax })
  if (anomalies.length > 0) invariants.fail('watch', formatWatchAnomalies(anomalies))
  for (const watcher of watchers) {
    if (watcher.ended !== undefined) invariants.fail('watch', `${watcher.name} could not resume: ${watcher.ended}`)
  }
  return anomalies.length
}
