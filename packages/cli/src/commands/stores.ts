import { ClustronError, type StoreConfig, type StoreInfo } from '@clustron/client'
import { argument, durationOption, flag, integerOption, stringOption, type CommandSpec, type Context } from '../command.js'
import type { CommandModule } from './index.js'
import { exitCodes, UsageError } from '../exit-codes.js'
import { formatBytes, renderFields, renderTable } from '../format.js'

/**
 * `clustron stores create|list|describe|delete|move`: the cluster's store catalog (issue 9). Each
 * store is its own Raft group placed on some of the cluster's nodes; the catalog lives in the
 * system store `_system`, which the admin client reaches through the same seeds as `--url`.
 */

export const storesGroup = {
  name: 'stores',
  summary: "create, list, describe, delete and move the cluster's stores",
  description:
    'A store is its own Raft group (log, snapshots, leader) on --replicas of the nodes; stores fail and scale\nindependently. Changes need the admin role and go to the catalog\'s leader. Stores declared in the\nnodes\' config are listed as static: change those in the config.',
}

/** `64k`, `1m`, `512`, `2MiB`: bytes. */
export function parseSize(text: string, what: string): number {
  const match = /^(\d+)\s*(k|ki|kib|kb|m|mi|mib|mb)?$/i.exec(text.trim())
  if (match === null) throw new UsageError(`${what} must be a size like 512, 64k or 1m, got '${text}'`)
  const unit = (match[2] ?? '').toLowerCase()
  const bytes = Number(match[1]) * (unit.startsWith('k') ? 1024 : unit.startsWith('m') ? 1024 * 1024 : 1)
  if (!Number.isSafeInteger(bytes) || bytes < 1) throw new UsageError(`${what} must be at least 1 byte, got '${text}'`)
  return bytes
}

function storeRow(store: StoreInfo): string[] {
  return [store.name, store.static ? 'static' : String(store.config.replicas ?? store.replicas.length), store.replicas.join(','), store.preferredLeader ?? '']
}

function storeFields(store: StoreInfo): [string, string][] {
  const fields: [string, string][] = [
    ['store', `${store.name}${store.static ? ' (static: declared in the nodes\' config)' : ''}`],
    ['uid', store.uid],
    ['replicas', store.replicas.map((id) => `${id}${store.addresses[id] === undefined ? '' : ` (${store.addresses[id]})`}`).join(', ')],
  ]
  if (store.preferredLeader !== undefined) fields.push(['preferred leader', store.preferredLeader])
  if (store.config.valueBytesMax !== undefined) fields.push(['max value', formatBytes(store.config.valueBytesMax)])
  if (store.config.keysMax !== undefined) fields.push(['max keys', String(store.config.keysMax)])
  if (store.config.watchHistory !== undefined) fields.push(['watch history', `${store.config.watchHistory} revisions`])
  if (store.config.defaultTtlMs !== undefined) fields.push(['default TTL', `${store.config.defaultTtlMs} ms`])
  fields.push(['created', new Date(store.createdAt).toISOString()])
  return fields
}

function printStore(context: Context, store: StoreInfo): void {
  if (context.globals.json) context.printJson(JSON.parse(JSON.stringify(store)) as Record<string, never>)
  else context.print(renderFields(storeFields(store)))
}

export const storesCreateCommand: CommandSpec = {
  path: ['stores', 'create'],
  summary: 'create a store on --replicas of the nodes (least loaded first, leaders spread)',
  args: [{ name: '<name>', required: true }],
  options: {
    replicas: { type: 'string', value: 'n', help: 'nodes holding a copy (default 3, or every node of a smaller cluster)' },
    'max-value': { type: 'string', value: 'size', help: 'largest value, e.g. 64k (default: the nodes\' limit)' },
    'max-keys': { type: 'string', value: 'n', help: 'key count quota' },
    'watch-history': { type: 'string', value: 'n', help: 'revisions retained for watch --from-revision' },
    'default-ttl': { type: 'string', value: 'duration', help: 'TTL of puts that give neither a TTL nor a lease, e.g. 1h' },
  },
  description: 'Prints the store as the catalog records it. Exits 4 (CONFLICT) when a store of that name exists.',
  examples: ['clustron stores create orders --replicas 3 --max-value 64k', 'clustron stores create sessions --default-ttl 30m --json'],
  async run(context) {
    printStore(context, await (await context.admin()).createStore(argument(context, 0), configOptions(context)))
    return exitCodes.ok
  },
}

/** The store config given by the options of `create` and `configure`. */
function configOptions(context: Context): StoreConfig {
  const config: StoreConfig = {}
  const replicas = integerOption(context, 'replicas', { min: 1 })
  if (replicas !== undefined) config.replicas = replicas
  const maxValue = stringOption(context, 'max-value')
  if (maxValue !== undefined) config.valueBytesMax = parseSize(maxValue, '--max-value')
  const maxKeys = integerOption(context, 'max-keys', { min: 1 })
  if (maxKeys !== undefined) config.keysMax = maxKeys
  const history = integerOption(context, 'watch-history', { min: 1 })
  if (history !== undefined) config.watchHistory = history
  const ttl = durationOption(context, 'default-ttl')
  if (ttl !== undefined) config.defaultTtlMs = ttl
  return config
}

