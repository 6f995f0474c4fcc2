import { performance } from 'node:perf_hooks'
import { limits } from '../limits.js'
import { closedLoop } from '../measure.js'
import { measurement, type Workload } from './types.js'

const hotKey = 'cas/hot'

/** The counter lives in the value's first 8 bytes (float64, little-endian); the rest is padding. */
function encode(count: number, valueBytes: number): Uint8Array {
  const value = new Uint8Array(Math.max(8, valueBytes)).fill(97)
  new DataView(value.buffer).setFloat64(0, count, true)
  return value
}

function decode(value: Uint8Array | undefined): number {
  if (value === undefined || value.byteLength < 8) return 0
  return new DataView(value.buffer, value.byteOffset, value.byteLength).getFloat64(0, true)
}

/**
 * Compare-and-swap increments of ONE hot key by every lane: read value and version, write value+1
 * if the version is unchanged, retry on a mismatch. An operation is one successful increment (its
 * latency includes its retries). At the end the counter must have grown by exactly the number of
 * successes: `lostUpdates` > 0 means the target's CAS is broken.
 */
export const casWorkload: Workload = {
  name: 'cas',
  description: 'CAS increment loop on one hot key (get + put ifVersion, retry on mismatch)',
  needs: ['getWithVersion', 'putIfVersion'],
  preload: false,
  inFlight: (settings) => settings.inFlight,
  valueSizes: (settings) => settings.valueBytes,
  async run(context) {
    const client = await context.client()
    const getWithVersion = client.getWithVersion!.bind(client)
    const putIfVersion = client.putIfVersion!.bind(client)
    const start = decode((await getWithVersion(hotKey)).value)
    const deadline = performance.now() + context.durationMs
    let retries = 0
    const result = await closedLoop(context.inFlight, context.durationMs, context.random, async () => {
      for (let attempt = 0; attempt < limits.casAttemptsMax; attempt++) {
        const current = await getWithVersion(hotKey)
        if (await putIfVersion(hotKey, encode(decode(current.value) + 1, context.valueBytes), current.version)) return true
        retries++
        // Out of time while contending: the increment never happened, so it is not an operation.
        if (performance.now() >= deadline) return false
      }
      throw new Error(`no successful CAS after ${limits.casAttemptsMax} attempts`)
    })
    const successes = result.latency.count
    const grown = decode((await getWithVersion(hotKey)).value) - start
    const extra = { retries, retriesPerIncrement: successes === 0 ? 0 : retries / successes, lostUpdates: successes - grown }
    return [measurement(context, { workload: 'cas', unit: 'increments', extra }, result)]
  },
}
