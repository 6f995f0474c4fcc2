import { InvalidArgumentError } from '../errors.js'
import { compareKeys } from '../keys.js'
import { collectRange } from './apply-kv.js'
import type { MachineState } from './state.js'
import type { LockKind, Query, QueryResults, RawEntry } from './types.js'
import type { Checks } from './validate.js'

/**
 * Reads of one replica's state. They change nothing; values in the returned entries are views into
 * the arena, valid until the caller returns to the event loop (copy to keep).
 */
export function runQuery(state: MachineState, check: Checks, query: Query, now: number): QueryResults[Query['type']] {
  switch (query.type) {
    case 'get':
      return get(state, check.key(query.key))
    case 'getMany':
      return getMany(state, check, query.keys)
    case 'list':
      return list(state, check, query)
    case 'count': {
      const range = check.range(query.prefix, query.start, query.end)
      return range.prefix === undefined
        ? state.sorted.countRange(range.start, range.end)
        : collectRange(state, range.start, range.end, range.prefix).length
    }
    case 'ttl': {
      const record = state.records.get(check.key(query.key))
      if (record === undefined) return undefined
      return record.expiresAt === 0 ? Number.POSITIVE_INFINITY : Math.max(0, record.expiresAt - now)
    }
    case 'leaseInfo': {
      const lease = typeof query.id === 'string' ? state.leases.get(query.id) : undefined
      if (lease === undefined) return undefined
      return { id: lease.id, ttlMs: lease.ttlMs, remainingMs: Math.max(0, lease.expiresAt - now), keys: [...lease.keys].sort(compareKeys) }
    }
    case 'leaseList':
      // Sorted: the Map's order is insertion order on a replica that applied the grants but id order
      // on one restored from a snapshot (written canonically), so replicas disagreed on the answer.
      // Found by the simulator's whole-state comparison (regression: `pnpm sim --seed 78`, in the CI seed range).
      return [...state.leases.keys()].sort(compareKeys)
    case 'lockHolder': {
      const holder = state.locks[checkKind(query.kind)].get(check.name(query.name, 'name'))?.holder
      return holder === undefined ? undefined : { token: holder.token, since: holder.since, lease: holder.lease }
    }
    case 'lockWaiter':
      return lockWaiter(state, checkKind(query.kind), check.name(query.name, 'name'), check.waiterId(query.waiterId))
    case 'electionLeader': {
      const holder = state.locks.election.get(check.name(query.name, 'election name'))?.holder
      return holder === undefined
        ? { revision: state.revision }
        : { leader: { value: holder.value ?? new Uint8Array(0), token: holder.token }, revision: state.revision }
    }
    case 'status':
      return status(state)
    default:
      throw new InvalidArgumentError(`unknown query '${String((query as { type?: unknown }).type)}'`)
  }
}

export function get(state: MachineState, key: string): RawEntry | undefined {
  const record = state.records.get(key)
  return record === undefined ? undefined : state.entry(key, record)
}

function getMany(state: MachineState, check: Checks, keys: unknown): (RawEntry | undefined)[] {
  if (!Array.isArray(keys)) throw new InvalidArgumentError('keys must be an array of strings')
  check.batch(keys.length, 'getMany')
  for (const key of keys) check.key(key)
  return (keys as string[]).map((key) => get(state, key))
}

function list(state: MachineState, check: Checks, query: Extract<Query, { type: 'list' }>): QueryResults['list'] {
  const range = check.range(query.prefix, query.start, query.end)
  const limitMax = state.limits.listLimitMax
  const limit = query.limit ?? limitMax
  if (typeof limit !== 'number' || !Number.isInteger(limit) || limit < 1 || limit > limitMax) {
    throw new InvalidArgumentError(`limit must be an integer in [1, ${limitMax}]; use scan() to page through more`)
  }
  const prefix = range.prefix
  const entries: RawEntry[] = []
  let more = false
  const take = (key: string): boolean => {
    if (entries.length === limit) {
      more = true
      return false
    }
    const entry = state.entry(key, state.records.get(key)!)
    if (query.keysOnly === true) entry.value = empty
    entries.push(entry)
    return true
  }
  if (query.reverse === true) {
    // Without a finite end, keys above the prefix's run are skipped on the way down to it.
    state.sorted.forEachDescending(range.start, range.end, (key) => (prefix !== undefined && !key.startsWith(prefix) ? true : take(key)))
  } else {
    state.sorted.forEachAscending(range.start, range.end, (key) => (prefix !== undefined && !key.startsWith(prefix) ? false : take(key)))
  }
  return { entries, more, revision: state.revision }
}

const empty = new Uint8Array(0)

function lockWaiter(state: MachineState, kind: LockKind, name: string, waiterId: string): QueryResults['lockWaiter'] {
  const lock = state.locks[kind].get(name)
  if (lock === undefined) return { state: 'absent' }
  if (lock.holder?.waiterId === waiterId) {
    return { state: 'holding', token: lock.holder.token, since: lock.holder.since, lease: lock.holder.lease }
  }
  const position = lock.queue.findIndex((waiter) => waiter.waiterId === waiterId)
  return position < 0 ? { state: 'absent' } : { state: 'queued', position, lease: lock.queue[position]!.lease }
}

function status(state: MachineState): QueryResults['status'] {
  let lockWaiters = 0
  let locks = 0
  for (const lock of state.locks.lock.values()) {
    lockWaiters += lock.queue.length
    if (lock.holder !== undefined) locks++
  }
  let elections = 0
  for (const election of state.locks.election.values()) {
    lockWaiters += election.queue.length
    if (election.holder !== undefined) elections++
  }
  return {
    revision: state.revision,
    compactRevision: state.history.compactRevision,
    keys: state.records.size,
    leases: state.leases.size,
    locks,
    elections,
    lockWaiters,
  }
}

function checkKind(kind: unknown): LockKind {
  if (kind !== 'lock' && kind !== 'election') throw new InvalidArgumentError(`lock kind must be 'lock' or 'election'`)
  return kind
}
