import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { startNode } from '@clustron/server'
import { collect, runCli, spawnCli, until } from './support/cli.js'
import { startTestNode, temporaryDirectory, type TestNode } from './support/node.js'

interface EventLine {
  type: 'put' | 'delete'
  key: string
  value?: unknown
  revision: number
  reason?: string
}

const parseLines = (text: string) =>
  text
    .split('\n')
    .filter((line) => line.length > 0)
    .map((line) => JSON.parse(line) as EventLine)

describe('watch', () => {
  let node: TestNode
  beforeAll(async () => {
    node = await startTestNode()
  })
  afterAll(async () => {
    await node.close()
  })

  it('streams puts and deletes under a prefix, one line each, and stops after --count', async () => {
    const store = await node.store()
    let out = ''
    const watching = runCli(['watch', 'cfg/', '--prefix', '--count', '3'], { env: node.env, onStdout: (text) => (out += text) })
    // --initial is not given: wait until the watch is registered by writing until an event shows up.
    await until(async () => {
      await store.put('cfg/probe', 'p')
      return out.length > 0
    }, 'the watch to see a write')
    await store.put('cfg/mode', 'fast')
    await store.delete('cfg/mode')
    const result = await watching
    expect(result.code).toBe(0)
    const lines = result.stdout.trimEnd().split('\n')
    expect(lines).toHaveLength(3)
    expect(lines[0]).toMatch(/^\[rev \d+\] put cfg\/probe p$/)
    expect(lines.slice(-2).join('\n')).toMatch(/(put cfg\/probe p|put cfg\/mode fast)\n.*(put cfg\/mode fast|delete cfg\/mode \(deleted\))$/)
  })

  it('replays from a revision with --from-revision and prints JSON lines', async () => {
    const store = await node.store()
    const first = await store.put('hist/a', 1)
    await store.put('hist/b', { x: 2 })
    await store.delete('hist/a')
    if (!first.ok) throw new Error('put failed')
    const result = await runCli(['watch', 'hist/', '--prefix', '--from-revision', String(first.revision), '--count', '3', '--json'], { env: node.env })
    expect(result.code).toBe(0)
    const events = parseLines(result.stdout)
    expect(events.map((event) => [event.type, event.key, event.value])).toEqual([
      ['put', 'hist/a', 1],
      ['put', 'hist/b', { x: 2 }],
      ['delete', 'hist/a', undefined],
    ])
    expect(events.map((event) => event.revision)).toEqual([first.revision, first.revision + 1, first.revision + 2])
  })

  it('Ctrl-C ends the watch with 0', async () => {
    const interrupt = new AbortController()
    const watching = runCli(['watch', 'nothing', '--initial'], { env: node.env, signal: interrupt.signal })
    interrupt.abort('SIGINT')
    expect((await watching).code).toBe(0)
  })
})

describe('watch resumes when the node comes back', () => {
  const directory = temporaryDirectory('watch')
  afterAll(() => directory.remove())

  it('sees every change, in order, once, across a node restart', async () => {
    const options = { stores: ['default'], data: directory.path, nodeId: 'n1' }
    let node = await startNode({ port: 0, ...options })
    const port = node.port
    const url = `${node.url}/default`
    const child = spawnCli(['watch', 'w/', '--prefix', '--json'], { env: { CLUSTRON_URL: url } })
    const output = collect(child)
    try {
      const { connect } = await import('@clustron/client')
      let store = await connect(url)
      await until(async () => {
        await store.put('w/probe', 0)
        return output.output().stdout.length > 0
      }, 'the watch to start', 15_000)
      for (let index = 1; index <= 3; index++) await store.put(`w/${index}`, index)
      await until(() => parseLines(output.output().stdout).some((event) => event.key === 'w/3'), 'events before the restart')
      await store.close()
      await node.close()

      node = await startNode({ port, ...options })
      store = await connect(url)
      for (let index = 4; index <= 6; index++) await store.put(`w/${index}`, index)
      await store.close()
      await until(() => parseLines(output.output().stdout).some((event) => event.key === 'w/6'), 'events after the restart', 15_000)

      child.kill('SIGINT')
      const result = await output.exited
      expect(result.code).toBe(0)
      const events = parseLines(result.stdout).filter((event) => event.key !== 'w/probe')
      expect(events.map((event) => event.key)).toEqual(['w/1', 'w/2', 'w/3', 'w/4', 'w/5', 'w/6'])
      const revisions = parseLines(result.stdout).map((event) => event.revision)
      // In order, no duplicates, no gaps (every write under w/ is a revision).
      for (let index = 1; index < revisions.length; index++) expect(revisions[index]).toBe(revisions[index - 1]! + 1)
    } finally {
      child.kill('SIGKILL')
      await node.close()
    }
  }, 40_000)
})
