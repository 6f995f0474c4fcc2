import { bytesEqual } from '../../src/codec.js'
import { ClustronError } from '../../src/errors.js'
import type { Limits } from '../../src/limits.js'
import { StoreMachine } from '../../src/machine/store-machine.js'
import type { ApplyOutput, Command, LockKind, Query, RawEntry, RawTxnOpResult } from '../../src/machine/types.js'
import type { ParsedCommand } from './datadriven.js'
import { parseKey, splitAssignment, valueBytes } from './literals.js'
import { renderEntry, renderEvent, renderField, renderFields, renderNotice } from './render.js'
import { Args } from './script-args.js'
import { parseTxn } from './script-txn.js'

/** The time a script starts at (ms); `tick`/`advance` move it. */
export const scriptStartMs = 1_000

/** `{ key: value }` when value is defined, else `{}`: optional fields under exactOptionalPropertyTypes. */
export function opt<K extends string, V>(key: K, value: V | undefined): { [P in K]?: V } {
  return (value === undefined ? {} : { [key]: value }) as { [P in K]?: V }
}

type Handler = (env: ScriptEnv, args: Args) => string[]

/**
 * Runs the commands of one testdata script against a StoreMachine and renders their outputs.
 * Besides what the script's expected text checks, every step asserts invariants that hold for any
 * command (a failed step throws, failing the test with the script line):
 * - a command's events all carry its revision, and the revision moves by 0 or 1;
 * - a command that throws is a ClustronError and leaves the snapshot bytes unchanged;
 * - a query leaves the snapshot bytes unchanged;
 * - after every command, restore(snapshot).snapshot() is byte-identical to the snapshot.
 */
export class ScriptEnv {
  machine = new StoreMachine()
  limits: Partial<Limits> = {}
  now = scriptStartMs
  /** Lock and election names the script used (to compare holders after a snapshot round trip). */
  readonly names = new Set<string>()
  #steps = 0

  run(command: ParsedCommand): string[] {
    const handler = handlers[command.name]
    if (handler === undefined) throw new Error(`unknown script command '${command.name}'`)
    if (command.name === 'limits' && this.#steps > 0) throw new Error('limits must be the first command of a script')
    this.#steps++
    return handler(this, new Args(command, flags))
  }

  /** Applies a command; renders its result (via `render`), events, notices and the revision move. */
  apply(command: Command, render: (result: never) => string[] = (result) => [renderField(result)]): string[] {
    const before = this.machine.snapshot()
    const revision = this.machine.revision
    let output: ApplyOutput
    try {
      output = this.machine.apply(command, { now: this.now })
    } catch (error) {
      return this.#failed(error, before, revision)
    }
    this.#checkOutput(output, revision)
    return [
      ...render(output.result as never),
      ...output.events.map(renderEvent),
      ...output.notices.map(renderNotice),
      output.revision === revision ? `revision ${revision} (unchanged)` : `revision ${revision} -> ${output.revision}`,
    ]
  }

  /** Runs a query; it must not change the machine. */
  query<Q extends Query>(query: Q, render: (result: never) => string[] = (result) => [renderField(result)]): string[] {
    const before = this.machine.snapshot()
    let lines: string[]
    try {
      lines = render(this.machine.query(query, this.now) as never)
    } catch (error) {
      lines = this.#failed(error, before, this.machine.revision)
    }
    if (!bytesEqual(before, this.machine.snapshot())) throw new Error(`query ${query.type} changed the machine`)
    return lines
  }

  /** Runs a read of the machine that may throw a typed error. */
  read(read: () => string[]): string[] {
    const before = this.machine.snapshot()
    try {
      return read()
    } catch (error) {
      return this.#failed(error, before, this.machine.revision)
    }
  }

  #failed(error: unknown, before: Uint8Array, revision: number): string[] {
    if (!(error instanceof ClustronError)) throw error
    if (this.machine.revision !== revision) throw new Error(`a failed command moved the revision from ${revision} to ${this.machine.revision}`)
    if (!bytesEqual(before, this.machine.snapshot())) throw new Error(`a failed command (${error.code}) changed the machine`)
    const details = Object.keys(error.details).length === 0 ? '' : ` ${renderFields(error.details)}`
    return [`error ${error.code}${details}: ${error.message}`]
  }

