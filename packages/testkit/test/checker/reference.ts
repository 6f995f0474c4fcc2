/**
 * Naive sequential implementations of the store's semantics, written apart from the models so the
 * property tests do not check the models against themselves.
 */
import type {
  CounterInput,
  CounterOutput,
  KeySetInput,
  KeySetOutput,
  KvInput,
  KvOutput,
  LockInput,
  LockOutput,
  TxnModelInput,
  TxnModelOutput,
  TxnOperationResult,
} from '../../src/checker/index.js'

interface StoredEntry {
  value: unknown
  version: number
  modRevision: number
}

export class ReferenceStore {
  revision = 0
  private readonly entries = new Map<string, StoredEntry>()

  apply(input: KvInput): KvOutput {
    const current = this.entries.get(input.key)
    const observed = current === undefined ? undefined : { ...current }
    if (input.type === 'get') return { entry: observed }
    if (input.type === 'delete') {
      const matches = current !== undefined && (input.ifVersion === undefined || current.version === input.ifVersion)
      if (matches) {
        this.entries.delete(input.key)
        this.revision++
      }
      return { deleted: matches }
    }
    if (input.ifAbsent === true && observed !== undefined) return { ok: false, reason: 'exists', current: observed }
    if (input.ifVersion === 0 && observed !== undefined) return { ok: false, reason: 'version-mismatch', current: observed }
    if (input.ifVersion !== undefined && input.ifVersion !== 0) {
      if (observed === undefined) return { ok: false, reason: 'missing' }
      if (observed.version !== input.ifVersion) return { ok: false, reason: 'version-mismatch', current: observed }
    }
    this.revision++
    const version = (current?.version ?? 0) + 1
    this.entries.set(input.key, { value: input.value, version, modRevision: this.revision })
    return { ok: true, version, revision: this.revision }
  }

  versionOf(key: string): number {
    return this.entries.get(key)?.version ?? 0
  }
}

export class ReferenceCounters {
  private readonly values = new Map<string, number>()

  apply(input: CounterInput): CounterOutput {
    const value = this.values.get(input.key) ?? 0
    if (input.type === 'get') return { value }
    if (input.type === 'set') {
      this.values.set(input.key, input.value)
      return { previous: value }
    }
    const next = value + input.delta
    if ((input.min !== undefined && next < input.min) || (input.max !== undefined && next > input.max)) return { ok: false, value }
    this.values.set(input.key, next)
    return { ok: true, value: next, previous: value }
  }
}

export class ReferenceKeySets {
  private readonly keys = new Set<string>()

  apply(input: KeySetInput): KeySetOutput {
    if (input.type === 'list') {
      const keys = [...this.keys].filter((key) => key.startsWith(input.prefix))
      // Test keys are ASCII, where UTF-16 order equals UTF-8 byte order.
      return { keys: keys.sort() }
    }
    if (input.type === 'remove') return { deleted: this.keys.delete(input.key) }
    if (input.ifAbsent === true && this.keys.has(input.key)) return { ok: false }
    this.keys.add(input.key)
    return { ok: true }
  }
}

export class ReferenceLocks {
  private readonly holders = new Map<string, number>()
  private lastToken = 0

  apply(input: LockInput): LockOutput {
    const holder = this.holders.get(input.name)
    switch (input.type) {
      case 'acquire':
        if (holder !== undefined) return { granted: false }
        this.lastToken += 1 + (this.lastToken % 3) // tokens grow, with gaps, as with several locks
        this.holders.set(input.name, this.lastToken)
        return { granted: true, token: this.lastToken }
      case 'release':
      case 'expire': {
        const released = holder === input.token
        if (released) this.holders.delete(input.name)
        return input.type === 'release' ? { released } : {}
      }
      case 'fenced-write':
        return holder === input.token ? { ok: true } : { ok: false, reason: 'fenced' }
      case 'holder':
        return { holder: holder === undefined ? undefined : { token: holder } }
    }
  }

  holderOf(name: string): number | undefined {
    return this.holders.get(name)
  }
}

/** Puts, gets and version-compare transactions over a few keys. */
export class ReferenceTxnStore {
  private readonly entries = new Map<string, { value: unknown; version: number }>()

  apply(input: TxnModelInput): TxnModelOutput {
    if (input.type === 'get') {
      const current = this.entries.get(input.key)
      return { entry: current === undefined ? undefined : { ...current } }
    }
    if (input.type === 'put') return { ok: true, version: this.put(input.key, input.value) }
    if (input.type === 'delete') return { deleted: this.entries.delete(input.key) }
    const succeeded = (input.if ?? []).every(
      (compare) => compare.target === 'version' && (compare.op ?? '==') === '==' && (this.entries.get(compare.key)?.version ?? 0) === compare.value,
    )
    const results: TxnOperationResult[] = []
    for (const operation of succeeded ? input.then : (input.else ?? [])) {
      if (operation.op === 'get') {
        const current = this.entries.get(operation.key)
        results.push(current === undefined ? undefined : { ...current })
      } else if (operation.op === 'put') {
        results.push({ version: this.put(operation.key, operation.value) })
      } else if (operation.op === 'delete') {
        results.push({ deleted: this.entries.delete(operation.key) ? 1 : 0 })
      }
    }
    return { succeeded, results }
  }

  versionOf(key: string): number {
    return this.entries.get(key)?.version ?? 0
  }

  private put(key: string, value: unknown): number {
    const version = (this.entries.get(key)?.version ?? 0) + 1
    this.entries.set(key, { value, version })
    return version
  }
}
