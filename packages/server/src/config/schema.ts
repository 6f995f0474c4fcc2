import { z } from 'zod'

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
  /** When set, clients must present this token. */
  token: z.string().min(1, 'token must not be empty').optional(),
  logLevel: z.enum(logLevels),
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
