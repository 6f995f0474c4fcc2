import { spawn, type ChildProcess } from 'node:child_process'
import { readFileSync } from 'node:fs'
import { createRequire } from 'node:module'
import { fileURLToPath, pathToFileURL } from 'node:url'
import { connect } from '@clustron/client'
import { TargetUnavailable, type BenchTarget, type MemoryReading, type TargetOptions } from '../target.js'
import { storeClient } from './clustron.js'

/**
 * One Clustron node on a free loopback port, in its own process (so the numbers include the wire,
 * as a real deployment has it), and one client connection per bench client. The node runs from
 * the workspace sources through tsx (no build step); `--profile` starts it with --cpu-prof.
 */
export function remoteTarget(options: TargetOptions): BenchTarget {
  let node: ChildProcess | undefined
  let port = 0
  return {
    name: 'remote',
    profiling: 'process',
    async version() {
      return 'Clustron node (this workspace), one process on loopback, in memory (--memory: no log, no fsync, like redis with persistence off), one client connection'
    },
    async start() {
      const bin = fileURLToPath(new URL('../../../../packages/server/src/bin.ts', import.meta.url))
      // tsx as a loader in the node's own process (not its CLI, which would run it in a second one).
      const tsx = pathToFileURL(createRequire(import.meta.url).resolve('tsx')).href
      const profile = options.profileDirectory === undefined ? [] : ['--cpu-prof', `--cpu-prof-dir=${options.profileDirectory}`]
      // --memory: no log and no fsync, like the redis-server it is compared with (persistence off).
      // Durability costs are measured by cluster3 (fsync on) next to etcd.
      node = spawn(process.execPath, [...profile, '--import', tsx, '--conditions=source', bin, '--port', '0', '--memory', '--log-level', 'info'], {
        stdio: ['ignore', 'pipe', 'inherit'],
      })
      port = await listeningPort(node)
    },
    async client() {
      return storeClient(await connect({ mode: 'remote', seeds: [`127.0.0.1:${port}`], store: 'default' }))
    },
    async memory(): Promise<MemoryReading> {
      return { rssBytes: residentBytes(node?.pid) }
    },
    async stop() {
      if (node === undefined || node.exitCode !== null) return
      const exited = new Promise<void>((resolve) => node!.once('exit', () => resolve()))
      node.kill('SIGTERM')
      // A node that does not stop in time is killed: stop() must not hang the run.
      const timer = setTimeout(() => node?.kill('SIGKILL'), 5_000)
      await exited
      clearTimeout(timer)
    },
  }
}

/** The port from the node's structured log line "node listening". */
function listeningPort(child: ChildProcess): Promise<number> {
  return new Promise((resolve, reject) => {
    let buffered = ''
    child.once('exit', (code) => reject(new TargetUnavailable(`the Clustron node exited with ${String(code)} before listening`)))
    child.stdout!.on('data', (chunk: Buffer) => {
      buffered += chunk.toString()
      const lines = buffered.split('\n')
      buffered = lines.pop() ?? ''
      for (const line of lines) {
        let record: { msg?: string; url?: string }
        try {
          record = JSON.parse(line) as typeof record
        } catch {
          continue
        }
        if (record.msg === 'node listening' && record.url !== undefined) resolve(Number(/:(\d+)$/.exec(record.url)![1]))
      }
    })
  })
}

/** Resident set size of a process (Linux /proc), 0 when unknown. */
export function residentBytes(pid: number | undefined): number {
  if (pid === undefined) return 0
  try {
    const match = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))
    return match === null ? 0 : Number(match[1]) * 1024
  } catch {
    return 0
  }
}
