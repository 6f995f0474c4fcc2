import { createHash, type Hash } from 'node:crypto'
import { createReadStream, createWriteStream, type WriteStream } from 'node:fs'
import { once } from 'node:events'
import { createInterface } from 'node:readline'
import { CliFailure } from '../exit-codes.js'
import { fromTypedJson, toTypedJson, type JsonValue } from '../typed-json.js'

/**
 * The snapshot file: JSON Lines, UTF-8.
 *
 *   {"format":"clustron-snapshot","version":1,"store":"default","revision":120,"createdAt":"…","tool":"…"}
 *   {"key":"config/mode","value":"fast"}
 *   {"key":"session/1","value":{"user":7},"expiresAt":1767225600000}
 *   …
 *   {"end":true,"keys":2,"endRevision":120,"sha256":"<hex of every byte above this line>"}
 *
 * Values are typed JSON (bigint, bytes and dates survive). Keys are saved without their lease: a
 * snapshot is a logical backup of keys, not of leases, locks or elections.
 */
export const snapshotFormat = 'clustron-snapshot'
export const snapshotVersion = 1

export interface SnapshotHeader {
  format: typeof snapshotFormat
  version: number
  store: string
  /** The revision of the first page read. */
  revision: number
  createdAt: string
  tool: string
}

export interface SnapshotTrailer {
  end: true
  keys: number
  /** The revision of the last page read: equal to the header's when nothing changed while saving. */
  endRevision: number
  sha256: string
}

export interface SnapshotEntry {
  key: string
  value: unknown
  expiresAt?: number
}

/** An entry as read back, with the size of its line (to bound restore batches). */
export interface ReadEntry extends SnapshotEntry {
  lineBytes: number
}

/** Writes a snapshot line by line, hashing as it goes. */
export class SnapshotWriter {
  readonly #hash: Hash = createHash('sha256')
  readonly #stream: WriteStream
  #bytes = 0
  #keys = 0

  constructor(path: string) {
    // 'wx': the caller chose a fresh temporary name; never write over something else.
    this.#stream = createWriteStream(path, { flags: 'wx' })
  }

  get keys(): number {
    return this.#keys
  }

  get bytes(): number {
    return this.#bytes
  }

  async header(header: SnapshotHeader): Promise<void> {
    await this.#line(JSON.stringify(header), true)
  }

  async entry(entry: SnapshotEntry): Promise<void> {
    const line: Record<string, JsonValue> = { key: entry.key, value: toTypedJson(entry.value) }
    if (entry.expiresAt !== undefined) line.expiresAt = entry.expiresAt
    await this.#line(JSON.stringify(line), true)
    this.#keys++
  }

