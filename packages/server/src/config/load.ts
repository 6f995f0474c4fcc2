import { existsSync, readFileSync } from 'node:fs'
import { extname, resolve } from 'node:path'
import { parseArgs } from 'node:util'
import { parse as parseYaml } from 'yaml'
import { describeIssues } from '@clustron/protocol'
import { configDefaults, configSchema, type ParsedConfig } from './schema.js'

/** An invalid configuration: the message names the bad key, where it came from, and why. */
export class ConfigError extends Error {
  constructor(message: string) {
    super(message)
    this.name = 'ConfigError'
  }
}

/** Flags of `clustron-server`; each is also a config key (camelCase) and CLUSTRON_<NAME> variable. */
export const flags = {
  port: { type: 'string', key: 'port', help: 'port for clients, peers and HTTP (default 7861; 0 = any free port)' },
  host: { type: 'string', key: 'host', help: 'address to listen on (default 127.0.0.1)' },
  data: { type: 'string', key: 'data', help: 'data directory, created if missing (default ./clustron-data)' },
  'node-id': { type: 'string', key: 'nodeId', help: "this node's id (default n1)" },
  store: { type: 'string', key: 'stores', multiple: true, help: "a store to host; repeat or comma-separate (default 'default')" },
  'watch-history': { type: 'string', key: 'watchHistory', help: 'revisions retained for watch fromRevision, per store (default 10000)' },
  limit: { type: 'string', key: 'limits', multiple: true, help: 'a limit override name=value; repeat or comma-separate (e.g. frameBytesMax=1048576)' },
  token: { type: 'string', key: 'token', help: 'require clients to present this token (full access; see tokens and --auth-key for roles)' },
  'auth-key': { type: 'string', key: 'authKey', help: 'key file tokens are verified with: HS256 secret or PEM key (clustron-server token key)' },
  insecure: { type: 'boolean', key: 'insecure', help: 'allow a non-loopback --host without authentication (anyone may do anything)' },
  'tls-cert': { type: 'string', key: 'tlsCert', help: "this node's TLS certificate (PEM) for clients and peers: clustrons://" },
  'tls-key': { type: 'string', key: 'tlsKey', help: "this node's TLS private key (PEM)" },
  'tls-ca': { type: 'string', key: 'tlsCa', help: 'CA (PEM) client and peer certificates must chain to; peers then need one (mTLS)' },
  'tls-client-auth': { type: 'string', key: 'tlsClientAuth', help: 'client certificates: required, optional or off (default off)' },
  'log-level': { type: 'string', key: 'logLevel', help: 'fatal, error, warn, info (default), debug, trace or silent' },
  peers: { type: 'string', key: 'peers', multiple: true, help: 'founding members id=host:port,... including this node (default: a cluster of one)' },
  join: { type: 'boolean', key: 'join', help: 'start empty and wait to be added to a running cluster (clustron members add)' },
  'cluster-secret': { type: 'string', key: 'clusterSecret', help: 'secret every member shares; peers must prove it (at least 16 characters)' },
  advertise: { type: 'string', key: 'advertise', help: 'host:port other nodes and clients use to reach this node (default host:port)' },
  memory: { type: 'boolean', key: 'memory', help: 'keep stores in memory only: no log, no fsync, single node (tests, benchmarks)' },
  'tick-ms': { type: 'string', key: 'tickMs', help: 'Raft tick (default 100 ms)' },
  'election-ticks': { type: 'string', key: 'electionTicks', help: 'election timeout in ticks (default 10; randomized up to 2x)' },
  'snapshot-entries': { type: 'string', key: 'snapshotEntries', help: 'snapshot and compact the log every N entries (default 10000)' },
  // Test only (fault tests skew one node's clock): left out of --help.
  'clock-offset-ms': { type: 'string', key: 'clockOffsetMs', hidden: true, help: 'TEST ONLY: run the stores clock this many ms off the system clock' },
  config: { type: 'string', key: 'config', help: 'a YAML or JSON file with the same keys (flags and env override it)' },
} as const

type FlagName = keyof typeof flags

export interface ConfigSources {
  argv: readonly string[]
  env: Readonly<Record<string, string | undefined>>
  cwd: string
}

export type CommandLine = { action: 'help' } | { action: 'version' } | { action: 'run'; config: ParsedConfig }

