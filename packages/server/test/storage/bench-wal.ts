/**
 * Micro-benchmark of the WAL (not a test): entries of 100 B appended in batches of 1, 16 and 256, one sync()
 * per batch, with syncMode 'none' (the cost without the disk flush) and then with fsync on; then 64 concurrent
 * writers of one entry each, to show group commit.
 *
 *   cd packages/server && npx tsx test/storage/bench-wal.ts [--seconds 2] [--directory /path/on/the/disk/to/test]
 */
import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { parseArgs } from 'node:util'
import type { Entry } from '@clustron/raft'
import { openReplicaStorage, type ReplicaStorage } from '../../src/storage/index.js'

const ENTRY_BYTES = 100
const { values } = parseArgs({ options: { seconds: { type: 'string', default: '2' }, directory: { type: 'string' } } })
const durationMs = Number(values.seconds) * 1000
const parent = values.directory ?? tmpdir()

interface Result {
  scenario: string
  entries: number
  syncs: number
  elapsedMs: number
  syncDurationsMs: number[]
}

function entriesFrom(first: number, count: number, payload: Uint8Array): Entry[] {
  return Array.from({ length: count }, (_, offset) => ({ index: first + offset, term: 1, type: 'normal' as const, data: payload }))
}

async function withStorage(syncMode: 'fsync' | 'none', body: (storage: ReplicaStorage) => Promise<Result>): Promise<Result> {
  const directory = await mkdtemp(join(parent, 'clustron-bench-wal-'))
  const storage = openReplicaStorage(directory, { syncMode })
  await storage.open()
  try {
    return await body(storage)
  } finally {
    await storage.close()
    await rm(directory, { recursive: true, force: true })
  }
}

/** One writer: append `batch` entries, await sync(), repeat for durationMs. */
function sequential(batch: number, syncMode: 'fsync' | 'none'): Promise<Result> {
  return withStorage(syncMode, async (storage) => {
    const payload = new Uint8Array(ENTRY_BYTES).fill(7)
    const durations: number[] = []
    let next = 1
    const startedMs = performance.now()
    while (performance.now() - startedMs < durationMs) {
      storage.append(entriesFrom(next, batch, payload), { term: 1, vote: 'n1', commit: next - 1 })
      next += batch
      const syncStartedMs = performance.now()
      await storage.sync()
      durations.push(performance.now() - syncStartedMs)
    }
    return { scenario: `batch ${batch} (${syncMode})`, entries: next - 1, syncs: storage.stats().syncs, elapsedMs: performance.now() - startedMs, syncDurationsMs: durations }
  })
}

/** `writers` concurrent loops, each appending one entry and awaiting sync(): group commit batches them. */
function concurrent(writers: number): Promise<Result> {
  return withStorage('fsync', async (storage) => {
    const payload = new Uint8Array(ENTRY_BYTES).fill(7)
    const durations: number[] = []
    let next = 1
    const startedMs = performance.now()
    const writer = async (): Promise<void> => {
      while (performance.now() - startedMs < durationMs) {
        storage.append(entriesFrom(next, 1, payload), undefined)
        next++
        const syncStartedMs = performance.now()
        await storage.sync()
        durations.push(performance.now() - syncStartedMs)
      }
    }
    await Promise.all(Array.from({ length: writers }, writer))
    return { scenario: `${writers} writers x 1 (fsync)`, entries: next - 1, syncs: storage.stats().syncs, elapsedMs: performance.now() - startedMs, syncDurationsMs: durations }
  })
}

function percentile(values: number[], fraction: number): number {
  const sorted = [...values].sort((left, right) => left - right)
  return sorted[Math.min(sorted.length - 1, Math.floor(sorted.length * fraction))] ?? 0
}

function row(result: Result): string {
  const seconds = result.elapsedMs / 1000
  return [
    result.scenario.padEnd(24),
    Math.round(result.entries / seconds).toLocaleString('en-US').padStart(12),
    Math.round(result.syncs / seconds).toLocaleString('en-US').padStart(10),
    ((result.entries * ENTRY_BYTES) / seconds / 1e6).toFixed(1).padStart(8),
    percentile(result.syncDurationsMs, 0.5).toFixed(2).padStart(10),
    percentile(result.syncDurationsMs, 0.99).toFixed(2).padStart(10),
  ].join(' ')
}

console.log(`WAL micro-benchmark: ${ENTRY_BYTES} B entries, ${durationMs / 1000} s per scenario, directory under ${parent}, Node ${process.version}`)
console.log(['scenario'.padEnd(24), 'appends/s'.padStart(12), 'fsyncs/s'.padStart(10), 'MB/s'.padStart(8), 'p50 ms'.padStart(10), 'p99 ms'.padStart(10)].join(' '))
// 'none' first: the flushes of the fsync scenarios leave the disk busy for a while and would slow it down.
for (const batch of [1, 16, 256]) console.log(row(await sequential(batch, 'none')))
for (const batch of [1, 16, 256]) console.log(row(await sequential(batch, 'fsync')))
console.log(row(await concurrent(64)))
