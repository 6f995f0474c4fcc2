/**
 * Snapshot files: `snap/<index>-<term>.snap` (both 16 decimal digits), written to `<name>.tmp`, fsynced,
 * renamed, and the directory fsynced, so a snapshot file under its final name is always complete.
 *
 *   0  magic 'CLSN' u32 | 4 version u16 | 6 reserved u16 | 8 metadataBytes u32 | 12 dataBytes u64
 *   20 dataCrc32 u32 | 24 headerCrc32 u32 (of bytes 0..24 and the metadata) | 28 metadata (JSON) | data
 */
import { open, readFile, rename, rm } from 'node:fs/promises'
import { join } from 'node:path'
import type { ConfState, Snapshot } from '@clustron/raft'
import { crc32 } from './crc32.js'
import { ReplicaStorageCorruptError } from './errors.js'
import { fsyncDirectory, writeFully, type SyncMode } from './files.js'

/** 'CLSN' as a little-endian u32. */
const SNAPSHOT_MAGIC = 0x4e534c43
const SNAPSHOT_FORMAT_VERSION = 1
const SNAPSHOT_HEADER_BYTES = 28
const TWO_TO_THE_32 = 0x1_0000_0000
const INDEX_DIGITS = 16

export const SNAPSHOT_NAME_PATTERN = /^(\d{16})-(\d{16})\.snap$/
export const TEMPORARY_SUFFIX = '.tmp'

export interface SnapshotFileName {
  name: string
  index: number
  term: number
}

export function snapshotFileName(index: number, term: number): string {
  return `${String(index).padStart(INDEX_DIGITS, '0')}-${String(term).padStart(INDEX_DIGITS, '0')}.snap`
}

export function parseSnapshotFileName(name: string): SnapshotFileName | undefined {
  const match = SNAPSHOT_NAME_PATTERN.exec(name)
  if (match === null) return undefined
  return { name, index: Number(match[1]), term: Number(match[2]) }
}

/** Newest first: a higher index, then a higher term (two snapshots at one index can only differ after a bug). */
export function compareSnapshotsNewestFirst(left: SnapshotFileName, right: SnapshotFileName): number {
  return right.index - left.index || right.term - left.term
}

function encodeHeader(snapshot: Snapshot): Buffer {
  const { index, term, confState } = snapshot.metadata
  const metadata = Buffer.from(JSON.stringify({ index, term, voters: confState.voters, learners: confState.learners }), 'utf8')
  const header = Buffer.alloc(SNAPSHOT_HEADER_BYTES + metadata.length)
  header.writeUInt32LE(SNAPSHOT_MAGIC, 0)
  header.writeUInt16LE(SNAPSHOT_FORMAT_VERSION, 4)
  header.writeUInt32LE(metadata.length, 8)
  const dataBytes = snapshot.data.byteLength
  header.writeUInt32LE(dataBytes % TWO_TO_THE_32, 12)
  header.writeUInt32LE(Math.floor(dataBytes / TWO_TO_THE_32), 16)
  header.writeUInt32LE(crc32(snapshot.data), 20)
  metadata.copy(header, SNAPSHOT_HEADER_BYTES)
  header.writeUInt32LE(crc32(metadata, crc32(header.subarray(0, 24))), 24)
  return header
}

/** Writes the snapshot durably under its final name (see the file comment) and returns that name. */
export async function writeSnapshotFile(directory: string, snapshot: Snapshot, syncMode: SyncMode): Promise<string> {
  const name = snapshotFileName(snapshot.metadata.index, snapshot.metadata.term)
  const temporaryPath = join(directory, name + TEMPORARY_SUFFIX)
  const header = encodeHeader(snapshot)
  const handle = await open(temporaryPath, 'w')
  try {
    await writeFully(handle, header, 0)
    await writeFully(handle, snapshot.data, header.length)
    if (syncMode === 'fsync') await handle.datasync()
  } catch (error) {
    await handle.close().catch(() => undefined)
    await rm(temporaryPath, { force: true }).catch(() => undefined)
    throw error
  }
  await handle.close()
  await rename(temporaryPath, join(directory, name))
  await fsyncDirectory(directory, syncMode)
  return name
}

/** Reads and verifies a snapshot file; throws ReplicaStorageCorruptError naming the file and the bad offset. */
export async function readSnapshotFile(path: string, expected: SnapshotFileName): Promise<Snapshot> {
  const bytes = await readFile(path)
  const corrupt = (offsetBytes: number, reason: string): ReplicaStorageCorruptError => new ReplicaStorageCorruptError(path, offsetBytes, reason)
  if (bytes.length < SNAPSHOT_HEADER_BYTES) throw corrupt(0, `snapshot file of ${bytes.length} bytes is shorter than its header`)
  if (bytes.readUInt32LE(0) !== SNAPSHOT_MAGIC) throw corrupt(0, 'not a snapshot file (bad magic)')
  const version = bytes.readUInt16LE(4)
  if (version !== SNAPSHOT_FORMAT_VERSION) throw corrupt(4, `unsupported snapshot format version ${version} (this build reads ${SNAPSHOT_FORMAT_VERSION})`)
  const metadataBytes = bytes.readUInt32LE(8)
  const dataStart = SNAPSHOT_HEADER_BYTES + metadataBytes
  if (dataStart > bytes.length) throw corrupt(8, `metadata of ${metadataBytes} bytes runs past the end of the file`)
  const headerCrc = crc32(bytes.subarray(SNAPSHOT_HEADER_BYTES, dataStart), crc32(bytes.subarray(0, 24)))
  if (headerCrc !== bytes.readUInt32LE(24)) throw corrupt(0, 'snapshot header checksum mismatch')
  const dataBytes = bytes.readUInt32LE(12) + bytes.readUInt32LE(16) * TWO_TO_THE_32
  if (dataStart + dataBytes !== bytes.length) {
    throw corrupt(dataStart, `snapshot file is ${bytes.length} bytes, its header says ${dataStart + dataBytes}`)
  }
  const data = new Uint8Array(bytes.buffer, bytes.byteOffset + dataStart, dataBytes)
  if (crc32(data) !== bytes.readUInt32LE(20)) throw corrupt(dataStart, 'snapshot data checksum mismatch')
  const metadata = parseMetadata(bytes.toString('utf8', SNAPSHOT_HEADER_BYTES, dataStart))
  if (metadata === undefined) throw corrupt(SNAPSHOT_HEADER_BYTES, 'snapshot metadata is not valid')
  if (metadata.index !== expected.index || metadata.term !== expected.term) {
    throw corrupt(SNAPSHOT_HEADER_BYTES, `snapshot metadata says index ${metadata.index} term ${metadata.term}, its name says index ${expected.index} term ${expected.term}`)
  }
  return { metadata, data }
}

function parseMetadata(text: string): Snapshot['metadata'] | undefined {
  let value: unknown
  try {
    value = JSON.parse(text)
  } catch {
    return undefined
  }
  if (typeof value !== 'object' || value === null) return undefined
  const { index, term, voters, learners } = value as Record<string, unknown>
  const isCount = (count: unknown): count is number => typeof count === 'number' && Number.isSafeInteger(count) && count >= 0
  const isIds = (ids: unknown): ids is string[] => Array.isArray(ids) && ids.every((id) => typeof id === 'string')
  if (!isCount(index) || !isCount(term) || !isIds(voters) || !isIds(learners)) return undefined
  const confState: ConfState = { voters, learners }
  return { index, term, confState }
}