/** Parses flags, the environment and the config file into one validated configuration. */
export function loadConfig(sources: ConfigSources): CommandLine {
  const { values } = parseFlags(sources.argv)
  if (values.help === true) return { action: 'help' }
  if (values.version === true) return { action: 'version' }
  const origins = new Map<string, string>()
  const fromFlags = layer(values, (flag) => `--${flag}`, origins)
  const fromEnv = layer(environmentValues(sources.env), (flag) => envName(flag), origins)
  const configPath = (values.config as string | undefined) ?? sources.env.CLUSTRON_CONFIG
  const fromFile = configPath === undefined ? {} : readConfigFile(resolve(sources.cwd, configPath))
  for (const key of Object.keys(fromFile)) if (!origins.has(key)) origins.set(key, `${configPath} key '${key}'`)

  const merged: Record<string, unknown> = { ...configDefaults, ...fromFile, ...fromEnv, ...fromFlags }
  // Limits merge key by key across sources (a flag overrides one limit, not the file's others).
  if (fromFile.limits === undefined || isRecord(fromFile.limits)) {
    const limits = { ...asRecord(fromFile.limits), ...asRecord(fromEnv.limits), ...asRecord(fromFlags.limits) }
    if (Object.keys(limits).length > 0) merged.limits = limits
  }
  delete merged.config
  const parsed = configSchema.safeParse(merged)
  if (!parsed.success) {
    const issue = parsed.error.issues[0]!
    const key = String(issue.path[0] ?? '')
    const origin = origins.get(key)
    throw new ConfigError(`invalid config: ${describeIssues(parsed.error)}${origin === undefined ? '' : ` (from ${origin})`}`)
  }
  return { action: 'run', config: parsed.data }
}

function parseFlags(argv: readonly string[]) {
  const options = Object.fromEntries(
    Object.entries(flags).map(([flag, spec]) => [flag, { type: spec.type, ...('multiple' in spec ? { multiple: true } : {}) }]),
  ) as Record<FlagName, { type: 'string' | 'boolean'; multiple?: boolean }>
  try {
    return parseArgs({
      args: [...argv],
      options: { ...options, help: { type: 'boolean', short: 'h' }, version: { type: 'boolean' } },
      strict: true,
      allowPositionals: false,
    })
  } catch (error) {
    throw new ConfigError(`invalid command line: ${(error as Error).message}; see clustron-server --help`)
  }
}

/** Flag-named values (from argv or the environment) as config keys, recording where each came from. */
function layer(values: Record<string, unknown>, origin: (flag: FlagName) => string, origins: Map<string, string>): Record<string, unknown> {
  const out: Record<string, unknown> = {}
  for (const [flag, spec] of Object.entries(flags) as [FlagName, (typeof flags)[FlagName]][]) {
    const value = values[flag]
    if (value === undefined) continue
    if (!origins.has(spec.key)) origins.set(spec.key, `${origin(flag)}=${Array.isArray(value) ? value.join(',') : String(value)}`)
    if (spec.key === 'stores') out.stores = splitList(value)
    else if (spec.key === 'peers') out.peers = splitList(value)
    else if (spec.key === 'limits') out.limits = parseLimitPairs(splitList(value), origin(flag))
    else out[spec.key] = value
  }
  return out
}

function environmentValues(env: Readonly<Record<string, string | undefined>>): Record<string, unknown> {
  const values: Record<string, unknown> = {}
  for (const flag of Object.keys(flags) as FlagName[]) {
    const value = env[envName(flag)]
    if (value !== undefined && value !== '') values[flag] = value
  }
  return values
}

export function envName(flag: string): string {
  return `CLUSTRON_${flag.toUpperCase().replaceAll('-', '_')}`
}

/** CLUSTRON_* variables this node does not know (likely typos); CLUSTRON_URL belongs to clients. */
export function unknownEnvironment(env: Readonly<Record<string, string | undefined>>): string[] {
  const known = new Set([...Object.keys(flags).map(envName), 'CLUSTRON_URL'])
  return Object.keys(env).filter((name) => name.startsWith('CLUSTRON_') && !known.has(name))
}

function splitList(value: unknown): string[] {
  const items = Array.isArray(value) ? value : [value]
  return items.flatMap((item) => String(item).split(',')).map((item) => item.trim()).filter((item) => item.length > 0)
}

function parseLimitPairs(pairs: string[], origin: string): Record<string, string> {
  const limits: Record<string, string> = {}
  for (const pair of pairs) {
    const match = /^([A-Za-z]+)=(.+)$/.exec(pair)
    if (match === null) throw new ConfigError(`invalid config: limit '${pair}' (from ${origin}) must be name=value, e.g. frameBytesMax=1048576`)
    limits[match[1]!] = match[2]!
  }
  return limits
}

function readConfigFile(path: string): Record<string, unknown> {
  if (!existsSync(path)) throw new ConfigError(`invalid config: config file ${path} does not exist`)
  let parsed: unknown
  try {
    const text = readFileSync(path, 'utf8')
    parsed = extname(path).toLowerCase() === '.json' ? JSON.parse(text) : parseYaml(text)
  } catch (error) {
    throw new ConfigError(`invalid config: cannot read ${path}: ${(error as Error).message}`)
  }
  if (parsed === null || parsed === undefined) return {}
  if (typeof parsed !== 'object' || Array.isArray(parsed)) throw new ConfigError(`invalid config: ${path} must hold a mapping of config keys`)
  return parsed as Record<string, unknown>
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value)
}

function asRecord(value: unknown): Record<string, unknown> {
  return isRecord(value) ? value : {}
}
