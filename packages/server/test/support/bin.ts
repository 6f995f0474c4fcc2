import { spawn, type ChildProcess } from 'node:child_process'
import { createRequire } from 'node:module'
import { fileURLToPath, pathToFileURL } from 'node:url'

const binSource = fileURLToPath(new URL('../../src/bin.ts', import.meta.url))
// tsx as a loader in the node's own process (its CLI would run the bin in a second process).
const tsx = pathToFileURL(createRequire(import.meta.url).resolve('tsx')).href

/** Runs `clustron-server` from source (tsx, the workspace's TypeScript sources) with these args. */
export function spawnBin(args: string[], options: { env?: Record<string, string>; cwd?: string } = {}): ChildProcess {
  return spawn(process.execPath, ['--import', tsx, '--conditions=source', binSource, ...args], {
    cwd: options.cwd ?? process.cwd(),
    env: { ...process.env, ...options.env },
    stdio: ['ignore', 'pipe', 'pipe'],
  })
}

/** Waits for the process to exit; returns its code and everything it wrote. */
export function finished(child: ChildProcess): Promise<{ code: number | null; stdout: string; stderr: string }> {
  let stdout = ''
  let stderr = ''
  child.stdout?.on('data', (chunk: Buffer) => (stdout += chunk.toString()))
  child.stderr?.on('data', (chunk: Buffer) => (stderr += chunk.toString()))
  return new Promise((resolve) => child.once('exit', (code) => resolve({ code, stdout, stderr })))
}

/** Resolves with the port once the node logs that it listens (its structured log on stdout). */
export function listening(child: ChildProcess): Promise<number> {
  return new Promise((resolve, reject) => {
    let buffered = ''
    child.once('exit', (code) => reject(new Error(`clustron-server exited with ${String(code)} before listening`)))
    child.stdout?.on('data', (chunk: Buffer) => {
      buffered += chunk.toString()
      const lines = buffered.split('\n')
      buffered = lines.pop() ?? ''
      for (const line of lines) {
        const record = JSON.parse(line) as { msg?: string; url?: string }
        if (record.msg === 'node listening' && record.url !== undefined) resolve(Number(/:(\d+)$/.exec(record.url)![1]))
      }
    })
  })
}
