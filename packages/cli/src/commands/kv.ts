import type { Entry, PutOptions, Store, WriteResult } from '@clustron/client'
import { argument, durationOption, flag, integerOption, stringOption, type CommandSpec, type Context } from '../command.js'
import { formatDuration } from '../duration.js'
import { exitCodes, UsageError } from '../exit-codes.js'
import { entryJson, renderTable } from '../format.js'
import { displayValue, parseValueArgument } from '../typed-json.js'

export const getCommand: CommandSpec = {
  path: ['get'],
  summary: "print a key's value",
  args: [{ name: '<key>', required: true }],
  description: 'Prints the value: strings as they are, anything else as JSON. With --json, the whole entry\n(value, version, revisions, lease, expiresAt). A missing key exits with 1.',
  examples: ['clustron get config/mode', 'clustron get orders/42 --json | jq .value.total', 'clustron get flag || echo "not set"'],
  async run(context) {
    const key = argument(context, 0)
    const entry = await (await context.store()).get(key)
    if (entry === undefined) return notFound(context, `key '${key}' not found`)
    if (context.globals.json) context.printJson(entryJson(entry))
    else context.print(displayValue(entry.value))
    return exitCodes.ok
  },
}

export const putCommand: CommandSpec = {
  path: ['put'],
  summary: 'write a key (the value as JSON when it parses, else as text)',
  args: [
    { name: '<key>', required: true },
    { name: '<value>', required: true },
  ],
  options: {
    ttl: { type: 'string', value: '<duration>', help: 'delete the key after this long (e.g. 30s, 5m)' },
    lease: { type: 'string', value: '<id>', help: 'bind the key to a lease (see clustron lease grant)' },
    'if-version': { type: 'string', value: '<n>', help: "write only if the key's version is n (0: only if absent)" },
    'if-absent': { type: 'boolean', help: 'write only if the key does not exist' },
    string: { type: 'boolean', help: 'store the value as text even if it parses as JSON (e.g. "42")' },
  },
  description:
    '`42`, `true`, `null`, `{"a":1}` and `"quoted"` are JSON; anything else (`hello world`) is stored\nas a string. Typed JSON such as {"$bigint":"123"} or {"$bytes":"<base64>"} stores those types (README).\nA condition that does not hold (--if-version, --if-absent) exits with 1 and writes nothing.',
  examples: [
    "clustron put config/mode fast",
    "clustron put config/limits '{\"rps\": 100}'",
    'clustron put session/abc alive --ttl 30s',
    'clustron put counter 5 --if-version 3',
    'clustron put owner me --if-absent || echo "someone else owns it"',
  ],
  async run(context) {
    const key = argument(context, 0)
    const text = argument(context, 1)
    const value = flag(context, 'string') ? text : parseValueArgument(text)
    const options: PutOptions = {}
    const ttlMs = durationOption(context, 'ttl')
    if (ttlMs !== undefined) options.ttlMs = ttlMs
    const lease = stringOption(context, 'lease')
    if (lease !== undefined) options.lease = lease
    const ifVersion = integerOption(context, 'if-version', { min: 0 })
    if (ifVersion !== undefined) options.ifVersion = ifVersion
    if (flag(context, 'if-absent')) options.ifAbsent = true
    const result = await (await context.store()).put(key, value, options)
    return reportWrite(context, key, result, ifVersion)
  },
}

function reportWrite(context: Context, key: string, result: WriteResult, ifVersion: number | undefined): number {
  if (context.globals.json) {
    if (result.ok) context.printJson({ ok: true, revision: result.revision, version: result.version })
    else context.printJson({ ok: false, reason: result.reason, ...(result.current === undefined ? {} : { current: entryJson(result.current) }) })
  }
  if (result.ok) {
    if (!context.globals.json) context.print(`OK revision ${result.revision}, version ${result.version}`)
    return exitCodes.ok
  }
  const current = result.current
  const why =
    result.reason === 'exists'
      ? `key '${key}' already exists (version ${current?.version ?? '?'})`
      : result.reason === 'version-mismatch'
        ? `key '${key}' is at version ${current?.version ?? 0}, not ${ifVersion ?? '?'}`
        : result.reason === 'missing'
          ? `key '${key}' does not exist`
          : `the fencing lock is no longer held`
  context.warn(`not written: ${why} (${result.reason})`)
  return exitCodes.notFound
}

