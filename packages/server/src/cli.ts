import { readFileSync } from 'node:fs'
import { resolve } from 'node:path'
import { ConfigError, flags, loadConfig, unknownEnvironment, envName } from './config/load.js'
import { runSubcommand, subcommandHelp } from './commands.js'
import { startNode, type ClustronNode, type NodeOptions, type StoreOptions } from './node.js'

export interface CliIo {
  argv: readonly string[]
  env: Readonly<Record<string, string | undefined>>
  cwd: string
  stdout(text: string): void
  stderr(text: string): void
}

/** Exit codes: 0 done, 1 the node failed at runtime (e.g. the port is taken), 2 bad configuration. */
export const exitCodes = { ok: 0, failed: 1, badConfig: 2 } as const

/**
 * `clustron-server`: loads the configuration (flags > CLUSTRON_* env > --config file > defaults),
 * starts the node and returns it; the caller decides how to wait (the bin waits for a signal).
 */
export async function runCli(io: CliIo): Promise<{ code: number; node?: ClustronNode }> {
  if (io.argv[0] === 'token' || io.argv[0] === 'certs') return { code: await runSubcommand(io) }
  let loaded
  try {
    loaded = loadConfig(io)
  } catch (error) {
    if (!(error instanceof ConfigError)) throw error
    io.stderr(`clustron-server: ${error.message}\n`)
    return { code: exitCodes.badConfig }
  }
  if (loaded.action === 'help') {
    io.stdout(helpText())
    return { code: exitCodes.ok }
  }
  if (loaded.action === 'version') {
    io.stdout(`${packageVersion()}\n`)
    return { code: exitCodes.ok }
  }
  const { config } = loaded
  const stores = config.stores.map((store): StoreOptions | string => {
    if (typeof store === 'string') return store
    const spec: StoreOptions = { name: store.name }
    if (store.watchHistory !== undefined) spec.watchHistory = store.watchHistory
    if (store.limits !== undefined) spec.limits = store.limits
    return spec
  })
  const options: NodeOptions = { nodeId: config.nodeId, host: config.host, port: config.port, stores, logLevel: config.logLevel }
  if (config.data !== undefined) options.data = config.data
  if (config.watchHistory !== undefined) options.watchHistory = config.watchHistory
  if (config.limits !== undefined) options.limits = config.limits
  if (config.token !== undefined) options.token = config.token
  if (config.authKey !== undefined) options.authKey = resolve(io.cwd, config.authKey)
  if (config.tokens !== undefined) options.tokens = config.tokens
  if (config.insecure !== undefined) options.insecure = config.insecure
  if (config.tlsCert !== undefined) options.tlsCert = resolve(io.cwd, config.tlsCert)
  if (config.tlsKey !== undefined) options.tlsKey = resolve(io.cwd, config.tlsKey)
  if (config.tlsCa !== undefined) options.tlsCa = resolve(io.cwd, config.tlsCa)
  if (config.tlsClientAuth !== undefined) options.tlsClientAuth = config.tlsClientAuth
  if (config.peers !== undefined) options.peers = config.peers
  if (config.join !== undefined) options.join = config.join
  if (config.clusterSecret !== undefined) options.clusterSecret = config.clusterSecret
  if (config.advertise !== undefined) options.advertise = config.advertise
  if (config.memory !== undefined) options.memory = config.memory
  if (config.tickMs !== undefined) options.tickMs = config.tickMs
  if (config.electionTicks !== undefined) options.electionTicks = config.electionTicks
  if (config.snapshotEntries !== undefined) options.snapshotEntries = config.snapshotEntries
  if (config.clockOffsetMs !== undefined) options.clockOffsetMs = config.clockOffsetMs
  for (const name of unknownEnvironment(io.env)) io.stderr(`clustron-server: ignoring unknown environment variable ${name}\n`)
  try {
    return { code: exitCodes.ok, node: await startNode(options) }
  } catch (error) {
    const message = (error as Error).message
    io.stderr(`clustron-server: ${message}\n`)
    return { code: message.startsWith('invalid config') ? exitCodes.badConfig : exitCodes.failed }
  }
}

function helpText(): string {
  const lines = Object.entries(flags).filter(([, spec]) => !('hidden' in spec)).map(([flag, spec]) => {
    const usage = spec.type === 'boolean' ? flag : `${flag} <value>`
    return `  --${usage.padEnd(24)} ${spec.help}\n${' '.repeat(29)}(env ${envName(flag)}, config key ${spec.key})`
  })
  return `clustron-server — run a Clustron node

Usage: clustron-server [options]
       clustron-server token create|key ...   clustron-server certs create ...

Options:
${lines.join('\n')}
  -h, --help                 show this help
  --version                  print the version

${subcommandHelp}
Flags override CLUSTRON_* variables, which override the --config file, which overrides the defaults.
Stop with SIGTERM or SIGINT: in-flight requests finish, watches end with UNAVAILABLE, then exit 0.
`
}

function packageVersion(): string {
  try {
    const text = readFileSync(new URL('../package.json', import.meta.url), 'utf8')
    return (JSON.parse(text) as { version?: string }).version ?? 'unknown'
  } catch {
    return 'unknown'
  }
}
