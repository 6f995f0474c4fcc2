import { errorCodes } from '@clustron/core'
import { closeCodes, decodeFrame, encodeMessage, joinFrame, protocolVersion } from '@clustron/protocol'
import fc from 'fast-check'
import WebSocket from 'ws'

/**
 * Malformed frames for a live node (issue 6 fuzzing), and a driver that sends them one at a time
 * and judges each outcome. Every structured message generated here is invalid (wrong field types,
 * arguments out of bounds, unknown operations, bad ids) or a read; none may change the store. The
 * verdict for each frame: the connection was closed with a protocol close code (badFrame, tooLarge)
 * or every request in it got an answer, and every error answer carries a known, non-INTERNAL code.
 */

/** A frame to send: raw bytes, or messages whose `id` the driver assigns (so answers can be matched). */
export type FuzzCase =
  | { kind: 'bytes'; what: string; bytes: Uint8Array }
  | { kind: 'messages'; what: string; messages: Record<string, unknown>[]; badId?: unknown; cut?: number }

const knownTypes = new Set(['hello', 'write', 'read', 'watch', 'unwatch', 'subscribe', 'unsubscribe', 'status', 'ping', 'admin'])
const bytes = (text: string) => encodeMessage(text)

const kindOf = (value: unknown) => (value === null ? 'null' : value instanceof Uint8Array ? 'bytes' : Array.isArray(value) ? 'array' : typeof value)

/** Replacement values of every JavaScript type; a field is replaced only by one of another type than its own. */
const anyValue: fc.Arbitrary<unknown> = fc.oneof(
  fc.constant(null),
  fc.double(),
  fc.integer(),
  fc.string({ maxLength: 20 }),
  fc.boolean(),
  fc.array(fc.integer(), { maxLength: 3 }),
  fc.dictionary(fc.string({ maxLength: 5 }), fc.integer(), { maxKeys: 3 }),
  fc.uint8Array({ maxLength: 8 }),
)

/** Valid request templates (no id); the generators below break them. Reads are harmless even when valid. */
const templates: Record<string, unknown>[] = [
  { type: 'write', command: { type: 'put', key: 'k', value: bytes('v'), ttlMs: 60_000 } },
  { type: 'write', command: { type: 'delete', key: 'seed/1', ifVersion: 1 } },
  { type: 'write', command: { type: 'putMany', entries: [['a', bytes('1')]] } },
  { type: 'write', command: { type: 'deleteMany', keys: ['seed/2'] } },
  { type: 'write', command: { type: 'clear', prefix: 'seed/' } },
  { type: 'write', command: { type: 'setTtl', key: 'seed/1', ttlMs: 1000 } },
  { type: 'write', command: { type: 'persist', key: 'seed/1' } },
  { type: 'write', command: { type: 'txn', if: [{ key: 'seed/1', target: 'version', op: '==', value: 1 }], then: [{ op: 'delete', key: 'seed/1' }], else: [] } },
  { type: 'write', command: { type: 'counterAdd', key: 'c', delta: 1 } },
  { type: 'write', command: { type: 'counterSet', key: 'c', value: 1 } },
  { type: 'write', command: { type: 'leaseGrant', ttlMs: 60_000 } },
  { type: 'write', command: { type: 'leaseRevoke', id: 'x' } },
  { type: 'write', command: { type: 'lockAcquire', kind: 'lock', name: 'l', waiterId: 'w', ttlMs: 60_000, wait: true } },
  { type: 'write', command: { type: 'lockRelease', kind: 'lock', name: 'l', token: 1 } },
  { type: 'write', command: { type: 'electionProclaim', name: 'e', token: 1, value: bytes('x') } },
  { type: 'read', query: { type: 'list', prefix: 'seed/', limit: 10 } },
  { type: 'read', query: { type: 'getMany', keys: ['a', 'b'] } },
  { type: 'watch', watchId: 1, request: { key: 'k', prefix: false, initial: false, prevValue: false } },
  { type: 'subscribe', topic: { type: 'lease', id: 'x' } },
  { type: 'admin', action: { kind: 'members.add', nodeId: 'n9', address: '127.0.0.1:1', voter: true } },
]

/** Paths to every leaf of a template except `type` discriminators (which other generators cover). */
function leaves(value: unknown, path: (string | number)[] = []): (string | number)[][] {
  if (value instanceof Uint8Array || value === null || typeof value !== 'object') return [path]
  const entries = Array.isArray(value) ? value.map((item, index) => [index, item] as const) : Object.entries(value)
  return entries.flatMap(([key, item]) => leaves(item, [...path, key]))
}