export const delCommand: CommandSpec = {
  path: ['del'],
  summary: 'delete a key (or every key under a prefix)',
  args: [{ name: '<key>', required: true }],
  options: {
    'if-version': { type: 'string', value: '<n>', help: "delete only if the key's version is n" },
    prefix: { type: 'boolean', help: 'delete every key starting with <key> (atomic, one revision)' },
  },
  description: 'A missing key (or a version that does not match) exits with 1. With --prefix, prints how many\nkeys were deleted and exits with 0 even if none were.',
  examples: ['clustron del config/mode', 'clustron del jobs/ --prefix', 'clustron del lock-owner --if-version 4'],
  async run(context) {
    const key = argument(context, 0)
    const store = await context.store()
    if (flag(context, 'prefix')) {
      if (stringOption(context, 'if-version') !== undefined) throw new UsageError('--if-version applies to one key, not to --prefix')
      const deleted = await store.clear({ prefix: key })
      if (context.globals.json) context.printJson({ deleted })
      else context.print(`deleted ${deleted} key${deleted === 1 ? '' : 's'}`)
      return exitCodes.ok
    }
    const ifVersion = integerOption(context, 'if-version', { min: 0 })
    const deleted = await store.delete(key, ifVersion === undefined ? {} : { ifVersion })
    if (context.globals.json) context.printJson({ deleted: deleted ? 1 : 0 })
    if (!deleted) {
      context.warn(ifVersion === undefined ? `key '${key}' not found` : `key '${key}' not found at version ${ifVersion}; nothing deleted`)
      return exitCodes.notFound
    }
    if (!context.globals.json) context.print('deleted 1 key')
    return exitCodes.ok
  },
}

/** Keys per request when listing everything (a page of the store's list). */
const listPageSize = 1_000

export const listCommand: CommandSpec = {
  path: ['list'],
  summary: 'list keys (and values) under a prefix',
  args: [{ name: '[prefix]', required: false }],
  options: {
    limit: { type: 'string', value: '<n>', help: 'at most n keys (default: all, read page by page)' },
    'keys-only': { type: 'boolean', help: 'only the keys, one per line (no values are transferred)' },
  },
  description:
    'A table of key, value, version, modRevision and TTL (values cut to fit); --json prints one JSON\ndocument { entries, more, revision }. With --limit the page is one consistent read; without it,\nlarge listings are read in pages of 1000 keys, each consistent on its own.',
  examples: ['clustron list', 'clustron list config/', 'clustron list jobs/ --keys-only', 'clustron list --limit 10 --json | jq ".entries[].key"'],
  async run(context) {
    const prefix = context.args[0] ?? ''
    const limit = integerOption(context, 'limit', { min: 1 })
    const keysOnly = flag(context, 'keys-only')
    const store = await context.store()
    const page = limit === undefined ? await listAll(store, prefix, keysOnly) : await store.list({ prefix, limit, keysOnly })
    if (context.globals.json) {
      context.printJson({ entries: page.entries.map((entry) => entryJson(entry, { keysOnly })), more: page.more, revision: page.revision })
      return exitCodes.ok
    }
    if (keysOnly) {
      if (page.entries.length > 0) context.print(page.entries.map((entry) => entry.key).join('\n'))
    } else if (page.entries.length > 0) {
      context.print(renderTable(['KEY', 'VALUE', 'VERSION', 'MOD', 'TTL'], page.entries.map(tableRow), { rightAligned: [2, 3] }).trimEnd())
    }
    if (page.more) context.warn(`more keys match; showing the first ${page.entries.length} (raise --limit)`)
    return exitCodes.ok
  },
}

function tableRow(entry: Entry): string[] {
  const ttl = entry.expiresAt === undefined ? (entry.lease === undefined ? '' : `lease ${entry.lease}`) : formatDuration(Math.max(0, entry.expiresAt - Date.now()))
  return [entry.key, displayValue(entry.value), String(entry.version), String(entry.modRevision), ttl]
}

/** Every key under `prefix`, page by page (the store caps one list). */
async function listAll(store: Store, prefix: string, keysOnly: boolean): Promise<{ entries: Entry[]; more: boolean; revision: number }> {
  const entries: Entry[] = []
  let revision = 0
  let start = prefix
  for (;;) {
    const page = await store.list({ start, limit: listPageSize, keysOnly })
    revision = Math.max(revision, page.revision)
    for (const entry of page.entries) {
      if (!entry.key.startsWith(prefix)) return { entries, more: false, revision }
      entries.push(entry)
    }
    if (!page.more || page.entries.length === 0) return { entries, more: false, revision }
    // The next page starts just above the last key: the key followed by U+0000 sorts right after it.
    start = page.entries[page.entries.length - 1]!.key + '\u0000'
  }
}

/** "No" as an answer: `null` on stdout with --json, the reason on stderr, exit 1. */
export function notFound(context: Context, message: string): number {
  if (context.globals.json) context.printJson(null)
  context.warn(message)
  return exitCodes.notFound
}
