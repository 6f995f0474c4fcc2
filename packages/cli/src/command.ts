import type { ClusterAdmin, Store } from '@clustron/client'
import { parseDuration } from './duration.js'
import { UsageError } from './exit-codes.js'
import type { CliIo } from './io.js'
import type { JsonValue } from './typed-json.js'

export interface OptionSpec {
  type: 'string' | 'boolean'
  /** Placeholder in help: `<duration>`, `<n>`, `<id>`. */
  value?: string
  help: string
  short?: string
  /** May be given more than once (`--store a --store b`): the values arrive joined with ','. */
  multiple?: boolean
}

export interface ArgumentSpec {
  name: string
  required: boolean
  /** The only values allowed (`completion bash|zsh|fish`); shell completion offers them. */
  choices?: readonly string[]
}

export type OptionValues = Readonly<Record<string, string | boolean | undefined>>

/** Options every command takes. */
export interface GlobalOptions {
  url: string
  token: string | undefined
  json: boolean
  timeoutMs: number
  debug: boolean
  /** PEM files for clustrons:// (--tls-ca, --tls-cert, --tls-key), as given (relative to cwd). */
  tls: { ca?: string; cert?: string; key?: string }
}

/** What a command gets to run. */
export interface Context {
  readonly io: CliIo
  readonly globals: GlobalOptions
  readonly args: readonly string[]
  readonly options: OptionValues
  /** Arguments after `--` (the command `lock` runs). */
  readonly rest: readonly string[]
  /** Aborted on Ctrl-C / SIGTERM. */
  readonly signal: AbortSignal
  /** The store named by --url, connected on first use and closed when the command ends. */
  store(): Promise<Store>
  /** Cluster administration of the same store (members). */
  admin(): Promise<ClusterAdmin>
  /** Keeps the store connection open after the command ends (see CliIo.detach). */
  detachStore(): void
  /** Writes one line (or several) to stdout. */
  print(text: string): void
  /** Writes a value as one line of JSON to stdout. */
  printJson(value: JsonValue): void
  /** Writes `clustron: <text>` to stderr. */
  warn(text: string): void
}

export interface CommandSpec {
  /** The words that name it: ['get'] or ['lease', 'grant']. */
  path: readonly string[]
  summary: string
  args: readonly ArgumentSpec[]
  options?: Readonly<Record<string, OptionSpec>>
  /** Paragraphs after the usage line. */
  description?: string
  examples: readonly string[]
  /** Takes `-- <cmd> [args...]` (lock). */
  passthrough?: string
  /** Ctrl-C ends this command by design (watch, keep-alive, lock): main does not cut it short. */
  handlesInterrupt?: boolean
  run(context: Context): Promise<number>
}

/** A command group: `lease grant|revoke|info|list`. */
export interface GroupSpec {
  name: string
  summary: string
  description?: string
}

export function stringOption(context: Context, name: string): string | undefined {
  const value = context.options[name]
  return typeof value === 'string' ? value : undefined
}

export function flag(context: Context, name: string): boolean {
  return context.options[name] === true
}

export function durationOption(context: Context, name: string): number | undefined {
  const value = stringOption(context, name)
  return value === undefined ? undefined : parseDuration(value, `--${name}`)
}

export function integerOption(context: Context, name: string, bounds: { min?: number } = {}): number | undefined {
  const value = stringOption(context, name)
  return value === undefined ? undefined : parseInteger(value, `--${name}`, bounds)
}

/** A safe integer written in decimal (`42`, `-5`); anything else is a usage error naming `what`. */
export function parseInteger(text: string, what: string, bounds: { min?: number } = {}): number {
  const value = /^[-+]?\d+$/.test(text.trim()) ? Number(text) : Number.NaN
  if (!Number.isSafeInteger(value)) throw new UsageError(`${what} must be an integer, got '${text}'`)
  if (bounds.min !== undefined && value < bounds.min) throw new UsageError(`${what} must be at least ${bounds.min}, got ${value}`)
  return value
}

/** The positional argument at `index` (present: arity was checked against the spec). */
export function argument(context: Context, index: number): string {
  const value = context.args[index]
  if (value === undefined) throw new Error(`assertion failed: argument ${index} was checked to be present`)
  return value
}