function getAt(value: unknown, path: (string | number)[]): unknown {
  return path.reduce<unknown>((node, key) => (node as Record<string | number, unknown>)[key], value)
}

function setAt(value: unknown, path: (string | number)[], replacement: unknown): unknown {
  if (path.length === 0) return replacement
  const [head, ...rest] = path
  const copy = (Array.isArray(value) ? [...value] : { ...(value as object) }) as Record<string | number, unknown>
  copy[head!] = setAt(copy[head!], rest, replacement)
  return copy
}

/** Every (template, field path) pair: a field to break (never the top-level message type). */
const fields = templates
  .filter((template) => template.type !== 'read')
  .flatMap((template) => leaves(template).filter((path) => path.length > 1 || path[0] !== 'type').map((path) => ({ template, path, original: getAt(template, path) })))

/** A template with one field replaced by a value of another type (nested types and discriminators included). */
export const wrongType: fc.Arbitrary<Record<string, unknown>> = fc
  .record({ field: fc.constantFrom(...fields), replacement: anyValue })
  .filter(({ field, replacement }) => kindOf(replacement) !== kindOf(field.original) && !(kindOf(field.original) === 'object' && kindOf(replacement) === 'null'))
  .map(({ field, replacement }) => setAt(field.template, field.path, replacement) as Record<string, unknown>)

const longKey = fc.integer({ min: 1025, max: 4096 }).map((length) => 'k'.repeat(length))
const badTtl = fc.oneof(fc.constant(0), fc.integer({ max: -1 }), fc.constant(1.5), fc.constant(1e300), fc.constant(Number.NaN), fc.constant(Number.POSITIVE_INFINITY))
const noLease = fc.string({ maxLength: 12 }).map((text) => `no-such-lease-${text}`)

/** Well-formed operations with arguments the machine must refuse (bounds, unknown leases, internal commands). */
export const invalidArguments: fc.Arbitrary<Record<string, unknown>> = fc.oneof(
  longKey.map((key) => ({ type: 'write', command: { type: 'put', key, value: bytes('v') } })),
  badTtl.map((ttlMs) => ({ type: 'write', command: { type: 'put', key: 'k', value: bytes('v'), ttlMs } })),
  noLease.map((lease) => ({ type: 'write', command: { type: 'put', key: 'k', value: bytes('v'), lease } })),
  fc.constant({ type: 'write', command: { type: 'putMany', entries: [['d', bytes('1')], ['d', bytes('2')]] } }),
  longKey.map((key) => ({ type: 'write', command: { type: 'putMany', entries: [['ok', bytes('1')], [key, bytes('2')]] } })),
  fc.integer({ min: 129, max: 300 }).map((count) => ({
    type: 'write',
    command: { type: 'txn', if: [], then: Array.from({ length: count }, (_, index) => ({ op: 'put', key: `t${index}`, value: bytes('x') })), else: [] },
  })),
  longKey.map((key) => ({ type: 'write', command: { type: 'txn', if: [], then: [{ op: 'put', key: 'ok', value: bytes('x') }, { op: 'delete', key }], else: [] } })),
  badTtl.map((ttlMs) => ({ type: 'write', command: { type: 'leaseGrant', ttlMs } })),
  noLease.map((id) => ({ type: 'write', command: { type: 'leaseRenew', id } })),
  noLease.map((id) => ({ type: 'write', command: { type: 'leaseRevoke', id } })),
  noLease.map((lease) => ({ type: 'write', command: { type: 'lockAcquire', kind: 'lock', name: 'l2', waiterId: 'w', lease, wait: true } })),
  badTtl.map((ttlMs) => ({ type: 'write', command: { type: 'lockAcquire', kind: 'lock', name: 'l2', waiterId: 'w', ttlMs, wait: true } })),
  fc.constant({ type: 'write', command: { type: 'lockAcquire', kind: 'mutex', name: 'l2', waiterId: 'w', ttlMs: 1000, wait: true } }),
  fc.constant({ type: 'write', command: { type: 'expire' } }),
  fc.constant({ type: 'write', command: { type: 'leaseExtend', extendMs: 1_000_000 } }),
  longKey.map((key) => ({ type: 'write', command: { type: 'counterAdd', key, delta: 1 } })),
  fc.constant({ type: 'write', command: { type: 'counterAdd', key: 'seed/1', delta: 1 } }),
  fc.oneof(fc.constant(0), fc.integer({ max: -1 })).map((fromRevision) => ({ type: 'watch', watchId: 5, request: { key: 'k', prefix: false, fromRevision, initial: false, prevValue: false } })),
  fc.constant({ type: 'watch', watchId: 6, request: { key: 'k', prefix: false, fromRevision: 1, initial: true, prevValue: false } }),
  fc.integer({ max: -1 }).map((limit) => ({ type: 'read', query: { type: 'list', prefix: '', limit } })),
  longKey.map((key) => ({ type: 'read', query: { type: 'get', key } })),
  fc.constant({ type: 'admin', action: { kind: 'members.add', nodeId: '', address: 'x', voter: true } }),
  fc.constant({ type: 'read', query: { type: 'nope' } }),
  fc.constant({ type: 'read', consistency: 'eventual', query: { type: 'status' } }),
)

