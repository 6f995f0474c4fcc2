import { performance } from 'node:perf_hooks'
import { limits } from '../limits.js'
import { ErrorTally, LatencyRecorder, forEachIndex, nowEpochMs } from '../measure.js'
import type { BenchWatch } from '../target.js'
import { measurement, type Workload } from './types.js'

const watchedKey = 'watch/hot'

/** A write carries its send time (epoch ms, float64) and its sequence number (uint32) in its first 12 bytes. */
function encode(sequence: number, valueBytes: number): Uint8Array {
  const value = new Uint8Array(Math.max(12, valueBytes)).fill(97)
  const view = new DataView(value.buffer)
  view.setUint32(8, sequence, true)
  view.setFloat64(0, nowEpochMs(), true)
  return value
}

/**
 * Watch fan-out: `watchers` watches of one key, spread over a few clients, and one writer. The
 * writer puts, waits until every watcher has the value (or a timeout: the rest count as missed),
 * then puts again. An operation is one delivery; its latency is from the write's send time carried
 * in the value to the watcher's callback.
 */
export const watchWorkload: Workload = {
  name: 'watch',
  description: 'watch fan-out: 1 writer, N watchers of one key (latency = send time in value → delivery)',
  needs: ['watch', 'put'],
  preload: false,
  inFlight: (settings) => [settings.watchers],
  valueSizes: (settings) => settings.valueBytes,
  async run(context) {
    const watcherCount = context.inFlight
    const clients = await Promise.all(Array.from({ length: Math.min(limits.watchClientsMax, watcherCount) }, () => context.client()))
    const writer = await context.client()
    const latency = new LatencyRecorder(context.random)
    const errors = new ErrorTally()
    let sequence = 0
    let delivered = 0
    let allDelivered: (() => void) | undefined
    const onValue = (value: Uint8Array) => {
      const view = new DataView(value.buffer, value.byteOffset, value.byteLength)
      latency.record(nowEpochMs() - view.getFloat64(0, true))
      if (view.getUint32(8, true) === sequence && ++delivered === watcherCount) allDelivered?.()
    }
    const watches: BenchWatch[] = []
    const registered = await forEachIndex(watcherCount, 64, performance.now() + limits.cellGraceMs, async (index) => {
      watches.push(await clients[index % clients.length]!.watch!(watchedKey, onValue))
    })
    if (registered < watcherCount) throw new Error(`registered only ${registered} of ${watcherCount} watchers`)
    let missed = 0
    let writes = 0
    let durationMs = 0
    const started = performance.now()
    const deadline = started + context.durationMs
    try {
      while (performance.now() < deadline && sequence < limits.operationsPerCellMax) {
        sequence++
        writes++
        delivered = 0
        const all = new Promise<void>((resolve) => (allDelivered = resolve))
        let timer: NodeJS.Timeout | undefined
        const timeout = new Promise<void>((resolve) => (timer = setTimeout(resolve, limits.watchDeliveryTimeoutMs)))
        try {
          await writer.put(watchedKey, encode(sequence, context.valueBytes))
          await Promise.race([all, timeout])
        } catch (error) {
          errors.add(error)
        } finally {
          clearTimeout(timer)
        }
        missed += watcherCount - delivered
      }
      durationMs = performance.now() - started
    } finally {
      sequence = -1 // late deliveries no longer count
      await Promise.all(watches.map((watch) => watch.close().catch(() => undefined)))
    }
    const extra = { writes, writesPerSecond: durationMs > 0 ? (writes / durationMs) * 1000 : 0, missed }
    return [measurement(context, { workload: 'watch', unit: 'deliveries', extra }, { latency, errors, durationMs })]
  },
}
