import { parseArgs } from 'node:util'
import type { CommandSpec, GlobalOptions, GroupSpec, OptionSpec, OptionValues } from './command.js'
import { parseDuration } from './duration.js'
import { UsageError } from './exit-codes.js'

/** Options every command takes, before or after its name. */
export const globalOptions: Readonly<Record<string, OptionSpec>> = {
  url: { type: 'string', value: '<url>', help: 'the store: clustron://host:port[,host:port...]/<store> (env CLUSTRON_URL; default clustron://127.0.0.1:7861/default)' },
  token: { type: 'string', value: '<token>', help: 'token the nodes require (env CLUSTRON_TOKEN)' },
  json: { type: 'boolean', help: 'machine output: JSON on stdout (one document, or one line per event)' },
  timeout: { type: 'string', value: '<duration>', help: 'how long to wait for the store to connect and answer each request (default 10s)' },
  debug: { type: 'boolean', help: 'show stack traces and causes of errors' },
  'tls-ca': { type: 'string', value: '<file>', help: 'with clustrons://: trust this CA certificate (PEM) (env CLUSTRON_TLS_CA)' },
  'tls-cert': { type: 'string', value: '<file>', help: 'with clustrons://: client certificate (PEM) for nodes that ask for one (env CLUSTRON_TLS_CERT)' },
  'tls-key': { type: 'string', value: '<file>', help: 'the key of --tls-cert (PEM) (env CLUSTRON_TLS_KEY)' },
  help: { type: 'boolean', short: 'h', help: 'show help for the command' },
}

export const defaultUrl = 'clustron://127.0.0.1:7861/default'
export const defaultTimeout = '10s'

export type Invocation =
  | { kind: 'help'; topic: readonly string[] }
  | { kind: 'version' }
  | { kind: 'run'; command: CommandSpec; args: string[]; options: OptionValues; rest: string[]; globals: GlobalOptions }

/** Marks a token that starts with '-' but is a negative number, so parseArgs reads it as a value. */
const negativeMark = '\u0000'

/**
 * Finds the command in `argv` and parses its arguments with node:util parseArgs (strict: an unknown
 * option is a usage error). Global options may come before or after the command's name.
 */
export function parseInvocation(argv: readonly string[], env: Readonly<Record<string, string | undefined>>, commands: readonly CommandSpec[], groups: readonly GroupSpec[]): Invocation {
  // `lock job -- cmd --flag`: everything after the first `--` belongs to the child, untouched.
  const separator = argv.indexOf('--')
  const head = separator === -1 ? [...argv] : argv.slice(0, separator)
  const rest = separator === -1 ? [] : argv.slice(separator + 1)
  const { words, remaining } = commandWords(head, commands, groups)
  const first = words[0]
  if (first === undefined) {
    if (remaining.includes('--version') || remaining.includes('-V')) return { kind: 'version' }
    if (remaining.includes('--help') || remaining.includes('-h')) return { kind: 'help', topic: [] }
    throw new UsageError('no command given; run clustron --help for the list')
  }
  if (first === 'help') return { kind: 'help', topic: [...words.slice(1), ...positionalsOf(remaining)] }
  if (first === 'version') return { kind: 'version' }
  const command = findCommand(words, commands, groups, remaining)
  if (command === 'group-help') return { kind: 'help', topic: words.slice(0, 1) }
  const options = parseOptions(command, remaining)
  if (options.values.help === true) return { kind: 'help', topic: command.path }
  const args = [...options.positionals]
  if (command.passthrough === undefined) args.push(...rest)
  else if (rest.length === 0) throw new UsageError(`give the command to run after --, e.g. clustron ${command.path.join(' ')} ${command.args.map((arg) => arg.name).join(' ')} -- ${command.passthrough}`)
  checkArity(command, args)
  return { kind: 'run', command, args, options: options.values, rest: command.passthrough === undefined ? [] : rest, globals: resolveGlobals(options.values, env) }
}

