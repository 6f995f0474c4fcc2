import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { exitCodes } from '../src/index.js'
import { runBin, runCli } from './support/cli.js'
import { startTestNode, temporaryDirectory, type TestNode } from './support/node.js'

let node: TestNode
beforeAll(async () => {
  node = await startTestNode()
})
afterAll(async () => {
  await node.close()
})

const node_ = process.execPath

describe('lock <name> -- <cmd>', () => {
  it('runs the command with the fencing token in CLUSTRON_FENCE, exits with its code, and releases the lock', async () => {
    const script = 'process.stdout.write(`fence=${process.env.CLUSTRON_FENCE} lock=${process.env.CLUSTRON_LOCK}`); process.exit(7)'
    const result = await runBin(['lock', 'job', '--', node_, '-e', script], { env: node.env })
    expect(result.code).toBe(7)
    const match = /^fence=(\d+) lock=job$/.exec(result.stdout)
    expect(match, result.stdout + result.stderr).not.toBeNull()
    const store = await node.store()
    expect(await store.locks.holder('job')).toBeUndefined()
    // The token is the one the store granted: a later grant gets a larger one.
    const later = await store.locks.acquire('job')
    expect(later.token).toBeGreaterThan(Number(match![1]))
    await later.release()
  })

  it('exits with 0 when the command succeeds, and passes its arguments untouched', async () => {
    const result = await runCli(['lock', 'args', '--', node_, '-e', 'console.log(JSON.stringify(process.argv.slice(1)))', '--', '--json', 'a b'], { env: node.env })
    expect(result.code).toBe(0)
    expect(JSON.parse(result.stdout)).toEqual(['--json', 'a b'])
  })

  it('the command holds the lock while it runs: a fenced write with its token succeeds', async () => {
    const store = await node.store()
    const script = 'setTimeout(() => {}, 60000); process.stdout.write("running\\n")'
    let seen = ''
    const interrupt = new AbortController()
    const running = runCli(['lock', 'held', '--', node_, '-e', script], { env: node.env, onStdout: (text) => (seen += text), signal: interrupt.signal })
    const deadline = Date.now() + 10_000
    while (!seen.includes('running') && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 20))
    expect(seen).toContain('running')
    const holder = await store.locks.holder('held')
    expect(holder?.token).toBeGreaterThan(0)
    expect(await store.locks.tryAcquire('held')).toBeUndefined()
    // SIGTERM to clustron goes on to the command; the lock is released when it exits.
    interrupt.abort('SIGTERM')
    expect((await running).code).toBe(128 + 15)
    expect(await store.locks.holder('held')).toBeUndefined()
  })

  it('--wait gives up with 1 while another holder has the lock', async () => {
    const store = await node.store()
    const lock = await store.locks.acquire('busy')
    try {
      const result = await runCli(['lock', 'busy', '--wait', '200ms', '--', node_, '-e', 'process.exit(0)'], { env: node.env })
      expect(result.code).toBe(exitCodes.notFound)
      expect(result.stderr).toContain('LOCK_TIMEOUT')
    } finally {
      await lock.release()
    }
  })

  it('a command that does not exist exits with 127 and releases the lock', async () => {
    const result = await runCli(['lock', 'nocmd', '--', 'clustron-no-such-command-xyz'], { env: node.env })
    expect(result.code).toBe(127)
    expect(result.stderr).toContain('command not found: clustron-no-such-command-xyz')
    expect(await (await node.store()).locks.holder('nocmd')).toBeUndefined()
  })

  it('two lock commands on one name run one after the other', async () => {
    // Each appends start and end marks to one file, pausing between them: overlapping runs would interleave.
    const directory = temporaryDirectory('lock')
    const file = join(directory.path, 'order')
    const script = (tag: string) => `const fs = require('node:fs'); fs.appendFileSync(${JSON.stringify(file)}, '${tag}<'); setTimeout(() => fs.appendFileSync(${JSON.stringify(file)}, '${tag}>'), 150)`
    const run = (tag: string) => runCli(['lock', 'serial', '--', node_, '-e', script(tag)], { env: node.env })
    try {
      const results = await Promise.all([run('a'), run('b')])
      expect(results.map((result) => result.code), results.map((result) => result.stderr).join('')).toEqual([0, 0])
      expect(['a<a>b<b>', 'b<b>a<a>']).toContain(readFileSync(file, 'utf8'))
    } finally {
      directory.remove()
    }
  })
})
