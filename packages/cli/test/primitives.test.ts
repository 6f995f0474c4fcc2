import { writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { exitCodes } from '../src/index.js'
import { closeDetached, runCli } from './support/cli.js'
import { startTestNode, temporaryDirectory, type TestNode } from './support/node.js'

let node: TestNode
const directory = temporaryDirectory('txn')
const cli = (...argv: string[]) => runCli(argv, { env: node.env, cwd: directory.path })

beforeAll(async () => {
  node = await startTestNode()
})
afterAll(async () => {
  await closeDetached()
  await node.close()
  directory.remove()
})

describe('lease', () => {
  it('grant prints an id that info, list and revoke know', async () => {
    const granted = await cli('lease', 'grant', '45s', '--json')
    expect(granted.code).toBe(0)
    const { id, ttlMs } = JSON.parse(granted.stdout) as { id: string; ttlMs: number }
    expect(ttlMs).toBe(45_000)
    await (await node.store()).put('leased/a', 1, { lease: id })

    const info = await cli('lease', 'info', id, '--json')
    expect(info.code).toBe(0)
    const parsed = JSON.parse(info.stdout) as { id: string; ttlMs: number; remainingMs: number; keys: string[] }
    expect(parsed).toMatchObject({ id, ttlMs: 45_000, keys: ['leased/a'] })
    expect(parsed.remainingMs).toBeGreaterThan(0)
    expect(parsed.remainingMs).toBeLessThanOrEqual(45_000)
    expect((await cli('lease', 'info', id)).stdout).toMatch(/ttl\s+45s\n/)
    expect((await cli('lease', 'list')).stdout.split('\n')).toContain(id)

    expect(await cli('lease', 'revoke', id)).toMatchObject({ code: 0, stdout: `revoked lease ${id}\n` })
    expect(await (await node.store()).get('leased/a')).toBeUndefined()
    expect((await cli('lease', 'info', id)).code).toBe(exitCodes.notFound)
    expect((await cli('lease', 'revoke', id)).code).toBe(exitCodes.notFound)
  })

  it('put --lease with an unknown lease exits with 1 and writes nothing', async () => {
    const result = await cli('put', 'leased/b', 'v', '--lease', '999999')
    expect(result.code).toBe(exitCodes.notFound)
    expect(result.stderr).toContain('LEASE_NOT_FOUND')
    expect(await (await node.store()).get('leased/b')).toBeUndefined()
  })

  it('grant --keep-alive holds the lease until interrupted, then revokes it', async () => {
    const interrupt = new AbortController()
    let id = ''
    const running = runCli(['lease', 'grant', '2s', '--keep-alive'], { env: node.env, signal: interrupt.signal, onStdout: (text) => (id += text) })
    const store = await node.store()
    const deadline = Date.now() + 10_000
    while (id === '' && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 20))
    expect(await store.leases.info(id.trim())).toBeDefined()
    interrupt.abort('SIGINT')
    expect((await running).code).toBe(0)
    expect(await store.leases.info(id.trim())).toBeUndefined()
  })
})

describe('counter', () => {
  it('add, get and set', async () => {
    expect(await cli('counter', 'add', 'views')).toMatchObject({ code: 0, stdout: '1\n' })
    expect(await cli('counter', 'add', 'views', '10')).toMatchObject({ code: 0, stdout: '11\n' })
    expect(await cli('counter', 'add', 'views', '-3')).toMatchObject({ code: 0, stdout: '8\n' })
    expect(await cli('counter', 'get', 'views')).toMatchObject({ code: 0, stdout: '8\n' })
    expect(await cli('counter', 'get', 'never')).toMatchObject({ code: 0, stdout: '0\n' })
    expect(await cli('counter', 'set', 'views', '100')).toMatchObject({ code: 0, stdout: '100 (was 8)\n' })
    expect((await (await node.store()).get('views'))?.value).toBe(100)
  })

  it('a bound that would be passed exits with 1 and leaves the counter unchanged', async () => {
    await cli('counter', 'set', 'stock', '1')
    expect((await cli('counter', 'add', 'stock', '-1', '--min', '0')).code).toBe(0)
    const refused = await cli('counter', 'add', 'stock', '-1', '--min', '0', '--json')
    expect(refused.code).toBe(exitCodes.notFound)
    expect(JSON.parse(refused.stdout)).toEqual({ ok: false, value: 0 })
    expect(await (await node.store()).counters.get('stock')).toBe(0)
  })

  it('a key that is not an integer fails with TYPE_MISMATCH (4)', async () => {
    await (await node.store()).put('text', 'abc')
    const result = await cli('counter', 'add', 'text')
    expect(result.code).toBe(exitCodes.error)
    expect(result.stderr).toContain('TYPE_MISMATCH')
    expect((await (await node.store()).get('text'))?.value).toBe('abc')
  })
})

describe('txn', () => {
  it('runs "then" when the conditions hold (exit 0) and "else" when not (exit 1)', async () => {
    const store = await node.store()
    await store.put('acct/a', 100)
    const file = join(directory.path, 'move.json')
    writeFileSync(
      file,
      JSON.stringify({
        if: [{ key: 'acct/a', target: 'value', op: '>', value: 50 }],
        then: [
          { op: 'add', key: 'acct/a', delta: -50 },
          { op: 'add', key: 'acct/b', delta: 50 },
          { op: 'put', key: 'acct/log', value: { moved: 50 }, ttl: '1h' },
        ],
        else: [{ op: 'get', key: 'acct/a' }],
      }),
    )
    const first = await cli('txn', 'move.json')
    expect(first.code).toBe(0)
    expect(first.stdout).toMatch(/^succeeded at revision \d+\nthen\[0\] add acct\/a: 50 \(was 100\)\nthen\[1\] add acct\/b: 50 \(was 0\)\nthen\[2\] put acct\/log: revision \d+, version 1\n$/)
    expect((await store.get('acct/log'))?.expiresAt).toBeGreaterThan(Date.now())

    const second = await cli('txn', file, '--json')
    expect(second.code).toBe(exitCodes.notFound)
    const parsed = JSON.parse(second.stdout) as { succeeded: boolean; results: unknown[] }
    expect(parsed.succeeded).toBe(false)
    expect(parsed.results).toEqual([expect.objectContaining({ key: 'acct/a', value: 50 })])
    expect(await store.counters.get('acct/b')).toBe(50)
  })

  it('reads the request from stdin with -', async () => {
    const result = await runCli(['txn', '-'], { env: node.env, stdin: '{"then":[{"op":"put","key":"from-stdin","value":"yes"}]}' })
    expect(result.code).toBe(0)
    expect((await (await node.store()).get('from-stdin'))?.value).toBe('yes')
  })

  it('a file that does not exist fails with ENOENT', async () => {
    const result = await cli('txn', 'missing.json')
    expect(result.code).toBe(exitCodes.error)
    expect(result.stderr).toMatch(/^clustron: ENOENT: /)
  })
})