/** The command's words (one, or a group and its subcommand) and the other tokens in order. */
function commandWords(head: readonly string[], commands: readonly CommandSpec[], groups: readonly GroupSpec[]): { words: string[]; remaining: string[] } {
  const takesValue = new Set<string>()
  for (const [name, spec] of Object.entries(globalOptions)) if (spec.type === 'string') takesValue.add(`--${name}`)
  const words: string[] = []
  const remaining: string[] = []
  const groupNames = new Set(groups.map((group) => group.name))
  for (let index = 0; index < head.length; index++) {
    const token = head[index]!
    const wanted = words.length === 0 || (words.length === 1 && groupNames.has(words[0]!))
    if (wanted && !token.startsWith('-')) {
      words.push(token)
      // The options of the command just named may come before a group's subcommand: skip their values too.
      for (const command of commands) if (command.path[0] === token) for (const [name, spec] of Object.entries(command.options ?? {})) if (spec.type === 'string') takesValue.add(`--${name}`)
      continue
    }
    remaining.push(token)
    if (takesValue.has(token) && index + 1 < head.length) remaining.push(head[++index]!)
  }
  return { words, remaining }
}

function findCommand(words: readonly string[], commands: readonly CommandSpec[], groups: readonly GroupSpec[], remaining: readonly string[]): CommandSpec | 'group-help' {
  const [first, second] = words
  const group = groups.find((candidate) => candidate.name === first)
  if (group !== undefined) {
    const members = commands.filter((command) => command.path[0] === first)
    const names = members.map((command) => command.path[1]).join(', ')
    if (second === undefined) {
      if (remaining.includes('--help') || remaining.includes('-h')) return 'group-help'
      throw new UsageError(`'clustron ${first}' needs a command: ${names}; run clustron ${first} --help`)
    }
    const command = members.find((candidate) => candidate.path[1] === second)
    if (command === undefined) throw new UsageError(`unknown command 'clustron ${first} ${second}'; use one of: ${names}`)
    return command
  }
  const command = commands.find((candidate) => candidate.path.length === 1 && candidate.path[0] === first)
  if (command === undefined) {
    const known = [...commands.map((candidate) => candidate.path[0]!), ...groups.map((candidate) => candidate.name)]
    const guess = closest(first!, known)
    throw new UsageError(`unknown command '${first}'${guess === undefined ? '' : ` (did you mean '${guess}'?)`}; run clustron --help for the list`)
  }
  return command
}

function parseOptions(command: CommandSpec, tokens: string[]): { values: Record<string, string | boolean | undefined>; positionals: string[] } {
  const specs = { ...globalOptions, ...command.options }
  const options: Record<string, { type: 'string' | 'boolean'; short?: string; multiple?: boolean }> = {}
  for (const [name, spec] of Object.entries(specs)) {
    options[name] = { type: spec.type, ...(spec.short === undefined ? {} : { short: spec.short }), ...(spec.multiple === true ? { multiple: true } : {}) }
  }
  const marked = tokens.map((token) => (/^-\d/.test(token) ? negativeMark + token : token))
  let parsed
  try {
    parsed = parseArgs({ args: marked, options, allowPositionals: true, strict: true })
  } catch (error) {
    throw usageFromParseError(error, command, specs)
  }
  const values: Record<string, string | boolean | undefined> = {}
  for (const [name, value] of Object.entries(parsed.values)) {
    values[name] = typeof value === 'string' ? unmark(value) : Array.isArray(value) ? value.map((item) => unmark(String(item))).join(',') : (value as boolean | undefined)
  }
  return { values, positionals: parsed.positionals.map(unmark) }
}

function unmark(text: string): string {
  return text.startsWith(negativeMark) ? text.slice(1) : text
}

function usageFromParseError(error: unknown, command: CommandSpec, specs: Record<string, OptionSpec>): Error {
  const code = (error as { code?: string }).code
  const message = error instanceof Error ? error.message : String(error)
  const name = /'(-{1,2}[^' ]+)/.exec(message)?.[1] ?? ''
  const where = `clustron ${command.path.join(' ')}`
  if (code === 'ERR_PARSE_ARGS_UNKNOWN_OPTION') return new UsageError(`unknown option '${name}' for '${where}'; run ${where} --help`)
  if (code === 'ERR_PARSE_ARGS_INVALID_OPTION_VALUE') {
    const spec = specs[name.replace(/^-+/, '')]
    if (spec?.type === 'boolean') return new UsageError(`option '${name}' takes no value`)
    return new UsageError(`option '${name}' needs a value: ${name} ${spec?.value ?? '<value>'}`)
  }
  return new UsageError(`${message.split('. ')[0]}; run ${where} --help`)
}

