import { resolve } from 'node:path'
import { flag, integerOption, stringOption, type CommandSpec, type Context } from '../command.js'
import { parseDuration } from '../duration.js'
import { exitCodes, UsageError } from '../exit-codes.js'
import { renderFields } from '../format.js'

/**
 * `token create` and `certs create` run on an operator's machine, not against a store: they mint
 * with the node's key and write files. The work is done by @clustron/server (createToken,
 * createCerts), loaded only when one of them runs so every other command starts without it.
 */
const loadServer = () => import('@clustron/server')

const roleNames = ['read', 'write', 'admin'] as const
type RoleName = (typeof roleNames)[number]

export const tokenGroup = {
  name: 'token',
  summary: 'mint access tokens for nodes that require them',
  description: "Tokens are JWTs signed with the node's auth key (clustron-server --auth-key <file>). They grant\na role per store: read, write (read + every change), admin (write + membership).",
}

export const tokenCreateCommand: CommandSpec = {
  path: ['token', 'create'],
  summary: "mint a token with the node's auth key and print it",
  args: [],
  options: {
    store: { type: 'string', value: '<name>[=<role>]', multiple: true, help: "a store the token grants (repeat, or a,b=read); '*' for every store" },
    role: { type: 'string', value: 'read|write|admin', help: 'the role of stores given without =<role> (default read)' },
    ttl: { type: 'string', value: '<duration>', help: 'lifetime of the token, e.g. 24h, 7d (required)' },
    subject: { type: 'string', value: '<name>', help: 'who holds it, shown in node logs (default clustron)' },
    key: { type: 'string', value: '<file>', help: "the node's auth key file (default env CLUSTRON_AUTH_KEY)" },
  },
  description:
    'Prints the token on stdout (with --json: { token, subject, stores, expiresAt }). Pass it to\nclustron with --token or CLUSTRON_TOKEN. The key is the file nodes verify with (an HS256\nsecret, or a PEM private key; a public key cannot mint).',
  examples: [
    'clustron token create --store orders --role write --ttl 24h --key auth.key',
    "CLUSTRON_AUTH_KEY=auth.key clustron token create --store orders=write --store '*'=read --ttl 7d --subject billing",
    'export CLUSTRON_TOKEN=$(clustron token create --store default --role admin --ttl 1h --key auth.key)',
  ],
  async run(context) {
    const defaultRole = parseRole(stringOption(context, 'role') ?? 'read', '--role')
    const stores: Record<string, RoleName> = {}
    for (const item of splitList(stringOption(context, 'store'))) {
      const [store = '', role, extra] = item.split('=')
      if (extra !== undefined || store === '') throw new UsageError(`--store '${item}' must be <name> or <name>=<role>, e.g. --store orders=write`)
      stores[store] = role === undefined ? defaultRole : parseRole(role, `--store ${item}`)
    }
    if (Object.keys(stores).length === 0) throw new UsageError("name at least one store: --store orders (or --store '*' for every store)")
    const ttl = stringOption(context, 'ttl')
    if (ttl === undefined) throw new UsageError('give the lifetime of the token: --ttl 24h (ms, s, m, h, d)')
    const ttlMs = parseDuration(ttl, '--ttl')
    if (ttlMs < 1_000) throw new UsageError('--ttl must be at least 1s')
    const keyFile = stringOption(context, 'key') ?? nonEmpty(context.io.env.CLUSTRON_AUTH_KEY)
    if (keyFile === undefined) throw new UsageError("no key: give --key <file> (the node's --auth-key file) or set CLUSTRON_AUTH_KEY")
    const subject = stringOption(context, 'subject') ?? 'clustron'
    const { createToken } = await loadServer()
    const now = Date.now()
    const token = await createToken({ keyFile: resolve(context.io.cwd, keyFile), subject, stores, ttlMs, now })
    if (context.globals.json) context.printJson({ token, subject, stores, expiresAt: new Date(now + ttlMs).toISOString() })
    else context.print(token)
    return exitCodes.ok
  },
}

