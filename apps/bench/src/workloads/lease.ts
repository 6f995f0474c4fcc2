import { performance } from 'node:perf_hooks'
import { limits } from '../limits.js'
import { closedLoop, forEachIndex } from '../measure.js'
import type { BenchLease } from '../target.js'
import { measurement, type Workload } from './types.js'

/**
 * Leases: grant `leases` leases (not kept alive by the client) with 64 in flight — one row,
 * grants/s — then renew them round-robin for the duration — a second row, renewals/s: how many
 * keep-alives the target absorbs. Revoked afterwards so later workloads do not pay for them.
 * The warm-up pass does the same with a tenth of the leases.
 */
export const leaseWorkload: Workload = {
  name: 'lease',
  description: 'lease grant, then keep-alive renewals round-robin over all leases',
  needs: ['leaseGrant'],
  preload: false,
  rows: ['lease-grant', 'lease-keepalive'],
  inFlight: () => [limits.leaseInFlight],
  valueSizes: () => [0],
  extraTimeMs: 2 * limits.leasePhaseTimeoutMs,
  async run(context) {
    const client = await context.client()
    const count = context.warmup ? Math.ceil(context.settings.leases / 10) : context.settings.leases
    const leases: BenchLease[] = []
    const grants = await closedLoop(
      context.inFlight,
      limits.leasePhaseTimeoutMs,
      context.random,
      async () => leases.push(await client.leaseGrant!(limits.leaseTtlMs)),
      count,
    )
    let next = 0
    const renewals =
      leases.length === 0
        ? grants
        : await closedLoop(context.inFlight, context.durationMs, context.random, () => leases[next++ % leases.length]!.renew())
    let revokeErrors = 0
    const revoked = await forEachIndex(leases.length, context.inFlight, performance.now() + limits.leasePhaseTimeoutMs, (index) =>
      leases[index]!.revoke().catch(() => void revokeErrors++),
    )
    return [
      measurement(context, { workload: 'lease-grant', unit: 'grants', extra: { leases: leases.length } }, grants),
      measurement(context, { workload: 'lease-keepalive', unit: 'renewals', extra: { leases: leases.length, revokeErrors, unrevoked: leases.length - revoked } }, renewals),
    ]
  },
}