function checkArity(command: CommandSpec, args: string[]): void {
  const usage = `clustron ${command.path.join(' ')} ${command.args.map((arg) => arg.name).join(' ')}`.trim()
  const missing = command.args.find((arg, index) => arg.required && args[index] === undefined)
  if (missing !== undefined) throw new UsageError(`missing ${missing.name}; usage: ${usage}`)
  if (args.length > command.args.length) {
    throw new UsageError(`too many arguments (${args.slice(command.args.length).map((arg) => `'${arg}'`).join(' ')}); usage: ${usage}${/\s/.test(args.join('')) ? '' : ' (quote values with spaces)'}`)
  }
  command.args.forEach((arg, index) => {
    const value = args[index]
    if (arg.choices !== undefined && value !== undefined && !arg.choices.includes(value)) {
      throw new UsageError(`${arg.name} must be one of ${arg.choices.join(', ')}, got '${value}'`)
    }
  })
}

function resolveGlobals(values: Record<string, string | boolean | undefined>, env: Readonly<Record<string, string | undefined>>): GlobalOptions {
  const nonEmpty = (value: string | boolean | undefined) => (typeof value === 'string' && value !== '' ? value : undefined)
  const timeoutMs = parseDuration(nonEmpty(values.timeout) ?? defaultTimeout, '--timeout')
  if (timeoutMs < 1) throw new UsageError('--timeout must be at least 1ms')
  return {
    url: nonEmpty(values.url) ?? nonEmpty(env.CLUSTRON_URL) ?? defaultUrl,
    token: nonEmpty(values.token) ?? nonEmpty(env.CLUSTRON_TOKEN),
    json: values.json === true,
    timeoutMs,
    debug: values.debug === true,
    tls: tlsFiles(values, env),
  }
}

function tlsFiles(values: Record<string, string | boolean | undefined>, env: Readonly<Record<string, string | undefined>>): GlobalOptions['tls'] {
  const nonEmpty = (value: string | boolean | undefined) => (typeof value === 'string' && value !== '' ? value : undefined)
  const tls: GlobalOptions['tls'] = {}
  const ca = nonEmpty(values['tls-ca']) ?? nonEmpty(env.CLUSTRON_TLS_CA)
  const cert = nonEmpty(values['tls-cert']) ?? nonEmpty(env.CLUSTRON_TLS_CERT)
  const key = nonEmpty(values['tls-key']) ?? nonEmpty(env.CLUSTRON_TLS_KEY)
  if (ca !== undefined) tls.ca = ca
  if (cert !== undefined) tls.cert = cert
  if (key !== undefined) tls.key = key
  if ((cert === undefined) !== (key === undefined)) throw new UsageError('give --tls-cert and --tls-key together (a client certificate and its key)')
  return tls
}

function positionalsOf(tokens: string[]): string[] {
  return tokens.filter((token) => !token.startsWith('-'))
}

/** The known word nearest to a mistyped one (edit distance at most 2), for "did you mean". */
function closest(word: string, known: string[]): string | undefined {
  let best: { word: string; distance: number } | undefined
  for (const candidate of new Set(known)) {
    const distance = editDistance(word, candidate)
    if (distance <= 2 && (best === undefined || distance < best.distance)) best = { word: candidate, distance }
  }
  return best?.word
}

function editDistance(a: string, b: string): number {
  let previous = Array.from({ length: b.length + 1 }, (_, index) => index)
  for (let i = 1; i <= a.length; i++) {
    const current = [i]
    for (let j = 1; j <= b.length; j++) current[j] = Math.min(previous[j]! + 1, current[j - 1]! + 1, previous[j - 1]! + (a[i - 1] === b[j - 1] ? 0 : 1))
    previous = current
  }
  return previous[b.length]!
}