export const unknownOp: fc.Arbitrary<Record<string, unknown>> = fc
  .record({ type: fc.string({ maxLength: 16 }).filter((type) => !knownTypes.has(type)), extra: fc.dictionary(fc.string({ maxLength: 8 }), fc.jsonValue({ maxDepth: 2 }), { maxKeys: 3 }) })
  .map(({ type, extra }) => ({ ...extra, type }))

const badId = fc.oneof(fc.constant(undefined), fc.constant(-1), fc.constant(0.5), fc.constant(2 ** 53), fc.constant(Number.NaN), fc.string({ maxLength: 5 }), fc.constant(null), fc.constant([1]))

/** msgpack headers that claim far more bytes or items than follow. */
export const hugeLength: fc.Arbitrary<FuzzCase> = fc
  .record({
    header: fc.constantFrom(
      [0xc6, 0xff, 0xff, 0xff, 0xff], // bin32
      [0xdb, 0x7f, 0xff, 0xff, 0xff], // str32
      [0xdd, 0xff, 0xff, 0xff, 0xff], // array32
      [0xdf, 0xff, 0xff, 0xff, 0xff], // map32
      [0xc9, 0x7f, 0xff, 0xff, 0xff, 0x01], // ext32
      [0xdc, 0xff, 0xff], // array16
      [0xde, 0xff, 0xff], // map16
      [0xc5, 0xff, 0xff], // bin16
    ),
    inFrame: fc.boolean(),
    tail: fc.uint8Array({ maxLength: 32 }),
  })
  .map(({ header, inFrame, tail }) => ({ kind: 'bytes' as const, what: 'huge length', bytes: new Uint8Array([...(inFrame ? [0x91] : []), ...header, ...tail]) }))

/** Arrays or maps nested far deeper than any message (a recursive decoder would blow its stack). */
export const deepNesting: fc.Arbitrary<FuzzCase> = fc.record({ depth: fc.integer({ min: 64, max: 20_000 }), map: fc.boolean() }).map(({ depth, map }) => {
  const unit = map ? [0x81, 0xa1, 0x61] : [0x91]
  const out = new Uint8Array(1 + depth * unit.length + 1)
  out[0] = 0x91
  // Lay the unit down once, then double the filled run (a few copies instead of a byte loop).
  out.set(unit, 1)
  let filled = unit.length
  const body = depth * unit.length
  while (filled < body) {
    const chunk = Math.min(filled, body - filled)
    out.copyWithin(1 + filled, 1, 1 + chunk)
    filled += chunk
  }
  out[out.length - 1] = 0xc0
  return { kind: 'bytes' as const, what: map ? 'deep maps' : 'deep arrays', bytes: out }
})

const structured = fc.oneof(
  { weight: 4, arbitrary: wrongType },
  { weight: 4, arbitrary: invalidArguments },
  { weight: 2, arbitrary: unknownOp },
)

