import { randomBytes } from 'node:crypto'
import { existsSync } from 'node:fs'
import { rename, rm, stat } from 'node:fs/promises'
import { basename, dirname, join, resolve } from 'node:path'
import type { Store } from '@clustron/client'
import { argument, flag, integerOption, stringOption, type CommandSpec, type Context } from '../command.js'
import { CliFailure, exitCodes, UsageError } from '../exit-codes.js'
import { formatBytes, formatCount } from '../format.js'
import { packageVersion } from '../version.js'
import { ProgressBar } from '../progress.js'
import { SnapshotReader, SnapshotWriter, snapshotFormat, snapshotVersion, type ReadEntry } from './snapshot-file.js'

/** Keys per page read while saving. */
const savePageKeys = 1_000
/** Keys per putMany while restoring (--batch), and the JSON bytes after which a batch is sent early. */
const restoreBatchKeysDefault = 500
const restoreBatchBytesMax = 512 * 1024

export const snapshotGroup = {
  name: 'snapshot',
  summary: 'logical backup and restore of keys',
  description:
    'A snapshot is a logical backup of the keys and values (JSON Lines with a sha256 checksum), not\nof leases, locks or elections: keys bound to a lease are saved as plain keys, keys with a TTL keep\ntheir expiry time. For a point-in-time copy of a node, back up its data directory instead.',
}

class Interrupted extends Error {}

export const snapshotSaveCommand: CommandSpec = {
  path: ['snapshot', 'save'],
  summary: 'save every key and value to a file',
  args: [{ name: '<file>', required: true }],
  options: {
    prefix: { type: 'string', value: '<prefix>', help: 'only keys starting with this' },
    force: { type: 'boolean', help: 'replace <file> if it exists' },
  },
  description:
    'Reads the store page by page (1000 keys per read) with a progress bar. Each page is consistent;\nif keys change while saving, the file is not one point in time and clustron says so (the\nheader and trailer record the first and last revision read). The file appears only when\ncomplete (written to a temporary name, then renamed).',
  examples: ['clustron snapshot save backup.jsonl', 'clustron snapshot save config.jsonl --prefix config/ --force', 'clustron --url clustron://db1:7861/orders snapshot save orders.jsonl --json'],
  handlesInterrupt: true,
  async run(context) {
    const path = resolve(context.io.cwd, argument(context, 0))
    if (existsSync(path) && !flag(context, 'force')) throw new UsageError(`${argument(context, 0)} exists; pass --force to replace it`)
    const prefix = stringOption(context, 'prefix') ?? ''
    const store = await context.store()
    const temporary = join(dirname(path), `.${basename(path)}.${randomBytes(4).toString('hex')}.partial`)
    const writer = new SnapshotWriter(temporary)
    try {
      const saved = await saveTo(context, store, writer, prefix)
      await rename(temporary, path)
      report(context, { file: argument(context, 0), keys: writer.keys, bytes: writer.bytes, ...saved })
      return exitCodes.ok
    } catch (error) {
      await writer.abort()
      await rm(temporary, { force: true })
      if (error instanceof Interrupted) return exitCodes.interrupted
      throw error
    }
  },
}

async function saveTo(context: Context, store: Store, writer: SnapshotWriter, prefix: string): Promise<{ store: string; revision: number; endRevision: number; sha256: string }> {
  const status = await store.status()
  const total = await store.count({ prefix })
  const bar = new ProgressBar(context.io, 'saving', total, (done, all) => `${formatCount(done)}/${formatCount(all)} keys`)
  let revision: number | undefined
  let endRevision = 0
  let start = prefix
  pages: for (;;) {
    if (context.signal.aborted) throw new Interrupted()
    const page = await store.list({ start, limit: savePageKeys })
    if (revision === undefined) {
      revision = page.revision
      await writer.header({ format: snapshotFormat, version: snapshotVersion, store: status.store, revision, createdAt: new Date().toISOString(), tool: `@clustron/cli ${packageVersion()}` })
    }
    endRevision = Math.max(endRevision, page.revision)
    for (const entry of page.entries) {
      if (!entry.key.startsWith(prefix)) break pages
      // Lease-free: the key is saved, its lease is not (leases belong to live clients).
      await writer.entry(entry.expiresAt === undefined ? { key: entry.key, value: entry.value } : { key: entry.key, value: entry.value, expiresAt: entry.expiresAt })
    }
    bar.total = Math.max(total, writer.keys)
    bar.update(writer.keys)
    if (!page.more || page.entries.length === 0) break
    start = page.entries[page.entries.length - 1]!.key + '\u0000'
  }
  bar.finish()
  const sha256 = await writer.finish(endRevision)
  return { store: status.store, revision: revision!, endRevision, sha256 }
}

