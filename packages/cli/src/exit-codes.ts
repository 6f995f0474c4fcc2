import { ClustronError } from '@clustron/client'

/**
 * Exit codes scripts can rely on. They are part of the CLI's contract (README "Exit codes"):
 * change them only with a major version.
 */
export const exitCodes = {
  /** Done. */
  ok: 0,
  /** The answer is "no": a key, lease or member not found, a condition that did not hold (put --if-version, txn, counter bounds), a lock not obtained in time. */
  notFound: 1,
  /** The command line (or an input file such as a txn file) is wrong; nothing was sent. */
  usage: 2,
  /** The store could not be reached or did not answer in time (UNAVAILABLE, TIMEOUT). Worth retrying. */
  unavailable: 3,
  /** Anything else: refused (auth), corrupt snapshot, lock or lease lost, internal error. */
  error: 4,
  /** Interrupted by Ctrl-C (128 + SIGINT), for commands that do not treat Ctrl-C as their normal end. */
  interrupted: 130,
} as const

/** The command line is wrong: the message says what to write instead. Exit code 2. */
export class UsageError extends Error {
  constructor(message: string) {
    super(message)
    this.name = 'UsageError'
  }
}

/**
 * An outcome the CLI reports as a failure with its own code word (LOCK_LOST, CORRUPT, ...), for
 * conditions that are not errors of the client library.
 */
export class CliFailure extends Error {
  constructor(
    readonly code: string,
    message: string,
    readonly exitCode: number = exitCodes.error,
    options?: { cause?: unknown },
  ) {
    super(message, options)
    this.name = 'CliFailure'
  }
}

/** The exit code of an error thrown by a command. */
export function exitCodeOf(error: unknown): number {
  if (error instanceof UsageError) return exitCodes.usage
  if (error instanceof CliFailure) return error.exitCode
  if (error instanceof ClustronError) {
    switch (error.code) {
      case 'UNAVAILABLE':
      case 'TIMEOUT':
        return exitCodes.unavailable
      case 'LEASE_NOT_FOUND':
      case 'LOCK_TIMEOUT':
        return exitCodes.notFound
      case 'INVALID_ARGUMENT':
        // The store refused an argument as given (an empty key, a bad URL): the caller's to fix.
        return exitCodes.usage
      default:
        return exitCodes.error
    }
  }
  return exitCodes.error
}

/**
 * One line for stderr: the code, then the message (the client's messages already say what to do).
 * With `debug`, the stack and the chain of causes follow.
 */
export function describeError(error: unknown, debug: boolean): string {
  const code = codeOf(error)
  const line = `clustron: ${code}: ${messageOf(error, code)}`
  if (!debug) return `${line}\n`
  const lines = [line]
  let current: unknown = error
  for (let depth = 0; current instanceof Error && depth < 8; depth++) {
    if (depth > 0) lines.push(`caused by: ${codeOf(current)}: ${current.message}`)
    if (current.stack !== undefined) lines.push(...current.stack.split('\n').slice(1))
    current = current.cause
  }
  return `${lines.join('\n')}\n`
}

function codeOf(error: unknown): string {
  if (error instanceof UsageError) return 'usage'
  if (error instanceof CliFailure || error instanceof ClustronError) return error.code
  const code = (error as { code?: unknown } | undefined)?.code
  // Node's system errors (ENOENT, EACCES) carry a code that already says what happened.
  return typeof code === 'string' && /^E[A-Z]+$/.test(code) ? code : 'error'
}

function messageOf(error: unknown, code: string): string {
  let message = error instanceof Error ? error.message : String(error)
  // Node's messages start with their code ('ENOENT: no such file'): say it once.
  if (message.startsWith(`${code}: `)) message = message.slice(code.length + 2)
  // One line: the client's messages are single sentences, but a cause can bring newlines.
  return message.replace(/\s*\n\s*/g, ' ')
}
