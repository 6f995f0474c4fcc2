import type { ParsedCommand, Token } from './datadriven.js'
import { parseKey, parseLiteral } from './literals.js'

/**
 * Typed access to a script command's arguments. Positional arguments are taken in order, flags
 * (bare words such as `nowait`) and named options (`ttl=100`) by name; `done()` fails the script
 * on anything left over, so a typo in a script cannot silently drop an option.
 */
export class Args {
  readonly #positional: string[]
  readonly #named = new Map<string, string>()
  readonly #flags = new Set<string>()
  readonly #repeated: string[] = []
  #next = 0

  constructor(
    readonly command: ParsedCommand,
    flags: readonly string[] = [],
  ) {
    const positional: string[] = []
    for (const token of command.tokens) {
      if (token.name !== undefined) {
        if (this.#named.has(token.name)) this.#repeated.push(token.name)
        this.#named.set(token.name, token.text)
      } else if (flags.includes(token.text)) this.#flags.add(token.text)
      else positional.push(token.text)
    }
    this.#positional = positional
  }

  /** Raw tokens in order (for put-many, whose entries look like options). */
  get tokens(): readonly Token[] {
    return this.command.tokens
  }

  text(what: string): string {
    const value = this.#positional[this.#next++]
    if (value === undefined) throw new Error(`${this.command.name}: missing ${what}`)
    return value
  }

  key(what = 'key'): string {
    return parseKey(this.text(what))
  }

  /**
   * A positional literal, typed as the number the command expects. Scripts may pass ill-typed
   * values on purpose (`ttl="10"`) to check the machine's validation, hence the cast.
   */
  literal(what: string): number {
    return parseLiteral(this.text(what)) as number
  }

  rest(): string[] {
    const rest = this.#positional.slice(this.#next)
    this.#next = this.#positional.length
    return rest
  }

  flag(name: string): boolean {
    return this.#flags.has(name)
  }

  /** A named literal typed as a number (see {@link literal}); undefined when absent. */
  option(name: string): number | undefined {
    return this.value(name) as number | undefined
  }

  /** A named literal of any type; undefined when absent. */
  value(name: string): unknown {
    const text = this.#take(name)
    return text === undefined ? undefined : parseLiteral(text)
  }

  /** A named key or id (bare text or a JSON string). */
  optionKey(name: string): string | undefined {
    const text = this.#take(name)
    return text === undefined ? undefined : parseKey(text)
  }

  /** Fails on positional arguments or options the command did not consume. */
  done(): void {
    if (this.#repeated.length > 0) throw new Error(`${this.command.name}: options given twice: ${this.#repeated.join(' ')}`)
    const extra = [...this.#positional.slice(this.#next), ...[...this.#named.keys()].map((name) => `${name}=`)]
    if (extra.length > 0) throw new Error(`${this.command.name}: unexpected arguments ${extra.join(' ')}`)
  }

  #take(name: string): string | undefined {
    const text = this.#named.get(name)
    this.#named.delete(name)
    return text
  }
}