function report(context: Context, saved: { file: string; keys: number; bytes: number; store: string; revision: number; endRevision: number; sha256: string }): void {
  const consistent = saved.revision === saved.endRevision
  if (context.globals.json) {
    context.printJson({ ...saved, consistent })
    return
  }
  context.print(`saved ${formatCount(saved.keys)} keys of store '${saved.store}' at revision ${saved.revision} to ${saved.file} (${formatBytes(saved.bytes)}, sha256 ${saved.sha256.slice(0, 16)}…)`)
  if (!consistent) context.warn(`keys changed while saving (revisions ${saved.revision} to ${saved.endRevision}): the file is not one point in time`)
}

export const snapshotRestoreCommand: CommandSpec = {
  path: ['snapshot', 'restore'],
  summary: 'verify a snapshot file, then write its keys',
  args: [{ name: '<file>', required: true }],
  options: {
    batch: { type: 'string', value: '<n>', help: `keys per atomic putMany (default ${restoreBatchKeysDefault})` },
  },
  description:
    'First reads the whole file and checks its header, its key count and its sha256 checksum: a\nchanged or truncated file is refused (CORRUPT, exit 4) before anything is written. Then writes\nthe keys in batches (each batch atomic, one revision) with a progress bar. Keys in the file\nreplace keys of the same name; other keys are left as they are. Keys saved with a TTL get\nwhat is left of it; those already expired are skipped. Leases are not restored.',
  examples: ['clustron snapshot restore backup.jsonl', 'clustron --url clustron://new-cluster:7861/default snapshot restore backup.jsonl --batch 1000'],
  handlesInterrupt: true,
  async run(context) {
    const file = argument(context, 0)
    const batchKeys = integerOption(context, 'batch', { min: 1 }) ?? restoreBatchKeysDefault
    const reader = new SnapshotReader(resolve(context.io.cwd, file))
    const size = (await stat(reader.path)).size
    const verifying = new ProgressBar(context.io, 'verifying', size, (done, all) => `${formatBytes(done)}/${formatBytes(all)}`)
    const { header, trailer } = await reader.verify((bytes) => verifying.update(bytes))
    verifying.finish()
    const store = await context.store()
    const bar = new ProgressBar(context.io, 'restoring', trailer.keys, (done, all) => `${formatCount(done)}/${formatCount(all)} keys`)
    const counts = { restored: 0, expired: 0 }
    try {
      await restoreEntries(context, store, reader.entries(), batchKeys, counts, () => bar.update(counts.restored + counts.expired))
    } catch (error) {
      bar.clear()
      if (error instanceof Interrupted) {
        context.warn(`interrupted: ${formatCount(counts.restored)} of ${formatCount(trailer.keys)} keys were restored`)
        return exitCodes.interrupted
      }
      if (error instanceof CliFailure && error.code === 'CORRUPT') {
        throw new CliFailure('CORRUPT', `${file} changed while it was being restored (${formatCount(counts.restored)} keys were written): ${error.message}`)
      }
      throw error
    }
    bar.finish()
    if (context.globals.json) {
      context.printJson({ file, keys: trailer.keys, restored: counts.restored, expired: counts.expired, store: header.store, revision: header.revision, sha256: trailer.sha256 })
    } else {
      const skipped = counts.expired === 0 ? '' : ` (${formatCount(counts.expired)} expired keys skipped)`
      context.print(`restored ${formatCount(counts.restored)} keys from ${file}${skipped}; saved from store '${header.store}' at revision ${header.revision} on ${header.createdAt}`)
    }
    return exitCodes.ok
  },
}

async function restoreEntries(context: Context, store: Store, entries: AsyncIterable<ReadEntry>, batchKeys: number, counts: { restored: number; expired: number }, progress: () => void): Promise<void> {
  let batch: [string, unknown][] = []
  let batchBytes = 0
  const flush = async () => {
    if (batch.length === 0) return
    await store.putMany(batch)
    counts.restored += batch.length
    batch = []
    batchBytes = 0
    progress()
  }
  for await (const entry of entries) {
    if (context.signal.aborted) throw new Interrupted()
    if (entry.expiresAt !== undefined) {
      const ttlMs = Math.ceil(entry.expiresAt - Date.now())
      if (ttlMs <= 0) counts.expired++
      else {
        await store.put(entry.key, entry.value, { ttlMs })
        counts.restored++
      }
      progress()
      continue
    }
    batch.push([entry.key, entry.value])
    batchBytes += entry.lineBytes
    if (batch.length >= batchKeys || batchBytes >= restoreBatchBytesMax) await flush()
  }
  await flush()
}
