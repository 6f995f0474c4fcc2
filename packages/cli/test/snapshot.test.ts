import { existsSync, readdirSync, readFileSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { exitCodes } from '../src/index.js'
import { runCli } from './support/cli.js'
import { startTestNode, temporaryDirectory, type TestNode } from './support/node.js'

let source: TestNode
let target: TestNode
const directory = temporaryDirectory('snapshot')

beforeAll(async () => {
  source = await startTestNode()
  target = await startTestNode()
  const store = await source.store()
  const many = Object.fromEntries(Array.from({ length: 1_234 }, (_, index) => [`bulk/${String(index).padStart(5, '0')}`, { index }]))
  await store.putMany(many)
  await store.put('typed/big', 2n ** 62n + 1n)
  await store.put('typed/bytes', new Uint8Array([0, 1, 254, 255]))
  await store.put('typed/date', new Date('2026-01-02T03:04:05.000Z'))
  await store.put('ttl/session', 'alive', { ttlMs: 600_000 })
})
afterAll(async () => {
  await source.close()
  await target.close()
  directory.remove()
})

const snapshot = (...argv: string[]) => runCli(['snapshot', ...argv], { env: source.env, cwd: directory.path, stderrIsTTY: true })

describe('snapshot save and restore', () => {
  it('round-trips every key, value type and TTL into another store, with progress bars', async () => {
    const saved = await snapshot('save', 'all.jsonl', '--json')
    expect(saved.code).toBe(0)
    const report = JSON.parse(saved.stdout) as { keys: number; sha256: string; consistent: boolean }
    expect(report).toMatchObject({ keys: 1_238, consistent: true })
    expect(report.sha256).toMatch(/^[0-9a-f]{64}$/)
    expect(saved.stderr).toMatch(/saving \[█+\] 100%/)
    // Written under a temporary name, then renamed: nothing else is left behind.
    expect(readdirSync(directory.path)).toEqual(['all.jsonl'])

    const restored = await runCli(['snapshot', 'restore', 'all.jsonl'], { env: target.env, cwd: directory.path, stderrIsTTY: true })
    expect(restored.code).toBe(0)
    expect(restored.stdout).toMatch(/^restored 1,238 keys from all\.jsonl/)
    expect(restored.stderr).toMatch(/verifying \[█+\] 100%/)
    expect(restored.stderr).toMatch(/restoring \[█+\] 100%/)

    const from = await source.store()
    const to = await target.store()
    expect(await to.count()).toBe(1_238)
    const [left, right] = await Promise.all([from.list({ limit: 2_000 }), to.list({ limit: 2_000 })])
    expect(right.entries.map((entry) => [entry.key, entry.value])).toEqual(left.entries.map((entry) => [entry.key, entry.value]))
    expect((await to.get('typed/big'))?.value).toBe(2n ** 62n + 1n)
    expect((await to.get('typed/bytes'))?.value).toEqual(new Uint8Array([0, 1, 254, 255]))
    expect((await to.get('typed/date'))?.value).toEqual(new Date('2026-01-02T03:04:05.000Z'))
    const ttl = await to.ttl('ttl/session')
    expect(ttl).toBeGreaterThan(500_000)
    expect(ttl).toBeLessThanOrEqual(600_000)
  })

  it('saves only a prefix, and refuses to overwrite a file without --force', async () => {
    expect((await snapshot('save', 'typed.jsonl', '--prefix', 'typed/')).code).toBe(0)
    const lines = readFileSync(join(directory.path, 'typed.jsonl'), 'utf8').trimEnd().split('\n')
    expect(lines).toHaveLength(5)
    const exists = await snapshot('save', 'typed.jsonl', '--prefix', 'typed/')
    expect(exists.code).toBe(exitCodes.usage)
    expect(exists.stderr).toContain('pass --force')
    expect((await snapshot('save', 'typed.jsonl', '--prefix', 'typed/', '--force')).code).toBe(0)
  })

  it('refuses a file whose content does not match its checksum, and writes nothing', async () => {
    await snapshot('save', 'tampered.jsonl', '--prefix', 'typed/', '--force')
    const path = join(directory.path, 'tampered.jsonl')
    writeFileSync(path, readFileSync(path, 'utf8').replace('"2026-01-02T03:04:05.000Z"', '"2027-01-02T03:04:05.000Z"'))
    const fresh = await startTestNode()
    try {
      const result = await runCli(['snapshot', 'restore', 'tampered.jsonl'], { env: fresh.env, cwd: directory.path })
      expect(result.code).toBe(exitCodes.error)
      expect(result.stderr).toMatch(/^clustron: CORRUPT: .*checksum does not match/)
      expect(await (await fresh.store()).count()).toBe(0)
    } finally {
      await fresh.close()
    }
  })

  it('refuses a truncated file, and writes nothing', async () => {
    await snapshot('save', 'truncated.jsonl', '--prefix', 'bulk/', '--force')
    const path = join(directory.path, 'truncated.jsonl')
    const lines = readFileSync(path, 'utf8').split('\n')
    writeFileSync(path, lines.slice(0, 600).join('\n') + '\n')
    const fresh = await startTestNode()
    try {
      const result = await runCli(['snapshot', 'restore', 'truncated.jsonl'], { env: fresh.env, cwd: directory.path })
      expect(result.code).toBe(exitCodes.error)
      expect(result.stderr).toContain('CORRUPT')
      expect(result.stderr).toContain('nothing was restored')
      expect(await (await fresh.store()).count()).toBe(0)
    } finally {
      await fresh.close()
    }
  })

  it('a missing file is an error naming it', async () => {
    const result = await snapshot('restore', 'nope.jsonl')
    expect(result.code).toBe(exitCodes.error)
    expect(result.stderr).toMatch(/ENOENT.*nope\.jsonl/)
    expect(existsSync(join(directory.path, 'nope.jsonl'))).toBe(false)
  })
})
