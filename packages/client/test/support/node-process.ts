import { spawn, type ChildProcess } from 'node:child_process'
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { createRequire } from 'node:module'
import { fileURLToPath, pathToFileURL } from 'node:url'

/**
 * A real node for the client's tests, run as its own process from the workspace sources (the
 * client never imports the server: the process boundary is the one users have too).
 */
export class NodeProcess {
  private constructor(
    readonly child: ChildProcess,
    readonly port: number,
    private readonly dataDirectory: string | undefined,
  ) {}

  static async start(args: string[] = []): Promise<NodeProcess> {
    const bin = fileURLToPath(new URL('../../../server/src/bin.ts', import.meta.url))
    // tsx as a loader in the node's own process, so signals reach the node itself.
    const tsx = pathToFileURL(createRequire(import.meta.url).resolve('tsx')).href
    // A fresh data directory per node: a durable node keeps its store across runs otherwise.
    const dataDirectory = args.includes('--data') || args.includes('--memory') ? undefined : mkdtempSync(join(tmpdir(), 'clustron-client-test-'))
    const dataArgs = dataDirectory === undefined ? [] : ['--data', dataDirectory]
    const child = spawn(process.execPath, ['--import', tsx, '--conditions=source', bin, '--port', '0', '--log-level', 'info', ...dataArgs, ...args], { stdio: ['ignore', 'pipe', 'inherit'] })
    const port = await new Promise<number>((resolve, reject) => {
      let buffered = ''
      child.once('exit', (code) => reject(new Error(`clustron-server exited with ${String(code)} before listening`)))
      child.stdout!.on('data', (chunk: Buffer) => {
        buffered += chunk.toString()
        const lines = buffered.split('\n')
        buffered = lines.pop() ?? ''
        for (const line of lines) {
          const record = JSON.parse(line) as { msg?: string; url?: string }
          if (record.msg === 'node listening' && record.url !== undefined) resolve(Number(/:(\d+)$/.exec(record.url)![1]))
        }
      })
    })
    return new NodeProcess(child, port, dataDirectory)
  }

  get seed(): string {
    return `127.0.0.1:${this.port}`
  }

  /** SIGTERM; resolves with the exit code. */
  async stop(): Promise<number | null> {
    if (this.child.exitCode !== null) return this.child.exitCode
    const exited = new Promise<number | null>((resolve) => this.child.once('exit', (code) => resolve(code)))
    this.child.kill('SIGTERM')
    const code = await exited
    if (this.dataDirectory !== undefined) rmSync(this.dataDirectory, { recursive: true, force: true })
    return code
  }
}