export const storesConfigureCommand: CommandSpec = {
  path: ['stores', 'configure'],
  summary: "change a store's replicas, limits or default TTL (the options given)",
  args: [{ name: '<name>', required: true }],
  options: {
    replicas: { type: 'string', value: 'n', help: 'grow or shrink the placement (new replicas join and catch up)' },
    'max-value': { type: 'string', value: 'size', help: 'largest value, e.g. 64k' },
    'max-keys': { type: 'string', value: 'n', help: 'key count quota' },
    'watch-history': { type: 'string', value: 'n', help: 'revisions retained for watch --from-revision' },
    'default-ttl': { type: 'string', value: 'duration', help: 'TTL of puts that give neither a TTL nor a lease' },
  },
  description: "New limits reopen the store's replicas one node at a time. Clients see new limits when they reconnect.",
  examples: ['clustron stores configure orders --replicas 5', 'clustron stores configure orders --max-value 256k'],
  async run(context) {
    const config = configOptions(context)
    if (Object.keys(config).length === 0) throw new UsageError('give at least one of --replicas, --max-value, --max-keys, --watch-history, --default-ttl')
    printStore(context, await (await context.admin()).configureStore(argument(context, 0), config))
    return exitCodes.ok
  },
}

export const storesListCommand: CommandSpec = {
  path: ['stores', 'list'],
  summary: 'list the stores with their replicas and preferred leader',
  args: [],
  examples: ['clustron stores list', 'clustron stores list --json | jq -r ".[].name"'],
  async run(context) {
    const stores = await (await context.admin()).listStores()
    if (context.globals.json) context.printJson(JSON.parse(JSON.stringify(stores)) as never[])
    else context.print(renderTable(['NAME', 'REPLICAS', 'NODES', 'LEADER'], stores.map(storeRow)).trimEnd())
    return exitCodes.ok
  },
}

export const storesDescribeCommand: CommandSpec = {
  path: ['stores', 'describe'],
  summary: "show a store's config and placement",
  args: [{ name: '<name>', required: true }],
  description: 'Exits 1 when there is no such store.',
  examples: ['clustron stores describe orders'],
  async run(context) {
    const store = await notFoundAsExit(context, () => context.admin().then((admin) => admin.describeStore(argument(context, 0))))
    if (store === undefined) return exitCodes.notFound
    printStore(context, store)
    return exitCodes.ok
  },
}

export const storesDeleteCommand: CommandSpec = {
  path: ['stores', 'delete'],
  summary: 'delete a store and all its data (asks first unless --yes)',
  args: [{ name: '<name>', required: true }],
  options: { yes: { type: 'boolean', help: 'do not ask for confirmation' } },
  description: 'Exits 1 when there is no such store. Without --yes, reads the store name from stdin as confirmation (echo orders | clustron stores delete orders).',
  examples: ['clustron stores delete orders --yes'],
  async run(context) {
    const name = argument(context, 0)
    if (!flag(context, 'yes')) {
      const read = context.io.readStdin
      if (read === undefined) throw new UsageError(`deleting store '${name}' removes all its data: pass --yes to confirm`)
      context.warn(`delete store '${name}' and all its data on every node? type its name to confirm (then Enter and Ctrl-D), or pass --yes`)
      const answer = (await read()).split('\n')[0]?.trim()
      if (answer !== name) throw new UsageError(`not confirmed (expected '${name}', got '${answer ?? ''}'); nothing was deleted`)
    }
    const deleted = await notFoundAsExit(context, () => context.admin().then((admin) => admin.deleteStore(name)))
    if (deleted === undefined) return exitCodes.notFound
    if (context.globals.json) context.printJson({ deleted: deleted.name })
    else context.print(`deleted store '${deleted.name}'`)
    return exitCodes.ok
  },
}

export const storesMoveCommand: CommandSpec = {
  path: ['stores', 'move'],
  summary: 'move a replica between nodes (learner, caught up, promoted, then the source removed)',
  args: [{ name: '<name>', required: true }],
  options: {
    from: { type: 'string', value: 'node', help: 'node id giving up its replica' },
    to: { type: 'string', value: 'node', help: 'node id receiving it' },
  },
  description: 'Returns once the catalog records the move; the store\'s leader carries it out without downtime.\nWatch it with clustron stores describe / clustron members list.',
  examples: ['clustron stores move orders --from n1 --to n4'],
  async run(context) {
    const from = stringOption(context, 'from')
    const to = stringOption(context, 'to')
    if (from === undefined || to === undefined) throw new UsageError('give both --from <node> and --to <node>')
    printStore(context, await (await context.admin()).moveStore(argument(context, 0), from, to))
    return exitCodes.ok
  },
}

/** NOT_FOUND (no such store) is an answer, not a failure: exit 1 with the node's message. */
async function notFoundAsExit<T>(context: Context, run: () => Promise<T>): Promise<T | undefined> {
  try {
    return await run()
  } catch (error) {
    if (!(error instanceof ClustronError) || error.code !== 'NOT_FOUND') throw error
    if (context.globals.json) context.printJson(null)
    context.warn(error.message)
    return undefined
  }
}

export const storesModule: CommandModule = {
  group: storesGroup,
  commands: [storesCreateCommand, storesListCommand, storesDescribeCommand, storesConfigureCommand, storesDeleteCommand, storesMoveCommand],
}
