import { spawn, type ChildProcess } from 'node:child_process'
import { constants } from 'node:os'
import type { Lock } from '@clustron/client'
import { argument, durationOption, type CommandSpec, type Context } from '../command.js'
import { CliFailure, exitCodes } from '../exit-codes.js'
import { untilAborted } from './watch.js'

/** How long a child gets to exit after SIGTERM when its lock is lost, before SIGKILL. */
const defaultGraceMs = 5_000

export const lockCommand: CommandSpec = {
  path: ['lock'],
  summary: 'run a command while holding a lock',
  args: [{ name: '<name>', required: true }],
  passthrough: '<cmd> [args...]',
  options: {
    ttl: { type: 'string', value: '<duration>', help: "TTL of the lock's lease, renewed while the command runs (default 15s)" },
    wait: { type: 'string', value: '<duration>', help: 'give up (exit 1) if the lock is not ours within this long (default: wait forever)' },
    grace: { type: 'string', value: '<duration>', help: 'if the lock is lost: time between SIGTERM and SIGKILL of the command (default 5s)' },
  },
  description:
    'Waits for the lock (first come, first served), then runs <cmd> with the fencing token in\nCLUSTRON_FENCE (and the lock name in CLUSTRON_LOCK), releases the lock when it exits, and exits\nwith its exit code (128+n if a signal ended it). If the lock is lost while it runs (its lease\nexpired or was revoked), the command is stopped (SIGTERM, then SIGKILL after --grace) and clustron\nexits with 4. Exit 1: not obtained within --wait; 127: the command was not found.\nLike flock(1), Ctrl-C reaches the command through the terminal; SIGTERM is passed on to it.',
  examples: [
    'clustron lock nightly-report -- ./report.sh --full',
    'clustron lock deploy --wait 30s -- make deploy',
    "clustron lock migrate --ttl 1m -- sh -c 'echo \"token $CLUSTRON_FENCE\"; ./migrate'",
  ],
  handlesInterrupt: true,
  async run(context) {
    const name = argument(context, 0)
    const ttlMs = durationOption(context, 'ttl') ?? 15_000
    const waitMs = durationOption(context, 'wait')
    const graceMs = durationOption(context, 'grace') ?? defaultGraceMs
    const store = await untilAborted(context.store(), context.signal)
    if (store === undefined) return exitCodes.interrupted
    let lock: Lock
    try {
      lock = await store.locks.acquire(name, { ttlMs, signal: context.signal, ...(waitMs === undefined ? {} : { waitMs }) })
    } catch (error) {
      if (context.signal.aborted) return exitCodes.interrupted
      throw error
    }
    try {
      return await runHolding(context, lock, graceMs)
    } finally {
      await lock.release().catch((error: unknown) => {
        context.warn(`could not release lock '${name}' (${(error as Error).message}); it ends when its lease expires`)
      })
    }
  },
}

type Outcome = { kind: 'exited'; code: number } | { kind: 'failed'; error: NodeJS.ErrnoException } | { kind: 'lost' }

async function runHolding(context: Context, lock: Lock, graceMs: number): Promise<number> {
  const [command, ...args] = context.rest
  const inherit = context.io.childStdio === 'inherit'
  const env: Record<string, string> = {}
  for (const [key, value] of Object.entries(context.io.env)) if (value !== undefined) env[key] = value
  env.CLUSTRON_FENCE = String(lock.token)
  env.CLUSTRON_LOCK = lock.name
  const child = spawn(command!, args, { cwd: context.io.cwd, env, stdio: inherit ? 'inherit' : ['ignore', 'pipe', 'pipe'] })
  if (!inherit) forwardOutput(context, child)
  const cleanup = new AbortController()
  const outcome = await new Promise<Outcome>((resolve) => {
    child.once('error', (error) => resolve({ kind: 'failed', error }))
    // 'close': the process exited and its output has all been passed on.
    child.once('close', (code, signal) => resolve({ kind: 'exited', code: code ?? 128 + (signal === null ? 0 : (constants.signals[signal] ?? 0)) }))
    if (lock.signal.aborted) resolve({ kind: 'lost' })
    lock.signal.addEventListener('abort', () => resolve({ kind: 'lost' }), { once: true, signal: cleanup.signal })
    // SIGTERM to clustron goes on to the command (Ctrl-C reaches it from the terminal already).
    const forward = () => {
      if (context.signal.reason === 'SIGTERM') child.kill('SIGTERM')
    }
    context.signal.addEventListener('abort', forward, { once: true, signal: cleanup.signal })
  })
  cleanup.abort()
  if (outcome.kind === 'exited') return outcome.code
  if (outcome.kind === 'failed') {
    const missing = outcome.error.code === 'ENOENT'
    throw new CliFailure(missing ? 'NOT_FOUND' : (outcome.error.code ?? 'SPAWN'), missing ? `command not found: ${command}` : `cannot run ${command}: ${outcome.error.message}`, missing ? 127 : 126)
  }
  await stop(child, graceMs)
  throw new CliFailure(
    'LOCK_LOST',
    `lock '${lock.name}' (token ${lock.token}) was lost while '${command}' ran (its lease expired or was revoked); the command was stopped. Another holder may have it now: run again, or raise --ttl if the store was slow to answer`,
    exitCodes.error,
  )
}

function forwardOutput(context: Context, child: ChildProcess): void {
  child.stdout!.setEncoding('utf8').on('data', (text: string) => context.io.stdout(text))
  child.stderr!.setEncoding('utf8').on('data', (text: string) => context.io.stderr(text))
}

/** SIGTERM, then SIGKILL after `graceMs`; resolves once the child has exited. */
async function stop(child: ChildProcess, graceMs: number): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return
  const exited = new Promise<void>((resolve) => child.once('close', () => resolve()))
  child.kill('SIGTERM')
  const timer = setTimeout(() => child.kill('SIGKILL'), graceMs)
  await exited
  clearTimeout(timer)
}