  #checkOutput(output: ApplyOutput, before: number): void {
    const after = this.machine.revision
    if (output.revision !== after) throw new Error(`output revision ${output.revision} is not the machine's ${after}`)
    if (after !== before && after !== before + 1) throw new Error(`revision moved from ${before} to ${after}`)
    for (const event of output.events) {
      if (event.revision !== after || after === before) throw new Error(`event at r${event.revision} from a command that ended at r${after} (from r${before})`)
    }
    const snapshot = this.machine.snapshot()
    if (!bytesEqual(StoreMachine.restore(snapshot, { limits: this.limits }).snapshot(), snapshot)) {
      throw new Error('restore(snapshot).snapshot() differs from the snapshot')
    }
  }
}

const flags = ['ifAbsent', 'nowait', 'reverse', 'keysOnly']

function fence(text: string | undefined): { name: string; token: number } | undefined {
  if (text === undefined) return undefined
  const colon = text.lastIndexOf(':')
  return { name: parseKey(text.slice(0, colon)), token: Number(text.slice(colon + 1)) }
}

function listLines(result: { entries: RawEntry[]; more: boolean; revision: number }, keysOnly: boolean): string[] {
  return [`revision=${result.revision} more=${result.more} entries=${result.entries.length}`, ...result.entries.map((entry) => `  ${renderEntry(entry, keysOnly)}`)]
}

function txnResultLine(result: RawTxnOpResult): string {
  if (result.op === 'get') return `  get ${result.entry === undefined ? '<none>' : renderEntry(result.entry)}`
  const { op, ...rest } = result
  return `  ${op} ${renderFields(rest)}`
}

function range(args: Args): { prefix?: string; start?: string; end?: string } {
  return { ...opt('prefix', args.optionKey('prefix')), ...opt('start', args.optionKey('start')), ...opt('end', args.optionKey('end')) }
}

function done<T>(args: Args, value: T): T {
  args.done()
  return value
}