/** Every kind of malformed frame, weighted towards ones that keep the connection open (faster to run). */
export const malformedFrame: fc.Arbitrary<FuzzCase> = fc.oneof(
  { weight: 24, arbitrary: fc.array(structured, { minLength: 1, maxLength: 4 }).map((messages) => ({ kind: 'messages' as const, what: 'invalid requests', messages })) },
  {
    weight: 1,
    arbitrary: fc
      .record({ messages: fc.array(structured, { minLength: 1, maxLength: 3 }), badId })
      .map(({ messages, badId }) => ({ kind: 'messages' as const, what: 'bad id', messages, badId })),
  },
  {
    weight: 1,
    arbitrary: fc
      .record({ messages: fc.array(structured, { minLength: 1, maxLength: 3 }), cut: fc.nat() })
      .map(({ messages, cut }) => ({ kind: 'messages' as const, what: 'truncated', messages, cut })),
  },
  { weight: 1, arbitrary: fc.uint8Array({ maxLength: 256 }).map((bytes) => ({ kind: 'bytes' as const, what: 'random bytes', bytes })) },
  { weight: 1, arbitrary: hugeLength },
  { weight: 1, arbitrary: deepNesting },
  {
    weight: 1,
    arbitrary: fc.array(fc.anything({ maxDepth: 3, withTypedArray: true, withBigInt: true, withDate: true, withMap: true, withSet: true }), { maxLength: 3 }).map((values) => {
      let frame: Uint8Array
      try {
        frame = joinFrame(values.map(encodeMessage))
      } catch {
        frame = new Uint8Array([0xc1])
      }
      return { kind: 'bytes' as const, what: 'random values', bytes: frame }
    }),
  },
)

export interface FuzzStats {
  frames: number
  /** Frames after which the node closed the connection (with a protocol close code). */
  closed: number
  /** Error answers by code. */
  errors: Record<string, number>
  /** Result answers (harmless reads, or writes refused softly). */
  results: number
  /** Frames by generator. */
  kinds: Record<string, number>
  /** Milliseconds spent per generator (sending, waiting, reconnecting). */
  kindMs: Record<string, number>
}

const cleanCloses = new Set<number>([closeCodes.badFrame, closeCodes.tooLarge])
const typedCodes = new Set<string>(errorCodes.filter((code) => code !== 'INTERNAL'))

/** Thrown when a frame's outcome breaks the contract. */
export class FuzzFailure extends Error {}

/** One lean connection (keeps only the current frame's answers, so a million frames take constant memory). */
class Connection {
  readonly answers = new Map<number, Record<string, unknown>>()
  closeCode: number | undefined
  #wake: (() => void) | undefined

  private constructor(readonly socket: WebSocket) {
    socket.on('message', (data: Buffer) => {
      for (const message of decodeFrame(data) as Record<string, unknown>[]) if (typeof message.id === 'number') this.answers.set(message.id, message)
      this.#wake?.()
    })
    socket.on('close', (code) => {
      this.closeCode = code
      this.#wake?.()
    })
    socket.on('error', () => undefined)
  }

  static async open(url: string, store: string, token: string | undefined): Promise<Connection> {
    const socket = new WebSocket(url, { perMessageDeflate: false })
    const connection = new Connection(socket)
    await new Promise<void>((resolve, reject) => {
      socket.once('open', () => resolve())
      socket.once('error', reject)
    })
    let welcome: Record<string, unknown> | undefined
    socket.once('message', (data: Buffer) => (welcome = (decodeFrame(data) as Record<string, unknown>[])[0]))
    socket.send(joinFrame([encodeMessage({ type: 'hello', protocol: protocolVersion, store, ...(token === undefined ? {} : { token }) })]))
    await connection.wait(() => welcome !== undefined || connection.closeCode !== undefined, 10_000)
    if (welcome?.type !== 'welcome') throw new Error(`the fuzz connection was not welcomed: ${JSON.stringify(welcome)} (close ${connection.closeCode})`)
    return connection
  }

  async wait(condition: () => boolean, timeoutMs: number): Promise<boolean> {
    const deadline = Date.now() + timeoutMs
    while (!condition()) {
      const left = deadline - Date.now()
      if (left <= 0) return false
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, left)
        this.#wake = () => {
          clearTimeout(timer)
          resolve()
        }
      })
      this.#wake = undefined
    }
    return true
  }
}

/**
 * Sends fuzz cases to a live node and checks each outcome (throws FuzzFailure on a breach). Cases
 * run on `lanes` connections at once (one case at a time per connection, so every outcome is
 * attributable to its frame); the node and the driver share one process, so concurrency hides the
 * round trips.
 */
export class FuzzDriver {
  readonly stats: FuzzStats = { frames: 0, closed: 0, errors: {}, results: 0, kinds: {}, kindMs: {} }
  readonly #lanes: (Connection | undefined)[]
  #id = 0

  constructor(
    private readonly url: string,
    readonly lanes = 16,
    private readonly store = 'default',
    private readonly token?: string,
  ) {
    this.#lanes = Array.from({ length: lanes }, () => undefined)
  }

