/**
 * The long fuzz run (`pnpm fuzz` at the root): a million malformed frames (fast-check) against a
 * live node in this process, with progress every 50k frames. Fails (exit 1) when a frame gets an
 * answer that is not a typed error, a connection ends with anything but a protocol close, the node
 * stops answering, or the store's snapshot differs from before. Options (environment):
 * CLUSTRON_FUZZ_FRAMES (default 1000000), CLUSTRON_FUZZ_SEED, CLUSTRON_FUZZ_LANES (default 16).
 */
import fc from 'fast-check'
import { startNode } from '../../src/index.js'
import { inspectNode } from '../../src/internal.js'
import { FuzzDriver, malformedFrame, seedStore } from '../support/fuzz.js'

const frames = Number(process.env.CLUSTRON_FUZZ_FRAMES ?? 1_000_000)
const seed = Number(process.env.CLUSTRON_FUZZ_SEED ?? Date.now() % 2 ** 31)
const lanes = Number(process.env.CLUSTRON_FUZZ_LANES ?? 16)
const progressEvery = Math.min(50_000, Math.max(1_000, Math.floor(frames / 20)))

const node = await startNode({ port: 0 })
const url = `ws://127.0.0.1:${node.port}/v1/client`
await seedStore(url)
const before = inspectNode(node).snapshot('default')
const driver = new FuzzDriver(url, lanes)
const startedAt = performance.now()
let nextReport = progressEvery
let rssMaxBytes = process.memoryUsage().rss
const mb = (bytes: number) => Math.round(bytes / 1_048_576)

console.log(`fuzz: ${frames} frames, ${lanes} connections at a time, seed ${seed} (reproduce: CLUSTRON_FUZZ_SEED=${seed})`)
let failure: unknown
try {
  await fc.assert(
    fc.asyncProperty(fc.array(malformedFrame, { minLength: lanes, maxLength: lanes }), async (cases) => {
      await driver.runBatch(cases)
      if (driver.stats.frames >= nextReport) {
        nextReport += progressEvery
        const seconds = (performance.now() - startedAt) / 1000
        rssMaxBytes = Math.max(rssMaxBytes, process.memoryUsage().rss)
        console.log(
          `fuzz: ${driver.stats.frames}/${frames} frames in ${seconds.toFixed(0)} s (${Math.round(driver.stats.frames / seconds)}/s), ${driver.stats.closed} closes, RSS ${mb(process.memoryUsage().rss)} MB`,
        )
      }
    }),
    { numRuns: Math.ceil(frames / lanes), seed, endOnFailure: true },
  )
} catch (error) {
  failure = error
}
driver.close()
const same = Buffer.from(inspectNode(node).snapshot('default')).equals(Buffer.from(before))
const health = node.health()
await node.close()
const seconds = (performance.now() - startedAt) / 1000
console.log(
  JSON.stringify(
    { frames: driver.stats.frames, seconds: Math.round(seconds), perSecond: Math.round(driver.stats.frames / seconds), closed: driver.stats.closed, results: driver.stats.results, errors: driver.stats.errors, kinds: driver.stats.kinds, rssMaxMB: mb(rssMaxBytes), snapshotIdentical: same, health: health.status },
    null,
    2,
  ),
)
if (failure !== undefined) {
  console.error(`fuzz: FAILED (seed ${seed}):`, failure instanceof Error ? failure.message : failure)
  process.exit(1)
}
if (!same) {
  console.error('fuzz: FAILED: the store snapshot changed')
  process.exit(1)
}
console.log(`fuzz: OK — ${driver.stats.frames} frames, node alive, store byte-identical`)
