import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { exitCodes } from '../src/index.js'
import { closeDetached, runCli } from './support/cli.js'
import { startTestNode, type TestNode } from './support/node.js'

let node: TestNode
const cli = (...argv: string[]) => runCli(argv, { env: node.env })

beforeAll(async () => {
  node = await startTestNode()
})
afterAll(async () => {
  await closeDetached()
  await node.close()
})

describe('get / put / del', () => {
  it('stores JSON values as JSON and anything else as a string', async () => {
    expect((await cli('put', 'kv/json', '{"rps": 100, "on": true}')).code).toBe(exitCodes.ok)
    expect((await cli('put', 'kv/text', 'hello world')).code).toBe(exitCodes.ok)
    expect((await cli('put', 'kv/num', '42')).code).toBe(exitCodes.ok)
    expect((await cli('put', 'kv/forced', '42', '--string')).code).toBe(exitCodes.ok)
    const store = await node.store()
    expect((await store.get('kv/json'))?.value).toEqual({ rps: 100, on: true })
    expect((await store.get('kv/text'))?.value).toBe('hello world')
    expect((await store.get('kv/num'))?.value).toBe(42)
    expect((await store.get('kv/forced'))?.value).toBe('42')

    const text = await cli('get', 'kv/text')
    expect(text).toMatchObject({ code: 0, stdout: 'hello world\n' })
    expect((await cli('get', 'kv/json')).stdout).toBe('{"rps":100,"on":true}\n')
    const json = await cli('get', 'kv/num', '--json')
    expect(JSON.parse(json.stdout)).toMatchObject({ key: 'kv/num', value: 42, version: 1 })
  })

  it('reports the revision and version of a write', async () => {
    const result = await cli('put', 'kv/rev', 'a', '--json')
    const written = JSON.parse(result.stdout) as { ok: boolean; revision: number; version: number }
    expect(written).toMatchObject({ ok: true, version: 1 })
    expect((await (await node.store()).get('kv/rev'))?.modRevision).toBe(written.revision)
    expect((await cli('put', 'kv/rev', 'b')).stdout).toMatch(/^OK revision \d+, version 2\n$/)
  })

  it('exits with 1 for a missing key, on stdout nothing (null with --json)', async () => {
    const missing = await cli('get', 'kv/nope')
    expect(missing.code).toBe(exitCodes.notFound)
    expect(missing.stdout).toBe('')
    expect(missing.stderr).toContain("key 'kv/nope' not found")
    const json = await cli('get', 'kv/nope', '--json')
    expect(json).toMatchObject({ code: 1, stdout: 'null\n' })
  })

  it('puts with a TTL given as a human duration', async () => {
    const before = Date.now()
    expect((await cli('put', 'kv/session', 'alive', '--ttl', '30s')).code).toBe(0)
    const entry = await (await node.store()).get('kv/session')
    expect(entry?.expiresAt).toBeGreaterThanOrEqual(before + 29_000)
    expect(entry?.expiresAt).toBeLessThanOrEqual(Date.now() + 30_000)
  })

  it('binds a key to a lease granted by the CLI', async () => {
    const granted = await cli('lease', 'grant', '1m')
    expect(granted.code).toBe(0)
    const id = granted.stdout.trim()
    expect((await cli('put', 'kv/leased', 'v', '--lease', id)).code).toBe(0)
    expect((await (await node.store()).get('kv/leased'))?.lease).toBe(id)
    expect((await cli('lease', 'revoke', id)).code).toBe(0)
    expect(await (await node.store()).get('kv/leased')).toBeUndefined()
  })

  it('conditional puts exit with 1 and change nothing when the condition fails', async () => {
    expect((await cli('put', 'kv/cond', 'first', '--if-absent')).code).toBe(0)
    const exists = await cli('put', 'kv/cond', 'second', '--if-absent')
    expect(exists.code).toBe(exitCodes.notFound)
    expect(exists.stderr).toContain('already exists')
    const mismatch = await cli('put', 'kv/cond', 'third', '--if-version', '7', '--json')
    expect(mismatch.code).toBe(exitCodes.notFound)
    expect(JSON.parse(mismatch.stdout)).toMatchObject({ ok: false, reason: 'version-mismatch', current: { version: 1 } })
    expect((await (await node.store()).get('kv/cond'))?.value).toBe('first')
    expect((await cli('put', 'kv/cond', 'fourth', '--if-version', '1')).code).toBe(0)
    expect((await (await node.store()).get('kv/cond'))?.value).toBe('fourth')
  })

  it('deletes a key (1 when missing) and a prefix', async () => {
    await (await node.store()).putMany({ 'del/a': 1, 'del/b': 2, 'del/c': 3, other: 0 })
    expect((await cli('del', 'del/a')).code).toBe(0)
    expect((await cli('del', 'del/a')).code).toBe(exitCodes.notFound)
    expect((await cli('del', 'del/b', '--if-version', '9')).code).toBe(exitCodes.notFound)
    expect(await (await node.store()).get('del/b')).toBeDefined()
    const prefix = await cli('del', 'del/', '--prefix', '--json')
    expect(prefix).toMatchObject({ code: 0, stdout: '{"deleted":2}\n' })
    expect(await (await node.store()).count({ prefix: 'del/' })).toBe(0)
    expect(await (await node.store()).get('other')).toBeDefined()
  })
})

describe('list', () => {
  beforeAll(async () => {
    await (await node.store()).putMany({ 'list/a': 'alpha', 'list/b': { n: 2 }, 'list/c': 3, 'listx/no': 0 })
  })

  it('prints a table of the keys under a prefix', async () => {
    const result = await cli('list', 'list/')
    expect(result.code).toBe(0)
    const lines = result.stdout.trimEnd().split('\n')
    expect(lines[0]).toMatch(/^KEY\s+VALUE\s+VERSION\s+MOD\s+TTL$/)
    expect(lines.slice(1).map((line) => line.split(/\s+/)[0])).toEqual(['list/a', 'list/b', 'list/c'])
    expect(lines[2]).toContain('{"n":2}')
  })

  it('prints one JSON document with --json, and keys only with --keys-only', async () => {
    const json = JSON.parse((await cli('list', 'list/', '--json')).stdout) as { entries: { key: string; value: unknown }[]; more: boolean; revision: number }
    expect(json.entries.map((entry) => [entry.key, entry.value])).toEqual([
      ['list/a', 'alpha'],
      ['list/b', { n: 2 }],
      ['list/c', 3],
    ])
    expect(json.more).toBe(false)
    expect(json.revision).toBeGreaterThan(0)
    expect((await cli('list', 'list/', '--keys-only')).stdout).toBe('list/a\nlist/b\nlist/c\n')
  })

  it('honours --limit and says that more keys match', async () => {
    const result = await cli('list', 'list/', '--limit', '2', '--json')
    expect(JSON.parse(result.stdout)).toMatchObject({ more: true, entries: [{ key: 'list/a' }, { key: 'list/b' }] })
    expect((await cli('list', 'list/', '--limit', '2')).stderr).toContain('more keys match')
  })

  it('reads more than one page when listing everything', async () => {
    const many = Object.fromEntries(Array.from({ length: 1_005 }, (_, index) => [`page/${String(index).padStart(4, '0')}`, index]))
    await (await node.store()).putMany(many)
    const keys = (await cli('list', 'page/', '--keys-only')).stdout.trimEnd().split('\n')
    expect(keys).toHaveLength(1_005)
    expect(keys[1_004]).toBe('page/1004')
  })
})
