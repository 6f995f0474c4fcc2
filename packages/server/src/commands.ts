import { existsSync, readFileSync, writeFileSync } from 'node:fs'
import { resolve } from 'node:path'
import { parseArgs } from 'node:util'
import { ClustronError } from '@clustron/core'
import { parse as parseYaml } from 'yaml'
import { authAlgorithms, generateAuthKey, type AuthAlgorithm } from './auth/keys.js'
import { roles, type Role } from './auth/roles.js'
import { createToken } from './auth/tokens.js'
import type { CliIo } from './cli.js'
import { createCerts } from './tls/certs.js'

/** `clustron-server token ...` and `clustron-server certs ...`: exit 0 done, 2 bad usage. */
export async function runSubcommand(io: CliIo): Promise<number> {
  const [group, action, ...rest] = io.argv
  try {
    if (group === 'token' && action === 'create') return await tokenCreate(rest, io)
    if (group === 'token' && action === 'key') return tokenKey(rest, io)
    if (group === 'certs' && action === 'create') return await certsCreate(rest, io)
    io.stderr(`clustron-server: unknown command '${[group, action].filter(Boolean).join(' ')}'\n${subcommandHelp}`)
    return 2
  } catch (error) {
    if (!(error instanceof UsageError) && !(error instanceof ClustronError)) throw error
    io.stderr(`clustron-server ${group} ${action}: ${error.message}\n`)
    return 2
  }
}

export const subcommandHelp = `Commands:
  clustron-server token create --store <name>[=<role>] ... [--role read|write|admin] --ttl <24h>
                               [--subject <name>] [--key <file>] [--config <file>] [--json]
      mints a token with the node's auth key (--key, else CLUSTRON_AUTH_KEY, else authKey of --config)
  clustron-server token key --out <file> [--alg EdDSA|ES256|HS256] [--public-out <file>] [--force]
      writes a new auth key (default EdDSA; --public-out: the public half, for nodes that only verify)
  clustron-server certs create --dir <dir> --nodes n1,n2,n3 [--hosts 127.0.0.1,localhost]
                               [--client <name> | --no-client] [--days 365]
      writes a development CA and certificates for each node and a client (reuses a CA in <dir>)
`

class UsageError extends Error {}

type ArgOptions = NonNullable<NonNullable<Parameters<typeof parseArgs>[0]>['options']>

function parse(args: string[], options: ArgOptions) {
  try {
    return parseArgs({ args, options, strict: true, allowPositionals: false }).values as Record<string, string | string[] | boolean | undefined>
  } catch (error) {
    throw new UsageError((error as Error).message)
  }
}

function list(value: string | string[] | boolean | undefined): string[] {
  if (value === undefined || typeof value === 'boolean') return []
  return (Array.isArray(value) ? value : [value]).flatMap((item) => item.split(',')).map((item) => item.trim()).filter((item) => item.length > 0)
}

async function tokenCreate(args: string[], io: CliIo): Promise<number> {
  const values = parse(args, {
    store: { type: 'string', multiple: true },
    role: { type: 'string' },
    ttl: { type: 'string' },
    subject: { type: 'string' },
    key: { type: 'string' },
    config: { type: 'string' },
    json: { type: 'boolean' },
  })
  const defaultRole = (values.role as string | undefined) ?? 'read'
  if (!roles.includes(defaultRole as Role)) throw new UsageError(`--role must be read, write or admin, got '${defaultRole}'`)
  const stores: Record<string, Role> = {}
  for (const item of list(values.store)) {
    const [store, role = defaultRole] = item.split('=')
    if (!roles.includes(role as Role)) throw new UsageError(`--store ${item}: the role must be read, write or admin`)
    stores[store!] = role as Role
  }
  if (Object.keys(stores).length === 0) throw new UsageError("name at least one store: --store orders (or --store '*' for every store)")
  if (values.ttl === undefined) throw new UsageError('give the lifetime: --ttl 24h (s, m, h, d)')
  const keyFile = (values.key as string | undefined) ?? io.env.CLUSTRON_AUTH_KEY ?? authKeyOfConfig((values.config as string | undefined) ?? io.env.CLUSTRON_CONFIG, io.cwd)
  if (keyFile === undefined) throw new UsageError("no key: give --key <file>, CLUSTRON_AUTH_KEY, or --config with the node's authKey")
  const subject = (values.subject as string | undefined) ?? 'clustron'
  const now = Date.now()
  const token = await createToken({ keyFile: resolve(io.cwd, keyFile), subject, stores, ttl: values.ttl as string, now })
  if (values.json === true) {
    const expiresAt = JSON.parse(Buffer.from(token.split('.')[1]!, 'base64url').toString('utf8')).exp as number
    io.stdout(`${JSON.stringify({ token, subject, stores, expiresAt: new Date(expiresAt * 1000).toISOString() })}\n`)
  } else io.stdout(`${token}\n`)
  return 0
}