  /** Writes the trailer, closes the file, and returns the checksum. */
  async finish(endRevision: number): Promise<string> {
    const sha256 = this.#hash.digest('hex')
    const trailer: SnapshotTrailer = { end: true, keys: this.#keys, endRevision, sha256 }
    await this.#line(JSON.stringify(trailer), false)
    this.#stream.end()
    await once(this.#stream, 'close')
    return sha256
  }

  /** Closes the file after a failure (the caller removes it). */
  async abort(): Promise<void> {
    if (this.#stream.closed) return
    this.#stream.destroy()
    await once(this.#stream, 'close').catch(() => undefined)
  }

  async #line(text: string, hashed: boolean): Promise<void> {
    const line = `${text}\n`
    if (hashed) this.#hash.update(line, 'utf8')
    this.#bytes += Buffer.byteLength(line, 'utf8')
    // Respect backpressure: a big store must not be buffered whole in memory.
    if (!this.#stream.write(line)) await once(this.#stream, 'drain')
  }
}

/**
 * Reads a snapshot. `read` yields its entries after the header; the checksum is compared at the
 * end, so callers that must not act on a bad file call `verify` (a full pass) first.
 */
export class SnapshotReader {
  constructor(readonly path: string) {}

  /** Reads the whole file and checks the header, every line, the count and the checksum. */
  async verify(onProgress?: (bytes: number) => void): Promise<{ header: SnapshotHeader; trailer: SnapshotTrailer }> {
    let result: { header: SnapshotHeader; trailer: SnapshotTrailer } | undefined
    for await (const item of this.#lines(onProgress)) if (item.kind === 'end') result = item
    return result!
  }

  /** The entries, in file order; throws CORRUPT at the end if the file does not match its checksum. */
  async *entries(): AsyncGenerator<ReadEntry> {
    for await (const item of this.#lines()) if (item.kind === 'entry') yield item.entry
  }

  async *#lines(onProgress?: (bytes: number) => void): AsyncGenerator<{ kind: 'entry'; entry: ReadEntry } | { kind: 'end'; header: SnapshotHeader; trailer: SnapshotTrailer }> {
    const hash = createHash('sha256')
    const lines = createInterface({ input: createReadStream(this.path, { encoding: 'utf8' }), crlfDelay: Number.POSITIVE_INFINITY })
    let header: SnapshotHeader | undefined
    let pending: string | undefined
    let keys = 0
    let bytes = 0
    let number = 0
    for await (const line of lines) {
      number++
      // The line before this one is not the trailer: it is hashed, and (past the header) an entry.
      if (pending !== undefined) {
        hash.update(`${pending}\n`, 'utf8')
        if (header === undefined) header = this.#header(pending)
        else {
          keys++
          yield { kind: 'entry', entry: this.#entry(pending, number - 1) }
        }
      }
      pending = line
      bytes += Buffer.byteLength(line, 'utf8') + 1
      onProgress?.(bytes)
    }
    if (header === undefined || pending === undefined) throw this.#corrupt('it is empty or has no trailer line (truncated?)')
    const trailer = this.#trailer(pending)
    const actual = hash.digest('hex')
    if (actual !== trailer.sha256) throw this.#corrupt(`its checksum does not match (sha256 ${actual.slice(0, 12)}…, expected ${trailer.sha256.slice(0, 12)}…): it was changed or damaged`)
    if (keys !== trailer.keys) throw this.#corrupt(`it holds ${keys} keys but its trailer says ${trailer.keys}`)
    yield { kind: 'end', header, trailer }
  }

  #header(line: string): SnapshotHeader {
    const header = this.#parse(line, 1) as Partial<SnapshotHeader>
    if (header.format !== snapshotFormat) throw this.#corrupt(`its first line is not a ${snapshotFormat} header`)
    if (header.version !== snapshotVersion) throw this.#corrupt(`it has format version ${String(header.version)}; this clustron reads version ${snapshotVersion}`)
    return header as SnapshotHeader
  }

  #entry(line: string, number: number): ReadEntry {
    const json = this.#parse(line, number) as { key?: unknown; value?: unknown; expiresAt?: unknown }
    if (typeof json.key !== 'string' || !('value' in json)) throw this.#corrupt(`line ${number} is not an entry { "key", "value" }`)
    let value: unknown
    try {
      value = fromTypedJson(json.value)
    } catch (error) {
      throw this.#corrupt(`line ${number} has a bad value: ${(error as Error).message}`)
    }
    const entry: ReadEntry = { key: json.key, value, lineBytes: Buffer.byteLength(line, 'utf8') }
    if (typeof json.expiresAt === 'number') entry.expiresAt = json.expiresAt
    return entry
  }

  #trailer(line: string): SnapshotTrailer {
    const trailer = this.#parse(line, -1) as Partial<SnapshotTrailer>
    if (trailer.end !== true || typeof trailer.sha256 !== 'string' || typeof trailer.keys !== 'number') throw this.#corrupt('its last line is not the trailer with the checksum (truncated?)')
    return trailer as SnapshotTrailer
  }

  #parse(line: string, number: number): unknown {
    try {
      return JSON.parse(line)
    } catch {
      throw this.#corrupt(`${number < 0 ? 'its last line' : `line ${number}`} is not JSON`)
    }
  }

  #corrupt(problem: string): CliFailure {
    return new CliFailure('CORRUPT', `snapshot ${this.path} is refused: ${problem}; nothing was restored from it`)
  }
}
