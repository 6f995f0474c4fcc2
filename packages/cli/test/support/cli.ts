import { spawn, type ChildProcess } from 'node:child_process'
import { createRequire } from 'node:module'
import { fileURLToPath, pathToFileURL } from 'node:url'
import { main } from '../../src/index.js'

export interface CliResult {
  code: number
  stdout: string
  stderr: string
}

export interface RunOptions {
  env?: Record<string, string | undefined>
  cwd?: string
  stdin?: string
  signal?: AbortSignal
  stderrIsTTY?: boolean
  /** Called with each chunk written to stdout (to react to streamed output, e.g. watch). */
  onStdout?: (text: string) => void
}

/** Connections commands keep open on purpose (lease grant): closed by `closeDetached`. */
const detached: { close(): Promise<void> }[] = []

/** Runs one command line in this process through `main`, with the given environment. */
export async function runCli(argv: readonly string[], options: RunOptions = {}): Promise<CliResult> {
  let stdout = ''
  let stderr = ''
  const code = await main({
    argv,
    env: options.env ?? {},
    cwd: options.cwd ?? process.cwd(),
    stdout: (text) => {
      stdout += text
      options.onStdout?.(text)
    },
    stderr: (text) => {
      stderr += text
    },
    stderrIsTTY: options.stderrIsTTY ?? false,
    ...(options.signal === undefined ? {} : { signal: options.signal }),
    readStdin: () => Promise.resolve(options.stdin ?? ''),
    detach: (connection) => detached.push(connection),
  })
  return { code, stdout, stderr }
}

export async function closeDetached(): Promise<void> {
  await Promise.allSettled(detached.splice(0).map((connection) => connection.close()))
}

const binSource = fileURLToPath(new URL('../../src/bin.ts', import.meta.url))
// tsx as a loader in the child's own process; --conditions=source: the workspace's TypeScript sources.
const tsx = pathToFileURL(createRequire(import.meta.url).resolve('tsx')).href

/** Starts the `clustron` bin as a child process (from source, so no build is needed). */
export function spawnCli(argv: readonly string[], options: { env?: Record<string, string>; cwd?: string } = {}): ChildProcess {
  const env: Record<string, string | undefined> = { ...process.env, ...options.env }
  // The child must not inherit a URL or token from the developer's shell.
  for (const name of ['CLUSTRON_URL', 'CLUSTRON_TOKEN', 'CLUSTRON_AUTH_KEY']) if (options.env?.[name] === undefined) delete env[name]
  return spawn(process.execPath, ['--import', tsx, '--conditions=source', binSource, ...argv], {
    cwd: options.cwd ?? process.cwd(),
    env,
    stdio: ['ignore', 'pipe', 'pipe'],
  })
}

/** Collects a child's output; `exited` resolves with its exit code (128+n for a signal). */
export function collect(child: ChildProcess): { output(): CliResult; exited: Promise<CliResult> } {
  let stdout = ''
  let stderr = ''
  child.stdout?.setEncoding('utf8').on('data', (text: string) => (stdout += text))
  child.stderr?.setEncoding('utf8').on('data', (text: string) => (stderr += text))
  const exited = new Promise<CliResult>((resolve) => {
    child.once('close', (code, signal) => resolve({ code: code ?? 128 + (signal === 'SIGINT' ? 2 : signal === 'SIGTERM' ? 15 : 9), stdout, stderr }))
  })
  return { output: () => ({ code: -1, stdout, stderr }), exited }
}

/** Runs the bin to completion (bounded by `timeoutMs`, then killed). */
export async function runBin(argv: readonly string[], options: { env?: Record<string, string>; cwd?: string; timeoutMs?: number } = {}): Promise<CliResult> {
  const child = spawnCli(argv, options)
  const { exited } = collect(child)
  const timer = setTimeout(() => child.kill('SIGKILL'), options.timeoutMs ?? 20_000)
  try {
    return await exited
  } finally {
    clearTimeout(timer)
  }
}

/** Polls `condition` until it holds or `timeoutMs` passes (then throws with `what`). */
export async function until(condition: () => boolean | Promise<boolean>, what: string, timeoutMs = 10_000): Promise<void> {
  const deadline = Date.now() + timeoutMs
  for (;;) {
    if (await condition()) return
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`)
    await new Promise((resolve) => setTimeout(resolve, 20))
  }
}
