import { z } from 'zod'
import { storeGrantsSchema } from '../auth/roles.js'

/**
 * The node's configuration, as flags, CLUSTRON_* variables and a YAML/JSON file all express it
 * (spec §10: every flag is also a config key and an environment variable). Text from flags and
 * the environment is coerced where a number is expected; everything is checked here once.
 */

/** "7861" → 7861; anything else passes through for the schema to judge. */
function textToNumber(value: unknown): unknown {
  if (typeof value !== 'string') return value
  const text = value.trim()
  if (/^-?\d+(\.\d+)?$/.test(text)) return Number(text)
  if (/^(\+?inf(inity)?|\.inf)$/i.test(text)) return Number.POSITIVE_INFINITY
  return value
}

const integer = (min: number, max: number) => z.preprocess(textToNumber, z.number().int().min(min).max(max))

/** "true"/"1"/"yes" → true, "false"/"0"/"no" → false (flags and environment are text). */
function textToBoolean(value: unknown): unknown {
  if (typeof value !== 'string') return value
  const text = value.trim().toLowerCase()
  if (['true', '1', 'yes', 'on', ''].includes(text)) return true
  if (['false', '0', 'no', 'off'].includes(text)) return false
  return value
}

const boolean = () => z.preprocess(textToBoolean, z.boolean())

const address = z.string().regex(/^(\[[0-9A-Fa-f:.]+\]|[A-Za-z0-9.-]+):\d{1,5}$/, 'an address must be host:port (e.g. 127.0.0.1:7862)')

/** "n1=127.0.0.1:7861,n2=127.0.0.1:7862" or a mapping → { n1: '127.0.0.1:7861', ... }. */
function textToPeers(value: unknown): unknown {
  if (typeof value !== 'string' && !Array.isArray(value)) return value
  const items = (Array.isArray(value) ? value : [value]).flatMap((item) => String(item).split(',')).map((item) => item.trim()).filter(Boolean)
  const peers: Record<string, string> = {}
  for (const item of items) {
    const match = /^([^=]+)=(.+)$/.exec(item)
    if (match === null) return item // the schema reports it
    peers[match[1]!.trim()] = match[2]!.trim()
  }
  return peers
}

export const logLevels = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'] as const
export type LogLevel = (typeof logLevels)[number]

const name = (what: string) =>
  z.string().regex(/^[A-Za-z0-9][A-Za-z0-9._-]{0,127}$/, `${what} must be 1-128 letters, digits, '.', '_' or '-', starting with a letter or digit`)

/** Limit overrides by name; their names and values are checked against core's limits afterwards. */
const limitsSchema = z.record(z.string(), z.preprocess(textToNumber, z.number()))

const storeSchema = z.union([
  name('a store name'),
  z.strictObject({
    name: name('a store name'),
    /** Revisions of events retained for watch({ fromRevision }) in this store. */
    watchHistory: integer(1, 100_000_000).optional(),
    limits: limitsSchema.optional(),
  }),
])

/** A token of the config's static list: the token itself or its SHA-256 (hex), who holds it, and its grants. */
export const staticTokenSchema = z
  .strictObject({
    token: z.string().min(16, 'a static token must be at least 16 characters (use clustron-server token key to make one)').optional(),
    sha256: z.string().regex(/^[0-9A-Fa-f]{64}$/, 'sha256 must be the hex SHA-256 of the token (64 hex digits)').optional(),
    subject: z.string().min(1).max(256),
    stores: storeGrantsSchema,
  })
  .refine((token) => (token.token === undefined) !== (token.sha256 === undefined), 'a static token gives either token or sha256 (not both)')

export const tlsClientAuthModes = ['required', 'optional', 'off'] as const

export const configSchema = z.strictObject({
  nodeId: name('nodeId'),
  host: z.string().min(1, 'host must not be empty'),
  port: integer(0, 65535),
  /** Where the node keeps its data (created if missing). */
  data: z.string().min(1, 'data must be a directory path').optional(),
  stores: z.array(storeSchema).min(1, 'a node hosts at least one store'),
  /** Default watch history (revisions) of every store. */
  watchHistory: integer(1, 100_000_000).optional(),
  /** Node-wide limits (and defaults of every store's). */
  limits: limitsSchema.optional(),
  /** When set, clients must present this token (it may do everything; `tokens` gives finer grants). */
  token: z.string().min(1, 'token must not be empty').optional(),
  /** File with the key tokens are verified (and minted) with: an HS256 secret, or a PEM key (Ed25519 → EdDSA, P-256 → ES256). */
  authKey: z.string().min(1, 'authKey must be a file path').optional(),
  /** Static tokens (config file): token or sha256, subject, and roles per store. */
  tokens: z.array(staticTokenSchema).optional(),
  /** Allow a listener that is not loopback without authentication (anyone who reaches the port may do anything). */
  insecure: boolean().optional(),
  /** TLS for clients and peers (clustrons://, wss): the node's certificate chain and private key (PEM files). */
  tlsCert: z.string().min(1, 'tlsCert must be a file path').optional(),
  tlsKey: z.string().min(1, 'tlsKey must be a file path').optional(),
  /** CA (PEM) that client and peer certificates must chain to; with it, peers authenticate by certificate (mTLS). */
  tlsCa: z.string().min(1, 'tlsCa must be a file path').optional(),
  /** Client certificates: required (no connection without one from tlsCa), optional (checked when given), off. */
  tlsClientAuth: z.enum(tlsClientAuthModes).optional(),
  logLevel: z.enum(logLevels),
  /** Every founding member of the cluster, this node included: id=host:port,... (absent: a cluster of one). */
  peers: z.preprocess(textToPeers, z.record(name('a peer id'), address, 'peers must be id=host:port pairs, e.g. n1=127.0.0.1:7861,n2=127.0.0.1:7862')).optional(),
  /** Start empty and wait to be added (clustron members add): a new or wiped node joining a running cluster. */
  join: boolean().optional(),
  /** Shared by every member: peers prove they know it before they can vote or append. */
  clusterSecret: z.string().min(16, 'clusterSecret must be at least 16 characters').optional(),
  /** host:port other nodes and clients use to reach this node (default host:port). */
  advertise: address.optional(),
  /** Keep stores in memory only (no log, no fsync): fast, not durable, a single node. For tests and benchmarks. */
  memory: boolean().optional(),
  /** Raft timing: a tick, and the election timeout in ticks (randomized up to twice that). */
  tickMs: integer(10, 10_000).optional(),
  electionTicks: integer(3, 1_000).optional(),
  /** A snapshot (and log compaction) every this many applied log entries. */
  snapshotEntries: integer(10, 100_000_000).optional(),
  /**
   * TEST ONLY (hidden flag --clock-offset-ms): the stores' clock runs this many ms ahead of (or,
   * negative, behind) the system clock, so fault tests can skew one node's lease and TTL timing.
   */
  clockOffsetMs: integer(-86_400_000, 86_400_000).optional(),
})

export type ConfigInput = z.input<typeof configSchema>
export type ParsedConfig = z.output<typeof configSchema>

export const configDefaults = {
  nodeId: 'n1',
  host: '127.0.0.1',
  port: 7861,
  data: './clustron-data',
  stores: ['default'],
  logLevel: 'info',
} as const