/** The authKey of a config file (YAML or JSON), resolved against the working directory. */
function authKeyOfConfig(path: string | undefined, cwd: string): string | undefined {
  if (path === undefined) return undefined
  const file = resolve(cwd, path)
  let parsed: unknown
  try {
    parsed = parseYaml(readFileSync(file, 'utf8'))
  } catch (error) {
    throw new UsageError(`cannot read ${file}: ${(error as Error).message}`)
  }
  const key = typeof parsed === 'object' && parsed !== null ? (parsed as { authKey?: unknown }).authKey : undefined
  if (typeof key !== 'string') throw new UsageError(`${file} has no authKey`)
  return key
}

function tokenKey(args: string[], io: CliIo): number {
  const values = parse(args, { out: { type: 'string' }, alg: { type: 'string' }, 'public-out': { type: 'string' }, force: { type: 'boolean' } })
  const out = values.out as string | undefined
  if (out === undefined) throw new UsageError('give the file to write: --out auth.key')
  const algorithm = ((values.alg as string | undefined) ?? 'EdDSA') as AuthAlgorithm
  if (!authAlgorithms.includes(algorithm)) throw new UsageError(`--alg must be one of ${authAlgorithms.join(', ')}`)
  const publicOut = values['public-out'] as string | undefined
  if (publicOut !== undefined && algorithm === 'HS256') throw new UsageError('an HS256 secret has no public half: every node needs the secret itself')
  for (const path of [out, publicOut]) {
    if (path !== undefined && existsSync(resolve(io.cwd, path)) && values.force !== true) throw new UsageError(`${path} exists; pass --force to replace it`)
  }
  const key = generateAuthKey(algorithm)
  writeFileSync(resolve(io.cwd, out), key.key, { mode: 0o600 })
  if (publicOut !== undefined && key.publicKey !== undefined) writeFileSync(resolve(io.cwd, publicOut), key.publicKey)
  io.stdout(`wrote a ${algorithm} key to ${out}${publicOut === undefined ? '' : ` and its public half to ${publicOut}`}; start nodes with --auth-key ${out}\n`)
  return 0
}

async function certsCreate(args: string[], io: CliIo): Promise<number> {
  const values = parse(args, {
    dir: { type: 'string' },
    nodes: { type: 'string', multiple: true },
    hosts: { type: 'string', multiple: true },
    client: { type: 'string' },
    'no-client': { type: 'boolean' },
    days: { type: 'string' },
  })
  const dir = values.dir as string | undefined
  if (dir === undefined) throw new UsageError('give the directory: --dir ./certs')
  const nodes = list(values.nodes)
  if (nodes.length === 0) throw new UsageError('name the nodes: --nodes n1,n2,n3')
  const hosts = list(values.hosts)
  const days = values.days === undefined ? undefined : Number(values.days)
  const files = await createCerts({
    dir: resolve(io.cwd, dir),
    nodes,
    ...(hosts.length === 0 ? {} : { hosts }),
    client: values['no-client'] === true ? false : ((values.client as string | undefined) ?? 'client'),
    ...(days === undefined ? {} : { validDays: days }),
  })
  const lines = [`CA:     ${files.ca} (key ${files.caKey})`, ...Object.entries(files.nodes).map(([node, pair]) => `${node.padEnd(7)} ${pair.cert} (key ${pair.key})`)]
  if (files.client !== undefined) lines.push(`client: ${files.client.cert} (key ${files.client.key})`)
  io.stdout(`${lines.join('\n')}\nstart a node with --tls-cert <node>.pem --tls-key <node>-key.pem --tls-ca ca.pem\n`)
  return 0
}
