import { performance } from 'node:perf_hooks'
import { limits } from '../limits.js'
import { ErrorTally, LatencyRecorder } from '../measure.js'
import type { BenchClient } from '../target.js'
import { measurement, type Workload } from './types.js'

/**
 * Lock handoff: `contenders` clients (one connection each) loop acquire → release on ONE lock.
 * An operation is one acquisition; its latency is the handoff: from the moment the previous holder
 * called release to the moment the next holder's acquire resolved. `overlaps` counts grants while
 * another contender still held the lock (must be 0).
 */
export const lockWorkload: Workload = {
  name: 'lock',
  description: 'lock handoff between contenders on one lock (latency = release → next holder granted)',
  needs: ['lock'],
  preload: false,
  inFlight: (settings) => [settings.contenders],
  valueSizes: () => [0],
  async run(context) {
    const clients = await Promise.all(Array.from({ length: context.inFlight }, () => context.client()))
    const name = `bench-lock-${context.round}`
    const handoff = new LatencyRecorder(context.random)
    const errors = new ErrorTally()
    const started = performance.now()
    const deadline = started + context.durationMs
    let releasedAt: number | undefined
    let holding = false
    let acquisitions = 0
    let overlaps = 0
    const contender = async (client: BenchClient) => {
      while (performance.now() < deadline && acquisitions < limits.operationsPerCellMax) {
        let lock
        try {
          lock = await client.lock!(name, limits.lockWaitMs)
        } catch (error) {
          errors.add(error)
          await new Promise((resolve) => setImmediate(resolve))
          continue
        }
        const grantedAt = performance.now()
        if (holding) overlaps++
        holding = true
        acquisitions++
        if (releasedAt !== undefined) handoff.record(grantedAt - releasedAt)
        holding = false
        releasedAt = performance.now()
        await lock.release().catch((error: unknown) => errors.add(error))
      }
    }
    await Promise.all(clients.map(contender))
    const result = { latency: handoff, errors, durationMs: performance.now() - started }
    return [measurement(context, { workload: 'lock', unit: 'acquisitions', operations: acquisitions, extra: { overlaps } }, result)]
  },
}
