/**
 * Workload on locks and leases. A lock session acquires (try, or queue and wait), then as holder
 * writes with its fencing token, reads the holder, renews its lease or lets it lapse, and releases
 * (or abandons the lock to its lease). Lease expiry is recorded by the simulator as an explicit
 * `expire` operation from the committed history, so the lock model can check mutual exclusion of
 * grants, strictly increasing tokens and that fenced writes fail after the lock was lost.
 *
 * A lease session grants a lease, binds keys to it (register operations on the lease keys), renews
 * it for a while, then revokes it or lets it expire; the keys' deletion is what the checker sees.
 */
import type { LockAcquireResult } from '@clustron/core/internal'
import type { LockInput, LockOutput } from '../checker/index.js'
import type { SimClient } from './client.js'
import type { PendingOperation } from './histories.js'
import { encode, settle } from './workload-keys.js'
import type { Workload } from './workload.js'

export const lockNames = ['L0', 'L1']

export function fenceKey(name: string): string {
  return `f/${name}`
}

interface Holding {
  name: string
  token: number
  lease: string
}

export async function lockOperation(client: SimClient, workload: Workload): Promise<void> {
  const random = client.random
  const name = random.pick(lockNames)
  if (random.chance(0.2)) {
    await holderRead(client, workload, name)
    return
  }
  const holding = await acquire(client, workload, name)
  if (holding !== undefined) await hold(client, workload, holding)
}

async function holderRead(client: SimClient, workload: Workload, name: string): Promise<void> {
  const pending = workload.histories.lock.begin(client.id, { type: 'holder', name }, client.now())
  const outcome = await client.read({ type: 'lockHolder', kind: 'lock', name })
  settle(pending, outcome, client, (holder): LockOutput => ({ holder: holder === undefined ? undefined : { token: holder.token } }))
}

/** Acquires `name`; resolves with the grant once known, undefined when not granted or unknown. */
async function acquire(client: SimClient, workload: Workload, name: string): Promise<Holding | undefined> {
  const random = client.random
  const waiterId = client.nextId()
  const ttlMs = random.int(300, 2_500)
  const wait = random.chance(0.5)
  const pending = workload.histories.lock.begin(client.id, { type: 'acquire', name }, client.now())
  const outcome = await client.write({ type: 'lockAcquire', kind: 'lock', name, waiterId, ttlMs, wait })
  if (outcome.kind !== 'ok') {
    settle(pending, outcome, client, (): LockOutput => ({ granted: false }))
    return undefined
  }
  const result = outcome.value
  if (result.granted === true) return granted(client, pending, name, result)
  if (!result.queued) {
    pending.complete({ granted: false }, client.now())
    return undefined
  }
  return awaitGrant(client, workload, pending, name, waiterId, result.lease, ttlMs)
}

function granted(client: SimClient, pending: PendingOperation<LockInput, LockOutput>, name: string, result: LockAcquireResult & { granted: true }): Holding {
  pending.complete({ granted: true, token: result.token }, client.now())
  return { name, token: result.token, lease: result.lease }
}

/**
 * Waits in the queue: polls its place with linearizable reads and keeps its lease alive, then
 * cancels. Whenever the waiter's fate cannot be known (its lease lapsed, a write's outcome is
 * unknown), the acquire is recorded as unknown: it may have been granted with a token nobody saw.
 */
async function awaitGrant(client: SimClient, workload: Workload, pending: PendingOperation<LockInput, LockOutput>, name: string, waiterId: string, lease: string, ttlMs: number): Promise<Holding | undefined> {
  const random = client.random
  const giveUpAt = client.now() + random.int(200, 3_000)
  let renewedAt = client.now()
  while (client.now() < giveUpAt && workload.active) {
    await client.sleep(random.int(30, 200))
    const place = await client.read({ type: 'lockWaiter', kind: 'lock', name, waiterId })
    if (place.kind !== 'ok') continue
    if (place.value.state === 'holding') return granted(client, pending, name, { granted: true, token: place.value.token, revision: 0, since: place.value.since, lease: place.value.lease })
    if (place.value.state === 'absent') {
      pending.unknown()
      return undefined
    }
    if (client.now() - renewedAt > ttlMs / 3) {
      const renewal = await client.write({ type: 'leaseRenew', id: lease })
      if (renewal.kind === 'ok') renewedAt = client.now()
    }
  }
  const cancel = await client.write({ type: 'lockCancel', kind: 'lock', name, waiterId })
  if (cancel.kind !== 'ok') {
    pending.unknown()
    return undefined
  }
  if (cancel.value.cancelled) {
    pending.complete({ granted: false }, client.now())
    return undefined
  }
  if (cancel.value.token === undefined) {
    pending.unknown()
    return undefined
  }
  return granted(client, pending, name, { granted: true, token: cancel.value.token, revision: 0, since: 0, lease })
}

/** As holder: fenced writes, a holder read, lease renewals (or not), then release or abandon. */
async function hold(client: SimClient, workload: Workload, holding: Holding): Promise<void> {
  const random = client.random
  const history = workload.histories.lock
  const renews = random.chance(0.7)
  const steps = random.int(0, 4)
  for (let step = 0; step < steps && workload.active; step++) {
    await client.sleep(random.int(10, 400))
    if (random.chance(0.2)) {
      await holderRead(client, workload, holding.name)
      continue
    }
    const pending = history.begin(client.id, { type: 'fenced-write', name: holding.name, token: holding.token }, client.now())
    const outcome = await client.write({ type: 'put', key: fenceKey(holding.name), value: encode(client.nextId()), fence: { name: holding.name, token: holding.token } })
    settle(pending, outcome, client, (result): LockOutput => (result.ok ? { ok: true } : { ok: false, reason: 'fenced' }))
    if (renews) await client.write({ type: 'leaseRenew', id: holding.lease })
  }
  if (random.chance(0.15) && workload.active) return // abandoned: its lease will expire
  const pending = history.begin(client.id, { type: 'release', name: holding.name, token: holding.token }, client.now())
  const outcome = await client.write({ type: 'lockRelease', kind: 'lock', name: holding.name, token: holding.token })
  settle(pending, outcome, client, (result): LockOutput => ({ released: result.released }))
}

export async function leaseOperation(client: SimClient, workload: Workload): Promise<void> {
  const random = client.random
  const current = workload.leaseOf(client)
  if (current === undefined) {
    const grant = await client.write({ type: 'leaseGrant', ttlMs: random.int(200, 2_000) })
    if (grant.kind === 'ok') workload.setLease(client, grant.value.id)
    return
  }
  const choice = random.next()
  if (choice < 0.6) {
    const renewal = await client.write({ type: 'leaseRenew', id: current })
    if (renewal.kind === 'refused') workload.setLease(client, undefined)
  } else if (choice < 0.8) {
    await client.write({ type: 'leaseRevoke', id: current })
    workload.setLease(client, undefined)
  } else {
    workload.setLease(client, undefined) // forgotten: it expires on its own
  }
}
