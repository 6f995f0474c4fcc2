import { InvalidArgumentError, LeaseNotFoundError, ResourceExhaustedError, TooLargeError } from '../errors.js'
import { checkKey, checkPrefix, describeType, prefixEnd } from '../keys.js'
import type { MachineState } from './state.js'

/**
 * Checks the machine applies to every command before changing anything. Commands from the wire are
 * already shape-checked by the protocol's schemas; these checks are the semantic ones (limits,
 * existence) and hold for in-process callers too. They throw typed errors and never mutate.
 */
export class Checks {
  constructor(private readonly state: MachineState) {}

  key(key: unknown, what = 'key'): string {
    return checkKey(key, this.state.limits.keyBytesMax, what)
  }

  prefix(prefix: unknown): string {
    return checkPrefix(prefix, this.state.limits.keyBytesMax)
  }

  value(value: unknown, what = 'value'): Uint8Array {
    if (!(value instanceof Uint8Array)) throw new InvalidArgumentError(`${what} must be encoded bytes, got ${describeType(value)}`)
    const limit = this.state.limits.valueBytesMax
    if (value.length > limit) {
      throw new TooLargeError(`${what} is ${value.length} bytes encoded; the limit is ${limit} bytes`, {
        details: { limit, size: value.length },
      })
    }
    if (value.length === 0) throw new InvalidArgumentError(`${what} must not be empty bytes`)
    return value
  }

  ttlMs(ttlMs: unknown, what = 'ttlMs'): number {
    const { ttlMsMin, ttlMsMax } = this.state.limits
    if (typeof ttlMs !== 'number' || !Number.isInteger(ttlMs) || ttlMs < ttlMsMin || ttlMs > ttlMsMax) {
      throw new InvalidArgumentError(`${what} must be an integer number of milliseconds in [${ttlMsMin}, ${ttlMsMax}], got ${String(ttlMs)}`)
    }
    return ttlMs
  }

  optionalTtlMs(ttlMs: unknown): number | undefined {
    return ttlMs === undefined ? undefined : this.ttlMs(ttlMs)
  }

  version(version: unknown, what = 'ifVersion'): number {
    if (typeof version !== 'number' || !Number.isSafeInteger(version) || version < 0) {
      throw new InvalidArgumentError(`${what} must be a non-negative integer, got ${String(version)}`)
    }
    return version
  }

  integer(value: unknown, what: string): number {
    if (typeof value !== 'number' || !Number.isSafeInteger(value)) {
      throw new InvalidArgumentError(`${what} must be an integer within ±(2^53-1), got ${String(value)}`)
    }
    return value
  }

  /** The lease must exist (LEASE_NOT_FOUND otherwise). */
  lease(id: unknown): string {
    if (typeof id !== 'string' || id.length === 0 || id.length > 64) {
      throw new InvalidArgumentError(`lease must be a lease id (a non-empty string of at most 64 characters), got ${describeType(id)}`)
    }
    if (!this.state.leases.has(id)) {
      throw new LeaseNotFoundError(`lease '${id}' does not exist (it expired or was revoked); grant a new lease`, { details: { lease: id } })
    }
    return id
  }

  optionalLease(id: unknown): string | undefined {
    return id === undefined ? undefined : this.lease(id)
  }

  name(name: unknown, what: string): string {
    return checkKey(name, this.state.limits.keyBytesMax, what)
  }

  waiterId(id: unknown): string {
    if (typeof id !== 'string' || id.length === 0 || id.length > 256) {
      throw new InvalidArgumentError(`waiterId must be a non-empty string of at most 256 characters`)
    }
    return id
  }

  batch(count: number, what: string): void {
    const limit = this.state.limits.batchKeysMax
    if (count > limit) {
      throw new TooLargeError(`${what} has ${count} keys; the limit is ${limit} per call: split it into smaller batches`, {
        details: { limit, size: count },
      })
    }
  }

  /** The key quota allows `newKeys` more keys. */
  room(newKeys: number): void {
    const limit = this.state.limits.keysMax
    const size = this.state.records.size
    if (newKeys > 0 && size + newKeys > limit) {
      throw new ResourceExhaustedError(
        `the store holds ${size} keys and its quota is ${limit}: delete keys or raise the store's keysMax`,
        { details: { limit, size: size + newKeys } },
      )
    }
  }

  /**
   * The range of a clear/list/count: a prefix, or [start, end). `end` undefined = unbounded; when a
   * prefix has no finite end, `prefix` is set and callers stop at the first key without it.
   */
  range(prefix: unknown, start: unknown, end: unknown): { start: string; end: string | undefined; prefix: string | undefined } {
    if (prefix !== undefined) {
      if (start !== undefined || end !== undefined) throw new InvalidArgumentError('give either prefix or start/end, not both')
      const checked = this.prefix(prefix)
      const prefixStop = checked === '' ? undefined : prefixEnd(checked)
      return { start: checked, end: prefixStop, prefix: prefixStop === undefined && checked !== '' ? checked : undefined }
    }
    const from = start === undefined ? '' : this.prefix(start)
    const to = end === undefined ? undefined : this.key(end, 'end')
    return { start: from, end: to, prefix: undefined }
  }
}
