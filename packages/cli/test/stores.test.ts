import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { exitCodes } from '../src/index.js'
import { parseSize } from '../src/commands/stores.js'
import { runCli, until } from './support/cli.js'
import { startTestNode, temporaryDirectory, type TestNode } from './support/node.js'

const directory = temporaryDirectory('stores')
let n1: TestNode
beforeAll(async () => {
  n1 = await startTestNode({ nodeId: 'n1', data: `${directory.path}/n1` })
})
afterAll(async () => {
  await n1.close()
  directory.remove()
})

const cli = (argv: string[], stdin?: string) => runCli(argv, { env: n1.env, ...(stdin === undefined ? {} : { stdin }) })

describe('stores', () => {
  it('creates, lists, describes and deletes (with confirmation) a store', async () => {
    const created = await cli(['stores', 'create', 'orders', '--max-value', '64k', '--json'])
    expect(created.code, created.stderr).toBe(0)
    expect(JSON.parse(created.stdout)).toMatchObject({ name: 'orders', replicas: ['n1'], config: { replicas: 1, valueBytesMax: 65_536 } })
    expect((await cli(['stores', 'create', 'orders'])).code).toBe(exitCodes.error)
    expect((await cli(['stores', 'create', 'bad name'])).code).toBe(exitCodes.usage)

    const list = await cli(['stores', 'list'])
    expect(list.stdout).toMatch(/NAME\s+REPLICAS\s+NODES\s+LEADER/)
    expect(list.stdout).toMatch(/orders\s+1\s+n1\s+n1/)
    expect(list.stdout).toMatch(/default\s+static/)
    expect((await cli(['stores', 'describe', 'orders'])).stdout).toMatch(/max value\s+64(\.0)? ?KiB/)
    expect((await cli(['stores', 'describe', 'nope'])).code).toBe(exitCodes.notFound)

    // The new store serves clients once its replica is open.
    await until(async () => (await runCli(['put', 'k', '"v"'], { env: { CLUSTRON_URL: `${n1.node.url}/orders` } })).code === 0, 'a put to orders')

    const configured = await cli(['stores', 'configure', 'orders', '--max-keys', '10', '--json'])
    expect(configured.code, configured.stderr).toBe(0)
    expect(JSON.parse(configured.stdout)).toMatchObject({ config: { replicas: 1, valueBytesMax: 65_536, keysMax: 10 } })
    expect((await cli(['stores', 'configure', 'orders'])).code).toBe(exitCodes.usage)

    const refused = await cli(['stores', 'delete', 'orders'], 'no\n')
    expect(refused.code).toBe(exitCodes.usage)
    expect((await cli(['stores', 'describe', 'orders'])).code).toBe(0)
    const confirmed = await cli(['stores', 'delete', 'orders'], 'orders\n')
    expect(confirmed.code, confirmed.stderr).toBe(0)
    expect((await cli(['stores', 'delete', 'orders', '--yes'])).code).toBe(exitCodes.notFound)
    expect((await cli(['stores', 'move', 'default', '--from', 'n1'])).code).toBe(exitCodes.usage)
  })

  it('parses sizes', () => {
    expect(parseSize('64k', 'x')).toBe(65_536)
    expect(parseSize('1MiB', 'x')).toBe(1_048_576)
    expect(parseSize('512', 'x')).toBe(512)
    expect(() => parseSize('12q', 'x')).toThrow(/size like/)
  })
})
