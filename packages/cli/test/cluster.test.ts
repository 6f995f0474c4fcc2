import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { exitCodes } from '../src/index.js'
import { runCli, until } from './support/cli.js'
import { startTestNode, temporaryDirectory, type TestNode } from './support/node.js'

const directory = temporaryDirectory('cluster')
let n1: TestNode
beforeAll(async () => {
  n1 = await startTestNode({ nodeId: 'n1', data: `${directory.path}/n1` })
})
afterAll(async () => {
  await n1.close()
  directory.remove()
})

const cli = (...argv: string[]) => runCli(argv, { env: n1.env })

describe('status', () => {
  it('prints revision, keys, leader and members; --json for scripts', async () => {
    await (await n1.store()).put('status/a', 1)
    const text = await cli('status')
    expect(text.code).toBe(0)
    expect(text.stdout).toMatch(/store\s+default \(remote\)/)
    expect(text.stdout).toMatch(/node\s+n1 \(leader\), term \d+/)
    expect(text.stdout).toMatch(/keys\s+1\n/)
    expect(text.stdout).toMatch(/ID\s+ADDRESS\s+ROLE\s+MATCH\nn1\s+127\.0\.0\.1:\d+\s+leader/)
    const json = JSON.parse((await cli('status', '--json')).stdout) as { keys: number; leader: string; revision: number }
    expect(json).toMatchObject({ keys: 1, leader: 'n1' })
    expect(json.revision).toBeGreaterThan(0)
  })
})

describe('members', () => {
  it('lists, adds a joining node as a learner, and removes it', async () => {
    const list = JSON.parse((await cli('members', 'list', '--json')).stdout) as { id: string; role: string }[]
    expect(list.map((member) => [member.id, member.role])).toEqual([['n1', 'leader']])

    const n2 = await startTestNode({ nodeId: 'n2', data: `${directory.path}/n2`, join: true })
    try {
      const address = `127.0.0.1:${n2.node.port}`
      const added = await cli('members', 'add', 'n2', address, '--json')
      expect(added.code, added.stderr).toBe(0)
      expect(JSON.parse(added.stdout)).toEqual(expect.arrayContaining([expect.objectContaining({ id: 'n2', address, role: 'learner' })]))
      await until(async () => (await cli('members', 'list')).stdout.includes('n2'), 'n2 in the member list')
      expect((await cli('members', 'list')).stdout).toMatch(/n2\s+127\.0\.0\.1:\d+\s+learner/)

      const removed = await cli('members', 'remove', 'n2')
      expect(removed.code, removed.stderr).toBe(0)
      expect(removed.stdout).not.toContain('n2')
      expect((await cli('members', 'remove', 'n2')).code).toBe(exitCodes.notFound)
    } finally {
      await n2.close()
    }
  })

  it('a node that keeps its stores in memory says membership needs --data, at once (exit 3)', async () => {
    const memory = await startTestNode()
    try {
      const startedAt = Date.now()
      const result = await runCli(['members', 'list'], { env: memory.env })
      expect(result.code).toBe(exitCodes.unavailable)
      expect(result.stderr).toContain('membership needs nodes started with --data')
      expect(Date.now() - startedAt).toBeLessThan(5_000)
    } finally {
      await memory.close()
    }
  })
})

describe('bench', () => {
  it('runs four phases and prints a table, leaving no keys behind', async () => {
    const keysBefore = await (await n1.store()).count()
    const result = await runCli(['bench', '--duration', '100ms', '--keys', '20', '--value-size', '10'], { env: n1.env, stderrIsTTY: true })
    expect(result.code, result.stderr).toBe(0)
    const lines = result.stdout.trimEnd().split('\n')
    expect(lines[0]).toMatch(/^OP\s+IN FLIGHT\s+OPS\/S\s+P50\s+P99\s+OPS\s+ERRORS$/)
    expect(lines.slice(1, 5).map((line) => line.split(/\s+/).slice(0, 2).join(' '))).toEqual(['put 1', 'put 64', 'get 1', 'get 64'])
    expect(lines[5]).toContain('100ms per phase, 20 keys, 10-byte values')
    expect(result.stderr).toMatch(/bench \[█+\] 100%/)
    expect(await (await n1.store()).count()).toBe(keysBefore)
  })

  it('--json gives numbers per phase', async () => {
    const result = await runCli(['bench', '--duration', '50ms', '--keys', '5', '--json'], { env: n1.env })
    const report = JSON.parse(result.stdout) as { results: { op: string; ops: number; errors: number; opsPerSecond: number }[] }
    expect(report.results).toHaveLength(4)
    for (const phase of report.results) {
      expect(phase.ops).toBeGreaterThan(0)
      expect(phase.errors).toBe(0)
      expect(phase.opsPerSecond).toBeGreaterThan(0)
    }
  })

  it('refuses silly sizes as usage errors', async () => {
    expect((await cli('bench', '--keys', '0')).code).toBe(exitCodes.usage)
    expect((await cli('bench', '--keys', '1000000')).code).toBe(exitCodes.usage)
  })
})
