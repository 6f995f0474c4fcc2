import { InvalidArgumentError, LeaseNotFoundError, ResourceExhaustedError } from '../errors.js'
import { compareKeys } from '../keys.js'
import { LockRecord, WaiterRecord, type LeaseRecord } from './records.js'
import type { MachineState } from './state.js'
import type {
  CommandResults,
  ElectionProclaimCommand,
  LeaseExtendCommand,
  LeaseGrantCommand,
  LeaseRenewCommand,
  LeaseRevokeCommand,
  LockAcquireCommand,
  LockCancelCommand,
  LockKind,
  LockReleaseCommand,
} from './types.js'
import type { Checks } from './validate.js'

/** Handlers of leases, locks, elections and expiry. */

export function applyLeaseGrant(state: MachineState, check: Checks, command: LeaseGrantCommand): CommandResults['leaseGrant'] {
  const ttlMs = check.ttlMs(command.ttlMs)
  checkLeaseRoom(state)
  const lease = state.grantLease(ttlMs)
  return { id: lease.id, ttlMs, expiresAt: lease.expiresAt }
}

function checkLeaseRoom(state: MachineState): void {
  const limit = state.limits.leasesMax
  if (state.leases.size >= limit) {
    throw new ResourceExhaustedError(`the store has ${state.leases.size} live leases, its limit: revoke unused leases or raise leasesMax`, {
      details: { limit, size: state.leases.size + 1 },
    })
  }
}

function liveLease(state: MachineState, id: unknown): LeaseRecord {
  if (typeof id !== 'string') throw new InvalidArgumentError('lease id must be a string')
  const lease = state.leases.get(id)
  if (lease === undefined) {
    throw new LeaseNotFoundError(`lease '${id}' does not exist (it expired or was revoked); grant a new lease`, { details: { lease: id } })
  }
  return lease
}

export function applyLeaseRenew(state: MachineState, _check: Checks, command: LeaseRenewCommand): CommandResults['leaseRenew'] {
  const lease = liveLease(state, command.id)
  state.setLeaseDeadline(lease, state.now + lease.ttlMs)
  return { ttlMs: lease.ttlMs, expiresAt: lease.expiresAt }
}

export function applyLeaseRevoke(state: MachineState, _check: Checks, command: LeaseRevokeCommand): CommandResults['leaseRevoke'] {
  if (typeof command.id !== 'string') throw new InvalidArgumentError('lease id must be a string')
  const lease = state.leases.get(command.id)
  if (lease === undefined) return { revoked: false, revision: state.revision }
  state.endLease(lease, 'revoked')
  return { revoked: true, revision: state.resultRevision }
}

export function applyLeaseExtend(state: MachineState, check: Checks, command: LeaseExtendCommand): CommandResults['leaseExtend'] {
  const extendMs = check.ttlMs(command.extendMs, 'extendMs')
  let extended = 0
  // Each lease gets at least its full TTL on the new leader's clock (as etcd's lessor Promote does):
  // its deadline was stamped with the old leader's clock, which the new one's may run ahead of, so a
  // floor of `now + extendMs` alone let leases expire early after a leader change under clock skew
  // (found by the fault suite, testkit test/faults/regressions.test.ts).
  for (const lease of state.leases.values()) {
    const floor = state.now + lease.ttlMs + extendMs
    if (lease.expiresAt < floor) {
      state.setLeaseDeadline(lease, floor)
      extended++
    }
  }
  return { leases: extended }
}

function checkKind(kind: unknown): LockKind {
  if (kind !== 'lock' && kind !== 'election') throw new InvalidArgumentError(`lock kind must be 'lock' or 'election'`)
  return kind
}