const handlers: Record<string, Handler> = {
  limits: (env, args) => {
    const limits: Partial<Limits> = {}
    for (const token of args.tokens) {
      if (token.name === undefined) throw new Error(`limits takes name=value pairs, got ${token.text}`)
      ;(limits as Record<string, number>)[token.name] = Number(token.text)
    }
    env.limits = limits
    env.machine = new StoreMachine({ limits })
    return []
  },
  put: (env, args) =>
    env.apply(
      done(args, {
        type: 'put',
        key: args.key(),
        value: valueBytes(args.text('value')),
        ...opt('ttlMs', args.option('ttl')),
        ...opt('lease', args.optionKey('lease')),
        ...opt('ifVersion', args.option('ifVersion')),
        ...opt('ifAbsent', args.flag('ifAbsent') ? true : undefined),
        ...opt('fence', fence(args.optionKey('fence'))),
      }),
      (result: object) => [renderFields(result)],
    ),
  get: (env, args) => env.query(done(args, { type: 'get', key: args.key() }), (entry?: RawEntry) => [entry === undefined ? '<none>' : renderEntry(entry)]),
  'get-many': (env, args) =>
    env.query({ type: 'getMany', keys: args.rest().map(parseKey) }, (entries: (RawEntry | undefined)[]) =>
      entries.map((entry) => (entry === undefined ? '<none>' : renderEntry(entry))),
    ),
  del: (env, args) =>
    env.apply(
      done(args, { type: 'delete', key: args.key(), ...opt('ifVersion', args.option('ifVersion')), ...opt('fence', fence(args.optionKey('fence'))) }),
      (result: object) => [renderFields(result)],
    ),
  'put-many': (env, args) => {
    const ttlMs = args.option('ttl')
    const lease = args.optionKey('lease')
    const entries = args.tokens
      .filter((token) => token.name !== 'ttl' && token.name !== 'lease')
      .map((token): [string, Uint8Array] => {
        const [key, value] = token.name === undefined ? splitAssignment(token.text) : [token.name, token.text]
        return [key, valueBytes(value)]
      })
    return env.apply({ type: 'putMany', entries, ...opt('ttlMs', ttlMs), ...opt('lease', lease) }, (result: object) => [renderFields(result)])
  },
  'delete-many': (env, args) => env.apply({ type: 'deleteMany', keys: args.rest().map(parseKey) }, (result: object) => [renderFields(result)]),
  clear: (env, args) => env.apply(done(args, { type: 'clear', ...range(args) }), (result: object) => [renderFields(result)]),
  'set-ttl': (env, args) => env.apply(done(args, { type: 'setTtl', key: args.key(), ttlMs: args.literal('ttlMs') }), (result: object) => [renderFields(result)]),
  persist: (env, args) => env.apply(done(args, { type: 'persist', key: args.key() }), (result: object) => [renderFields(result)]),
  ttl: (env, args) => env.query(done(args, { type: 'ttl', key: args.key() })),
  'counter-add': (env, args) =>
    env.apply(
      done(args, {
        type: 'counterAdd',
        key: args.key(),
        delta: args.literal('delta'),
        ...opt('min', args.option('min')),
        ...opt('max', args.option('max')),
        ...opt('ttlMs', args.option('ttl')),
      }),
      (result: object) => [renderFields(result)],
    ),
  'counter-set': (env, args) => env.apply(done(args, { type: 'counterSet', key: args.key(), value: args.literal('value') }), (result: object) => [renderFields(result)]),
  txn: (env, args) =>
    env.apply(parseTxn(done(args, args.text('json'))), (result: { succeeded: boolean; revision: number; results: RawTxnOpResult[] }) => [
      `succeeded=${result.succeeded} revision=${result.revision}`,
      ...result.results.map(txnResultLine),
    ]),
  list: (env, args) => {
    const keysOnly = args.flag('keysOnly')
    const query = done(args, {
      type: 'list' as const,
      ...range(args),
      ...opt('limit', args.option('limit')),
      ...opt('reverse', args.flag('reverse') ? true : undefined),
      ...opt('keysOnly', keysOnly ? true : undefined),
    })
    return env.query(query, (result: Parameters<typeof listLines>[0]) => listLines(result, keysOnly))
  },
  count: (env, args) => env.query(done(args, { type: 'count', ...range(args) })),
  status: (env, args) => env.query(done(args, { type: 'status' }), (result: object) => [renderFields(result)]),
  'lease-grant': (env, args) => env.apply(done(args, { type: 'leaseGrant', ttlMs: args.literal('ttlMs') }), (result: object) => [renderFields(result)]),
  'lease-renew': (env, args) => env.apply(done(args, { type: 'leaseRenew', id: args.key('id') }), (result: object) => [renderFields(result)]),
  'lease-revoke': (env, args) => env.apply(done(args, { type: 'leaseRevoke', id: args.key('id') }), (result: object) => [renderFields(result)]),
  'lease-extend': (env, args) => env.apply(done(args, { type: 'leaseExtend', extendMs: args.literal('extendMs') }), (result: object) => [renderFields(result)]),
  'lease-info': (env, args) =>
    env.query(done(args, { type: 'leaseInfo', id: args.key('id') }), (info?: object) => [info === undefined ? '<none>' : renderFields(info)]),
  'lease-list': (env, args) => env.query(done(args, { type: 'leaseList' })),
  'lock-acquire': (env, args) => acquire(env, args, 'lock'),
  'election-campaign': (env, args) => acquire(env, args, 'election'),
  'lock-cancel': (env, args) => env.apply(done(args, { type: 'lockCancel', kind: 'lock', name: args.key('name'), waiterId: args.key('waiterId') }), fields),
  'election-cancel': (env, args) =>
    env.apply(done(args, { type: 'lockCancel', kind: 'election', name: args.key('name'), waiterId: args.key('waiterId') }), fields),
  'lock-release': (env, args) => env.apply(done(args, { type: 'lockRelease', kind: 'lock', name: args.key('name'), token: args.literal('token') }), fields),
  resign: (env, args) => env.apply(done(args, { type: 'lockRelease', kind: 'election', name: args.key('name'), token: args.literal('token') }), fields),
  proclaim: (env, args) =>
    env.apply(done(args, { type: 'electionProclaim', name: args.key('name'), token: args.literal('token'), value: valueBytes(args.text('value')) }), fields),
  holder: (env, args) => {
    const name = args.key('name')
    return env.query(done(args, { type: 'lockHolder', kind: (args.optionKey('kind') ?? 'lock') as LockKind, name }), (holder?: object) => [
      holder === undefined ? '<none>' : renderFields(holder),
    ])
  },
  waiter: (env, args) => {
    const name = args.key('name')
    const waiterId = args.key('waiterId')
    return env.query(done(args, { type: 'lockWaiter', kind: (args.optionKey('kind') ?? 'lock') as LockKind, name, waiterId }), fields)
  },
  leader: (env, args) => env.query(done(args, { type: 'electionLeader', name: args.key('name') }), fields),
  tick: (env, args) => {
    env.now += args.literal('ms')
    return env.apply(done(args, { type: 'expire' }), (result: object) => [`now=${env.now} ${renderFields(result)}`])
  },
  advance: (env, args) => {
    env.now += args.literal('ms')
    return done(args, [`now=${env.now}`])
  },
  expire: (env, args) => env.apply(done(args, { type: 'expire' }), fields),
  'events-since': (env, args) => {
    const revision = args.literal('revision')
    args.done()
    return env.read(() => {
      const events = env.machine.eventsSince(revision)
      return events.length === 0 ? ['<none>'] : events.map(renderEvent)
    })
  },
  'next-deadline': (env, args) => done(args, [String(env.machine.nextDeadline() ?? 'none')]),
  'snapshot-roundtrip': (env, args) => {
    args.done()
    return snapshotRoundTrip(env)
  },
  /** A command given as JSON (no values): for shapes the other commands cannot express. */
  raw: (env, args) => env.apply(JSON.parse(args.rest().join(' ')) as Command, fields),
  'raw-query': (env, args) => env.query(JSON.parse(args.rest().join(' ')) as Query, fields),
}