  /** Runs up to `lanes` cases concurrently, one per connection. */
  async runBatch(cases: readonly FuzzCase[]): Promise<void> {
    if (cases.length > this.lanes) throw new Error(`a batch has at most ${this.lanes} cases`)
    await Promise.all(cases.map((fuzzCase, lane) => this.run(fuzzCase, lane)))
  }

  async run(fuzzCase: FuzzCase, lane = 0): Promise<void> {
    const startedAt = performance.now()
    try {
      await this.#run(fuzzCase, lane)
    } finally {
      this.stats.kindMs[fuzzCase.what] = (this.stats.kindMs[fuzzCase.what] ?? 0) + performance.now() - startedAt
    }
  }

  async #run(fuzzCase: FuzzCase, lane: number): Promise<void> {
    const connection = (this.#lanes[lane] ??= await Connection.open(this.url, this.store, this.token))
    connection.answers.clear()
    const ids: number[] = []
    let frame: Uint8Array
    if (fuzzCase.kind === 'bytes') frame = fuzzCase.bytes
    else {
      const messages = fuzzCase.messages.map((message) => {
        if (Object.hasOwn(fuzzCase, 'badId')) return encodeMessage({ ...message, id: fuzzCase.badId })
        const id = ++this.#id
        ids.push(id)
        return encodeMessage({ ...message, id })
      })
      frame = joinFrame(messages)
      if (fuzzCase.cut !== undefined) frame = frame.subarray(0, fuzzCase.cut % frame.length)
    }
    this.stats.frames++
    this.stats.kinds[fuzzCase.what] = (this.stats.kinds[fuzzCase.what] ?? 0) + 1
    const sentinel = ++this.#id
    connection.socket.send(frame)
    connection.socket.send(joinFrame([encodeMessage({ type: 'ping', id: sentinel })]))
    const settled = await connection.wait(() => connection.answers.has(sentinel) || connection.closeCode !== undefined, 10_000)
    if (!settled) throw new FuzzFailure(`no answer and no close within 10 s after a ${fuzzCase.what} frame`)
    if (connection.closeCode !== undefined && !connection.answers.has(sentinel)) {
      if (!cleanCloses.has(connection.closeCode)) throw new FuzzFailure(`a ${fuzzCase.what} frame ended the connection with close code ${connection.closeCode}, not a protocol close`)
      this.stats.closed++
      this.#lanes[lane] = undefined
      return
    }
    for (const id of ids) {
      const answer = connection.answers.get(id)
      if (answer === undefined) throw new FuzzFailure(`request ${id} of a ${fuzzCase.what} frame got no answer`)
      if (answer.type === 'result') this.stats.results++
      else {
        const code = (answer.error as { code?: unknown } | undefined)?.code
        if (answer.type !== 'error' || typeof code !== 'string' || !typedCodes.has(code)) {
          throw new FuzzFailure(`request ${id} of a ${fuzzCase.what} frame got ${JSON.stringify(answer).slice(0, 300)}`)
        }
        this.stats.errors[code] = (this.stats.errors[code] ?? 0) + 1
      }
    }
  }

  close(): void {
    for (const connection of this.#lanes) connection?.socket.close()
    this.#lanes.fill(undefined)
  }
}

/** Puts a little of everything in a store before fuzzing (keys, a counter, a lease, a held lock), over a plain connection. */
export async function seedStore(url: string, store = 'default', token?: string): Promise<void> {
  const connection = await Connection.open(url, store, token)
  const requests = [
    { type: 'write', id: 1, command: { type: 'putMany', entries: Array.from({ length: 20 }, (_, index) => [`seed/${index}`, bytes(`value ${index}`)]) } },
    { type: 'write', id: 2, command: { type: 'counterAdd', key: 'c', delta: 41 } },
    { type: 'write', id: 3, command: { type: 'lockAcquire', kind: 'lock', name: 'l', waiterId: 'holder', ttlMs: 3_600_000, wait: true } },
    { type: 'write', id: 4, command: { type: 'put', key: 'ttl', value: bytes('t'), ttlMs: 3_600_000 } },
  ]
  connection.socket.send(joinFrame(requests.map(encodeMessage)))
  const done = await connection.wait(() => [1, 2, 3, 4].every((id) => connection.answers.has(id)), 10_000)
  const failed = [...connection.answers.values()].find((answer) => answer.type !== 'result')
  connection.socket.close()
  if (!done || failed !== undefined) throw new Error(`seeding the store failed: ${JSON.stringify(failed)}`)
}