export function applyLockAcquire(state: MachineState, check: Checks, command: LockAcquireCommand): CommandResults['lockAcquire'] {
  const kind = checkKind(command.kind)
  const name = check.name(command.name, kind === 'lock' ? 'lock name' : 'election name')
  const waiterId = check.waiterId(command.waiterId)
  const leaseId = check.optionalLease(command.lease)
  const ttlMs = leaseId === undefined ? check.ttlMs(command.ttlMs) : undefined
  const value = command.value === undefined ? undefined : check.value(command.value)
  if (typeof command.wait !== 'boolean') throw new InvalidArgumentError('wait must be a boolean')

  const table = state.locks[kind]
  const existing = table.get(name)
  const known = existing === undefined ? undefined : state.findWaiter(existing, waiterId)
  if (known !== undefined) {
    // The same waiter asking again (a retried request): answer with where it stands.
    return known.token !== 0
      ? { granted: true, token: known.token, revision: state.revision, since: known.since, lease: known.lease }
      : { granted: false, queued: true, lease: known.lease }
  }
  const busy = existing?.holder !== undefined
  if (busy && !command.wait) return { granted: false, queued: false, lease: leaseId ?? '' }
  if (busy && existing.queue.length >= state.limits.lockWaitersMax) {
    throw new ResourceExhaustedError(`${kind} '${name}' already has ${existing.queue.length} waiters, its limit; try again later`, {
      details: { limit: state.limits.lockWaitersMax, size: existing.queue.length + 1 },
    })
  }
  if (leaseId === undefined) checkLeaseRoom(state)

  const waiter = new WaiterRecord(kind, name, waiterId, leaseId ?? '', value)
  if (leaseId === undefined) {
    waiter.lease = state.grantLease(ttlMs!).id
    waiter.ownsLease = true
  }
  const lock = existing ?? new LockRecord()
  if (existing === undefined) table.set(name, lock)
  state.enqueue(lock, waiter)
  if (busy) return { granted: false, queued: true, lease: waiter.lease }
  lock.queue.shift()
  state.grant(lock, waiter)
  return { granted: true, token: waiter.token, revision: state.pendingRevision, since: waiter.since, lease: waiter.lease }
}

export function applyLockCancel(state: MachineState, check: Checks, command: LockCancelCommand): CommandResults['lockCancel'] {
  const kind = checkKind(command.kind)
  const name = check.name(command.name, 'name')
  const waiterId = check.waiterId(command.waiterId)
  const lock = state.lockRecord(kind, name)
  const waiter = lock === undefined ? undefined : state.findWaiter(lock, waiterId)
  if (waiter === undefined) return { cancelled: false }
  if (waiter.token !== 0) return { cancelled: false, token: waiter.token }
  state.endWaiter(waiter, 'cancelled')
  return { cancelled: true }
}

export function applyLockRelease(state: MachineState, check: Checks, command: LockReleaseCommand): CommandResults['lockRelease'] {
  const kind = checkKind(command.kind)
  const name = check.name(command.name, 'name')
  const token = check.integer(command.token, 'token')
  const holder = state.lockRecord(kind, name)?.holder
  if (holder === undefined || holder.token !== token) return { released: false, revision: state.revision }
  state.endWaiter(holder, 'released')
  return { released: true, revision: state.resultRevision }
}

export function applyElectionProclaim(state: MachineState, check: Checks, command: ElectionProclaimCommand): CommandResults['electionProclaim'] {
  const name = check.name(command.name, 'election name')
  const token = check.integer(command.token, 'token')
  const value = check.value(command.value)
  const holder = state.lockRecord('election', name)?.holder
  if (holder === undefined || holder.token !== token) return { ok: false, revision: state.revision }
  holder.value = value
  state.electionProclaimed(name, holder)
  return { ok: true, revision: state.pendingRevision }
}

/** Expires every TTL key and lease due at `state.now`, in a deterministic order, as one revision. */
export function applyExpire(state: MachineState): CommandResults['expire'] {
  const dueKeys = new Set<string>()
  const dueLeases = new Set<string>()
  for (let top = state.deadlines.peek(); top !== undefined && top.at <= state.now; top = state.deadlines.peek()) {
    state.deadlines.pop()
    if (!state.isLive(top)) continue
    if (top.kind === 'key') dueKeys.add(top.id)
    else dueLeases.add(top.id)
  }
  // Sorted, not heap order: the heap's order of equal deadlines depends on its history.
  let keys = 0
  for (const key of [...dueKeys].sort(compareKeys)) if (state.deleteKey(key, 'expired')) keys++
  const ending = [...dueLeases].sort(compareKeys).flatMap((id) => state.leases.get(id) ?? [])
  // Every due lease leaves the live set before any is ended: otherwise a lock released by an
  // earlier lease went to a waiter whose lease expires later in this same command (granted, then
  // lost within one revision). endWaiter skips waiters whose lease is gone, as it does for a
  // waiter sharing the ending lease.
  for (const lease of ending) state.leases.delete(lease.id)
  for (const lease of ending) state.endLease(lease, 'expired')
  return { revision: state.resultRevision, keys, leases: ending.length }
}