function fields(result: unknown): string[] {
  return [typeof result === 'object' && result !== null && !Array.isArray(result) ? renderFields(result) : renderField(result)]
}

function acquire(env: ScriptEnv, args: Args, kind: LockKind): string[] {
  const value = args.value('value')
  const name = args.key('name')
  env.names.add(JSON.stringify([kind, name]))
  const command: Command = {
    type: 'lockAcquire',
    kind,
    name,
    waiterId: args.key('waiterId'),
    wait: !args.flag('nowait'),
    ...opt('ttlMs', args.option('ttl')),
    ...opt('lease', args.optionKey('lease')),
    ...opt('value', value === undefined ? undefined : valueBytes(JSON.stringify(value))),
  }
  return env.apply(done(args, command), fields)
}

/** Everything a reader can observe of a machine, as text, for comparing a restored copy. */
export function observe(machine: StoreMachine, now: number, names: Iterable<string> = []): string {
  const lines: string[] = []
  const status = machine.query({ type: 'status' }, now)
  lines.push(renderFields(status), `next=${machine.nextDeadline() ?? 'none'}`)
  let start = ''
  for (;;) {
    const page = machine.query({ type: 'list', start }, now)
    lines.push(...page.entries.map((entry) => renderEntry(entry)))
    if (!page.more) break
    start = page.entries[page.entries.length - 1]!.key + '\u0000'
  }
  for (const id of machine.query({ type: 'leaseList' }, now)) lines.push(renderFields(machine.query({ type: 'leaseInfo', id }, now)!))
  for (const name of names) {
    const [kind, lockName] = JSON.parse(name) as [LockKind, string]
    lines.push(`${kind} ${lockName}: ${renderField(machine.query({ type: 'lockHolder', kind, name: lockName }, now))}`)
    if (kind === 'election') lines.push(`leader ${renderField(machine.query({ type: 'electionLeader', name: lockName }, now))}`)
  }
  if (machine.revision > machine.compactRevision) lines.push(...machine.eventsSince(machine.compactRevision + 1).map(renderEvent))
  return lines.join('\n')
}

function snapshotRoundTrip(env: ScriptEnv): string[] {
  const bytes = env.machine.snapshot()
  const restored = StoreMachine.restore(bytes, { limits: env.limits })
  const again = restored.snapshot()
  if (!bytesEqual(bytes, again)) throw new Error('snapshot after restore differs from the snapshot it was restored from')
  // The restored machine must own its state: scribbling over the snapshot buffer changes nothing.
  const expected = observe(env.machine, env.now, env.names)
  bytes.fill(0xc1)
  const actual = observe(restored, env.now, env.names)
  if (actual !== expected) throw new Error(`restored machine differs:\n--- original\n${expected}\n--- restored\n${actual}`)
  env.machine = restored
  return [`identical ${renderFields(restored.query({ type: 'status' }, env.now))}`]
}

