import { spawn, type ChildProcess } from 'node:child_process'
import { mkdtempSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { createInterface } from 'node:readline'
import { fileURLToPath } from 'node:url'
import { connect, ManualClock, type Store } from '@clustron/client'
import { startNode } from '@clustron/server'
import { afterAll, beforeAll, describe, expect } from 'vitest'
import { describeConformance } from '../src/conformance/index.js'

/**
 * The conformance suite against remote stores: (a) a node started in this process, sharing a
 * ManualClock with its clients, so every time-driven test runs too; (b) the built `clustron-server`
 * bin as a child process, on real time (time-driven tests are skipped there, covered by (a)).
 */

describeConformance({
  name: 'remote (in-process node)',
  manualTime: true,
  async fixture() {
    const clock = new ManualClock()
    // A node per fixture: a fresh, empty store on its own ManualClock, as the suite asks.
    const node = await startNode({ port: 0, clock, stores: [{ name: 'conformance', watchHistory: 10 }] })
    const handles: Store[] = []
    return {
      clock,
      async connect() {
        const handle = await connect({ mode: 'remote', seeds: [`127.0.0.1:${node.port}`], store: 'conformance', clock })
        handles.push(handle)
        return handle
      },
      async advance(ms) {
        clock.advance(ms)
        // A round trip on every connection: what fell due (expiry, renewals, pushes) has been processed.
        await Promise.all(handles.map((handle) => handle.status().catch(() => undefined)))
      },
      async close() {
        await Promise.allSettled(handles.map((handle) => handle.close()))
        await node.close()
      },
    }
  },
})

const serverPackage = fileURLToPath(new URL('../../server/', import.meta.url))
/** Stores the child node declares: one fresh store per test (the suite has fewer tests than this). */
const storesInChild = 160

/** Reads the node's structured log until it says where it listens. */
function listeningPort(child: ChildProcess): Promise<number> {
  return new Promise((resolve, reject) => {
    const lines = createInterface({ input: child.stdout! })
    child.once('exit', (code) => reject(new Error(`clustron-server exited with ${String(code)} before listening (is packages/server built? pnpm build)`)))
    lines.on('line', (line) => {
      const record = JSON.parse(line) as { msg?: string; url?: string }
      if (record.msg === 'node listening' && record.url !== undefined) resolve(Number(/:(\d+)$/.exec(record.url)![1]))
    })
  })
}

describe('the built clustron-server bin', () => {
  let child: ChildProcess | undefined
  let port = 0
  let nextStore = 0

  beforeAll(async () => {
    const directory = mkdtempSync(join(tmpdir(), 'clustron-conformance-'))
    const config = join(directory, 'clustron.yaml')
    const stores = Array.from({ length: storesInChild }, (_, index) => `  - { name: c${index}, watchHistory: 10 }`).join('\n')
    writeFileSync(config, `nodeId: child\nport: 0\ndata: ${JSON.stringify(join(directory, 'data'))}\nstores:\n${stores}\n`)
    child = spawn(process.execPath, [join(serverPackage, 'dist/bin.js'), '--config', config, '--log-level', 'info'], { stdio: ['ignore', 'pipe', 'inherit'] })
    port = await listeningPort(child)
  }, 30_000)

  afterAll(async () => {
    if (child === undefined || child.exitCode !== null) return
    const exited = new Promise<number | null>((resolve) => child!.once('exit', (code) => resolve(code)))
    child.kill('SIGTERM')
    // A graceful shutdown exits 0.
    expect(await exited).toBe(0)
  })

  describeConformance({
    name: 'remote (child process)',
    manualTime: false,
    async fixture() {
      if (nextStore >= storesInChild) throw new Error(`the child node declares ${storesInChild} stores; raise storesInChild`)
      const store = `c${nextStore++}`
      const handles: Store[] = []
      return {
        clock: undefined,
        async connect() {
          const handle = await connect(`clustron://127.0.0.1:${port}/${store}`)
          handles.push(handle)
          return handle
        },
        async advance() {
          throw new Error('the child-process target runs on real time')
        },
        async close() {
          await Promise.allSettled(handles.map((handle) => handle.close()))
        },
      }
    },
  })
})
