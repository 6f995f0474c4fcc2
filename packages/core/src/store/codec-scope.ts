import { decodeValue, encodeValue } from '../codec.js'
import { InvalidArgumentError } from '../errors.js'
import { checkKey, checkPrefix, describeType } from '../keys.js'
import type { Limits } from '../limits.js'
import type { RawEntry, RawWatchEvent } from '../machine/types.js'
import type { Entry, WatchEvent } from './types.js'

/**
 * Converts between the public API (relative keys, JavaScript values) and the machine's language
 * (full keys, msgpack bytes) for one namespace. Every user argument is checked here, so a bad
 * call is rejected before it reaches a backend.
 */
export class Scope {
  constructor(
    readonly limits: Readonly<Limits>,
    /** The namespace prefix ('' for the root store). */
    readonly prefix: string,
  ) {}

  /** The full key of a relative key (checked: non-empty string within the key limit). */
  key(key: unknown, what = 'key'): string {
    if (typeof key !== 'string') throw new InvalidArgumentError(`${what} must be a string, got ${describeType(key)}`)
    if (key.length === 0) throw new InvalidArgumentError(`${what} must not be empty`)
    return checkKey(this.prefix + key, this.limits.keyBytesMax, what)
  }

  /** The full prefix of a relative prefix ('' = the whole namespace). */
  prefixOf(prefix: unknown): string {
    if (prefix === undefined) return this.prefix
    if (typeof prefix !== 'string') throw new InvalidArgumentError(`prefix must be a string, got ${describeType(prefix)}`)
    return checkPrefix(this.prefix + prefix, this.limits.keyBytesMax)
  }

  /** The relative form of a full key. */
  strip(key: string): string {
    return this.prefix === '' ? key : key.slice(this.prefix.length)
  }

  encode(value: unknown): Uint8Array {
    return encodeValue(value, this.limits.valueBytesMax)
  }

  entry<T>(raw: RawEntry): Entry<T> {
    const entry: Entry<T> = {
      key: this.strip(raw.key),
      value: decodeValue<T>(raw.value),
      version: raw.version,
      createRevision: raw.createRevision,
      modRevision: raw.modRevision,
    }
    if (raw.lease !== undefined) entry.lease = raw.lease
    if (raw.expiresAt !== undefined) entry.expiresAt = raw.expiresAt
    return entry
  }

  event<T>(raw: RawWatchEvent, withPrev: boolean): WatchEvent<T> {
    const event: WatchEvent<T> = { type: raw.type, key: this.strip(raw.key), version: raw.version, revision: raw.revision }
    if (raw.value !== undefined) event.value = decodeValue<T>(raw.value)
    if (withPrev && raw.prev !== undefined) event.prev = this.entry<T>(raw.prev)
    if (raw.reason !== undefined) event.reason = raw.reason
    return event
  }

  /** Whether a full key is inside this namespace. */
  contains(key: string): boolean {
    return key.startsWith(this.prefix)
  }
}
