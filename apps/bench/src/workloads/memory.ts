import { performance } from 'node:perf_hooks'
import { LatencyRecorder, ErrorTally, loadKeys } from '../measure.js'
import { measurement, type Workload } from './types.js'

/** Keys of the memory workload: fixed width, so their bytes are known. */
const memoryKey = (index: number) => `mem:${index.toString().padStart(8, '0')}`

/**
 * Memory per key, on a fresh instance of the target (a store that served other workloads has grown
 * buffers the new keys could hide in): reads the target's memory (after a GC where it can), loads
 * `memoryKeys` keys of the first value size (a fresh value object per key, so a bare Map pays for
 * its values too), reads it again. Rows: keys/s of the load; extra: heap and RSS growth per key, and the heap
 * growth over the key + value bytes themselves (the store's own overhead). No warm-up.
 */
export const memoryWorkload: Workload = {
  name: 'memory',
  description: 'load N keys, then memory per key (heap and RSS growth of the process holding the store)',
  needs: ['put'],
  needsTargetMemory: true,
  preload: false,
  runsLast: true,
  singleRound: true,
  freshTarget: true,
  inFlight: () => [64],
  valueSizes: (settings) => [settings.valueBytes[0] ?? 100],
  extraTimeMs: 600_000,
  async run(context) {
    if (context.warmup) return []
    const client = await context.client()
    const keys = context.settings.memoryKeys
    const template = new Uint8Array(context.valueBytes).fill(109)
    const before = await context.target.memory!()
    const started = performance.now()
    const errors = new ErrorTally()
    await loadKeys(client, keys, memoryKey, () => template.slice()).catch((error: unknown) => errors.add(error))
    const durationMs = performance.now() - started
    const after = await context.target.memory!()
    const payloadBytes = keys * (memoryKey(0).length + context.valueBytes)
    const extra: Record<string, number> = { keys, rssBytesPerKey: (after.rssBytes - before.rssBytes) / keys, rssMiB: after.rssBytes / 2 ** 20 }
    if (after.heapBytes !== undefined && before.heapBytes !== undefined) {
      const grown = after.heapBytes - before.heapBytes
      extra.heapBytesPerKey = grown / keys
      extra.overheadBytesPerKey = (grown - payloadBytes) / keys
    }
    const result = { latency: new LatencyRecorder(context.random, 1), errors, durationMs }
    return [measurement(context, { workload: 'memory', unit: 'keys', operations: errors.count === 0 ? keys : 0, extra }, result)]
  },
}
