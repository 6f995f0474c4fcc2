/**
 * Child process of crash.test.ts (not a test): appends and syncs forever with fsync on, until killed. After each
 * sync() resolves it prints `acked <lastIndex> <term> <commit>`, so the parent knows what must survive SIGKILL.
 * It resumes from whatever is on disk: a new term per run, overwriting a few uncommitted entries first, and a
 * snapshot plus compaction every few batches.
 *
 *   node --import tsx test/storage/crash-writer.ts <directory> <seed>
 */
import { openReplicaStorage } from '../../src/storage/index.js'
import { makeEntries, makeSnapshot, seededRandom } from './support.js'

const [directory, seedText] = process.argv.slice(2)
if (directory === undefined || seedText === undefined) throw new Error('usage: crash-writer.ts <directory> <seed>')
const random = seededRandom(Number(seedText))
const storage = openReplicaStorage(directory, { segmentBytesMax: 4096, syncMode: 'fsync' })
const recovered = await storage.open()
const snapshotIndex = recovered.snapshot?.metadata.index ?? 0
const lastRecovered = recovered.entries[recovered.entries.length - 1]?.index ?? snapshotIndex
const term = recovered.hardState.term + 1
let commit = recovered.hardState.commit
// Terms of the log after the snapshot, to name snapshots by the term of their last entry.
const terms = new Map<number, number>(recovered.entries.map((entry) => [entry.index, entry.term]))
if (recovered.snapshot !== undefined) terms.set(snapshotIndex, recovered.snapshot.metadata.term)
// A new leader may replace uncommitted entries: start up to 3 entries before the end, never at or below commit.
let lastIndex = Math.max(commit, lastRecovered - random(4))
let lastSnapshotIndex = snapshotIndex

for (let batch = 0; ; batch++) {
  const pending: Promise<void>[] = []
  // Two appends with a sync each, the second issued while the first may be in flight (group commit).
  for (let round = 0; round < 2; round++) {
    const entries = makeEntries(lastIndex + 1, 1 + random(12), term, random(200))
    lastIndex += entries.length
    for (const entry of entries) terms.set(entry.index, term)
    const acked = { lastIndex, commit }
    storage.append(entries, { term, vote: 'n1', commit })
    pending.push(storage.sync().then(() => {
      process.stdout.write(`acked ${acked.lastIndex} ${term} ${acked.commit}\n`)
    }))
    commit = Math.max(commit, lastIndex - random(10))
  }
  await Promise.all(pending)
  if (batch % 8 === 7 && commit > 0) {
    const index = commit - random(5)
    const indexTerm = terms.get(index)
    if (indexTerm !== undefined && index > lastSnapshotIndex) {
      await storage.saveSnapshot(makeSnapshot(index, indexTerm))
      lastSnapshotIndex = index
      await storage.compact(Math.max(1, index - random(20)))
    }
  }
}
