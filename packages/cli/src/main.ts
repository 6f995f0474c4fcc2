import { readFileSync } from 'node:fs'
import { resolve } from 'node:path'
import { ClusterAdmin, connect, InvalidArgumentError, parseUrl, type ConnectOptions, type Store } from '@clustron/client'
import { parseInvocation } from './args.js'
import type { CommandSpec, Context, GlobalOptions } from './command.js'
import { commands, groups } from './commands/index.js'
import { describeError, exitCodeOf, exitCodes, UsageError } from './exit-codes.js'
import { helpText } from './help.js'
import type { CliIo } from './io.js'
import { packageVersion } from './version.js'

/**
 * Runs one `clustron` command line and resolves with its exit code (see `exitCodes`). Everything
 * it touches comes in through `io`; it never exits the process, so tests run it in-process.
 */
export async function main(io: CliIo): Promise<number> {
  let invocation
  try {
    invocation = parseInvocation(io.argv, io.env, commands, groups)
  } catch (error) {
    io.stderr(describeError(error, io.argv.includes('--debug')))
    return exitCodeOf(error)
  }
  switch (invocation.kind) {
    case 'version':
      io.stdout(`${packageVersion()}\n`)
      return exitCodes.ok
    case 'help':
      try {
        io.stdout(helpText(invocation.topic, commands, groups))
        return exitCodes.ok
      } catch (error) {
        io.stderr(describeError(error, false))
        return exitCodeOf(error)
      }
    case 'run':
      return runCommand(io, invocation.command, { args: invocation.args, options: invocation.options, rest: invocation.rest, globals: invocation.globals })
  }
}

async function runCommand(io: CliIo, command: CommandSpec, parsed: Pick<Context, 'args' | 'options' | 'rest' | 'globals'>): Promise<number> {
  const connections = new Connections(io, parsed.globals)
  const signal = io.signal ?? new AbortController().signal
  const context: Context = {
    io,
    ...parsed,
    signal,
    store: () => connections.store(),
    admin: () => connections.admin(),
    detachStore: () => connections.detach(),
    print: (text) => io.stdout(text.endsWith('\n') ? text : `${text}\n`),
    printJson: (value) => io.stdout(`${JSON.stringify(value)}\n`),
    warn: (text) => io.stderr(`clustron: ${text}\n`),
  }
  try {
    const running = command.run(context)
    return command.handlesInterrupt === true ? await running : await untilInterrupted(running, signal)
  } catch (error) {
    io.stderr(describeError(error, parsed.globals.debug))
    return exitCodeOf(error)
  } finally {
    await connections.close()
  }
}

/** Ctrl-C ends a command that does not handle it itself: 130, and the connection is closed under it. */
function untilInterrupted(running: Promise<number>, signal: AbortSignal): Promise<number> {
  if (signal.aborted) {
    running.catch(() => undefined)
    return Promise.resolve(exitCodes.interrupted)
  }
  return new Promise<number>((resolve, reject) => {
    const onAbort = () => {
      // What the command does after this is cut off with the connection: its outcome is ignored.
      running.catch(() => undefined)
      resolve(exitCodes.interrupted)
    }
    signal.addEventListener('abort', onAbort, { once: true })
    running.then(resolve, reject).finally(() => signal.removeEventListener('abort', onAbort))
  })
}

/** The store (and admin) connection of one command: opened on first use, closed at the end. */
class Connections {
  #store: Promise<Store> | undefined
  #admin: Promise<ClusterAdmin> | undefined
  #detached = false

  constructor(
    private readonly io: CliIo,
    private readonly globals: GlobalOptions,
  ) {}

  store(): Promise<Store> {
    this.#store ??= connect(this.#options())
    return this.#store
  }

  admin(): Promise<ClusterAdmin> {
    if (this.#admin === undefined) {
      const options = this.#options()
      if (options.mode !== 'remote') return Promise.reject(new InvalidArgumentError(`members needs a cluster: give --url clustron://host:port/<store>, not ${this.globals.url}`))
      this.#admin = ClusterAdmin.connect(options)
    }
    return this.#admin
  }

  detach(): void {
    this.#detached = true
  }

  async close(): Promise<void> {
    const closing: Promise<void>[] = []
    if (this.#store !== undefined) {
      const store = this.#store.catch(() => undefined)
      if (this.#detached) {
        const opened = await store
        if (opened !== undefined) this.io.detach?.(opened)
      } else closing.push(store.then((opened) => opened?.close()))
    }
    if (this.#admin !== undefined) closing.push(this.#admin.then((admin) => admin.close(), () => undefined))
    // A close that fails (the node went away) changes nothing about the command's outcome.
    await Promise.allSettled(closing)
  }

  #options(): ConnectOptions {
    const options = parseUrl(this.globals.url)
    const files = this.globals.tls
    const tlsGiven = files.ca !== undefined || files.cert !== undefined
    if (options.mode === 'remote') {
      if (this.globals.token !== undefined) options.token = this.globals.token
      options.requestTimeoutMs = this.globals.timeoutMs
      if (tlsGiven) {
        if (options.tls === undefined || options.tls === false) throw new UsageError(`--tls-ca/--tls-cert are for TLS: use a clustrons:// URL, not ${this.globals.url}`)
        options.tls = { ...(files.ca === undefined ? {} : { ca: this.#pem(files.ca, '--tls-ca') }), ...(files.cert === undefined ? {} : { cert: this.#pem(files.cert, '--tls-cert') }), ...(files.key === undefined ? {} : { key: this.#pem(files.key, '--tls-key') }) }
      }
    } else if (tlsGiven) throw new UsageError(`--tls-ca/--tls-cert are for TLS: use a clustrons:// URL, not ${this.globals.url}`)
    return options
  }

  #pem(path: string, option: string): string {
    try {
      return readFileSync(resolve(this.io.cwd, path), 'utf8')
    } catch (error) {
      throw new UsageError(`cannot read ${option} ${path}: ${(error as Error).message}`)
    }
  }
}