export const certsGroup = {
  name: 'certs',
  summary: 'development TLS certificates for a local cluster',
  description: 'Writes a CA and certificates with @clustron/server. For development and tests: production\nclusters should use certificates from their own PKI.',
}

export const certsCreateCommand: CommandSpec = {
  path: ['certs', 'create'],
  summary: 'write a development CA and node and client certificates',
  args: [],
  options: {
    dir: { type: 'string', value: '<dir>', help: 'where to write them (created if missing; a CA already there is reused) (required)' },
    nodes: { type: 'string', value: '<id,...>', multiple: true, help: 'node ids: each gets <id>.pem and <id>-key.pem (required)' },
    hosts: { type: 'string', value: '<host,...>', multiple: true, help: 'names and IPs the nodes are reached at (default 127.0.0.1,::1,localhost)' },
    client: { type: 'string', value: '<name>', help: 'name of the client certificate client.pem (default client)' },
    'no-client': { type: 'boolean', help: 'write no client certificate' },
    days: { type: 'string', value: '<n>', help: 'validity of the new certificates in days (default 365)' },
  },
  description:
    'Then start each node with --tls-cert <id>.pem --tls-key <id>-key.pem --tls-ca ca.pem and connect\nwith clustron --url clustrons://host:port/<store> --tls-ca ca.pem (add --tls-cert client.pem\n--tls-key client-key.pem when nodes require client certificates).',
  examples: ['clustron certs create --dir ./certs --nodes n1,n2,n3', 'clustron certs create --dir ./certs --nodes n1 --hosts db1.internal,10.0.0.1 --days 30', 'clustron certs create --dir ./certs --nodes n4 --no-client   # reuses ./certs/ca.pem'],
  async run(context) {
    const dir = stringOption(context, 'dir')
    if (dir === undefined) throw new UsageError('give the directory: --dir ./certs')
    const nodes = splitList(stringOption(context, 'nodes'))
    if (nodes.length === 0) throw new UsageError('name the nodes: --nodes n1,n2,n3')
    const hosts = splitList(stringOption(context, 'hosts'))
    const days = integerOption(context, 'days', { min: 1 })
    if (flag(context, 'no-client') && stringOption(context, 'client') !== undefined) throw new UsageError('give --client <name> or --no-client, not both')
    const { createCerts } = await loadServer()
    const files = await createCerts({
      dir: resolve(context.io.cwd, dir),
      nodes,
      client: flag(context, 'no-client') ? false : (stringOption(context, 'client') ?? 'client'),
      ...(hosts.length === 0 ? {} : { hosts }),
      ...(days === undefined ? {} : { validDays: days }),
    })
    printCerts(context, files)
    return exitCodes.ok
  },
}

function printCerts(context: Context, files: { ca: string; caKey: string; nodes: Record<string, { cert: string; key: string }>; client?: { cert: string; key: string } }): void {
  if (context.globals.json) {
    context.printJson({ ca: files.ca, caKey: files.caKey, nodes: files.nodes, ...(files.client === undefined ? {} : { client: files.client }) })
    return
  }
  const rows: [string, string][] = [['ca', `${files.ca} (key ${files.caKey})`]]
  for (const [node, pair] of Object.entries(files.nodes)) rows.push([node, `${pair.cert} (key ${pair.key})`])
  if (files.client !== undefined) rows.push(['client', `${files.client.cert} (key ${files.client.key})`])
  context.print(renderFields(rows))
  context.print('start a node with --tls-cert <node>.pem --tls-key <node>-key.pem --tls-ca ca.pem')
}

function parseRole(text: string, what: string): RoleName {
  if (!(roleNames as readonly string[]).includes(text)) throw new UsageError(`${what}: the role must be read, write or admin, got '${text}'`)
  return text as RoleName
}

function splitList(value: string | undefined): string[] {
  if (value === undefined) return []
  return value
    .split(',')
    .map((item) => item.trim())
    .filter((item) => item.length > 0)
}

function nonEmpty(value: string | undefined): string | undefined {
  return value === undefined || value === '' ? undefined : value
}
