import { mkdtempSync, writeFileSync, existsSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { ConfigError, loadConfig, startNode, type CommandLine } from '../src/index.js'
import { finished, listening, spawnBin } from './support/bin.js'

const directory = mkdtempSync(join(tmpdir(), 'clustron-config-'))
const file = (name: string, text: string) => {
  const path = join(directory, name)
  writeFileSync(path, text)
  return path
}
const run = (argv: string[], env: Record<string, string> = {}) => loadConfig({ argv, env, cwd: directory })
const config = (line: CommandLine) => {
  if (line.action !== 'run') throw new Error(`expected run, got ${line.action}`)
  return line.config
}

describe('configuration', () => {
  it('defaults: port 7861 on 127.0.0.1, ./clustron-data, store default, node n1', () => {
    expect(config(run([]))).toEqual({ nodeId: 'n1', host: '127.0.0.1', port: 7861, data: './clustron-data', stores: ['default'], logLevel: 'info' })
  })

  it('merges flags over CLUSTRON_* over the file over defaults', () => {
    const yaml = file('c.yaml', 'port: 1000\nhost: 0.0.0.0\nnodeId: from-file\nstores: [a, { name: b, watchHistory: 50 }]\nlimits: { frameBytesMax: 2097152, valueBytesMax: 65536 }\n')
    const parsed = config(run(['--config', yaml, '--port', '3000', '--limit', 'valueBytesMax=1024'], { CLUSTRON_PORT: '2000', CLUSTRON_NODE_ID: 'from-env', CLUSTRON_LOG_LEVEL: 'warn' }))
    expect(parsed).toMatchObject({ port: 3000, host: '0.0.0.0', nodeId: 'from-env', logLevel: 'warn', stores: ['a', { name: 'b', watchHistory: 50 }] })
    // Limits merge key by key across sources.
    expect(parsed.limits).toEqual({ frameBytesMax: 2097152, valueBytesMax: 1024 })
  })

  it('reads JSON files, CLUSTRON_CONFIG, and comma-separated or repeated stores', () => {
    const json = file('c.json', JSON.stringify({ stores: ['x'], watchHistory: 7 }))
    expect(config(run([], { CLUSTRON_CONFIG: json }))).toMatchObject({ stores: ['x'], watchHistory: 7 })
    expect(config(run(['--store', 'a,b', '--store', 'c'])).stores).toEqual(['a', 'b', 'c'])
    expect(config(run([], { CLUSTRON_STORE: 'p, q' })).stores).toEqual(['p', 'q'])
  })

  it.each([
    [['--port', 'abc'], {}, /port: .*expected number.*\(from --port=abc\)/],
    [['--port', '70000'], {}, /port: .*70000|port: .*<=65535|port.*(from --port)/],
    [[], { CLUSTRON_PORT: '-1' }, /port.*\(from CLUSTRON_PORT=-1\)/],
    [['--log-level', 'loud'], {}, /logLevel.*\(from --log-level=loud\)/],
    [['--store', 'bad name'], {}, /stores\.0.*store name/],
    [['--node-id', ''], {}, /nodeId/],
    [['--prot', '1'], {}, /Unknown option '--prot'/],
    [['--limit', 'frameBytesMax'], {}, /name=value/],
  ])('rejects %j %j naming the key and why', (argv, env, pattern) => {
    expect(() => run(argv, env as Record<string, string>)).toThrow(ConfigError)
    expect(() => run(argv, env as Record<string, string>)).toThrow(pattern)
  })

  it('rejects unknown keys and bad files naming them', () => {
    expect(() => run(['--config', file('typo.yaml', 'prot: 1\n')])).toThrow(/prot/)
    expect(() => run(['--config', file('broken.yaml', 'port: [1\n')])).toThrow(/cannot read .*broken\.yaml/)
    expect(() => run(['--config', join(directory, 'missing.yaml')])).toThrow(/does not exist/)
    expect(() => run(['--config', file('store.yaml', 'stores: [{ name: a, watchHistory: 0 }]\n')])).toThrow(/stores\.0\.watchHistory|stores\.0/)
  })

  it('rejects unknown limits and impossible combinations at start-up, naming the limit', async () => {
    await expect(startNode({ port: 0, limits: { nope: 1 } as never })).rejects.toThrow(/unknown limit 'nope'/)
    await expect(startNode({ port: 0, stores: [{ name: 's', limits: { frameBytesMax: 1 } }] })).rejects.toThrow(/node-wide limit/)
    await expect(startNode({ port: 0, limits: { valueBytesMax: 8 * 1024 * 1024 } })).rejects.toThrow(/valueBytesMax/)
    await expect(startNode({ port: 0, stores: ['a', 'a'] })).rejects.toThrow(/declared twice/)
  })

  it('creates the data directory', async () => {
    const data = join(directory, 'nested', 'data')
    const node = await startNode({ port: 0, data })
    expect(existsSync(data)).toBe(true)
    await node.close()
  })

  it('the per-store watch history reaches the store', async () => {
    const node = await startNode({ port: 0, watchHistory: 3, stores: ['a', { name: 'b', watchHistory: 5 }] })
    const { RawClient } = await import('./support/raw-client.js')
    const a = await RawClient.connected(node.port, 'a')
    const b = await RawClient.connected(node.port, 'b')
    expect((a.welcome.limits as Record<string, number>).watchHistoryRevisions).toBe(3)
    expect((b.welcome.limits as Record<string, number>).watchHistoryRevisions).toBe(5)
    a.client.close()
    b.client.close()
    await node.close()
  })
})

describe('the clustron-server bin', () => {
  it('exits 2 on a bad flag, naming it', async () => {
    const result = await finished(spawnBin(['--port', 'abc']))
    expect(result.code).toBe(2)
    expect(result.stderr).toMatch(/invalid config: .*port.*--port/)
  })

  it('exits 1 when the port is taken', async () => {
    const node = await startNode({ port: 0 })
    const result = await finished(spawnBin(['--port', String(node.port), '--data', join(directory, 'taken')]))
    expect(result.code).toBe(1)
    expect(result.stderr).toMatch(new RegExp(`port ${node.port} .* is in use`))
    await node.close()
  })

  it('prints help and exits 0', async () => {
    const result = await finished(spawnBin(['--help']))
    expect(result.code).toBe(0)
    expect(result.stdout).toMatch(/--watch-history/)
    expect(result.stdout).toMatch(/CLUSTRON_WATCH_HISTORY/)
  })

  it('serves, then stops on SIGTERM with exit code 0', async () => {
    const child = spawnBin(['--port', '0', '--data', join(directory, 'bin-data'), '--store', 'default,other'])
    const done = finished(child)
    const port = await listening(child)
    const health = (await (await fetch(`http://127.0.0.1:${port}/health`)).json()) as { stores: Record<string, unknown> }
    expect(Object.keys(health.stores)).toEqual(['default', 'other'])
    child.kill('SIGTERM')
    expect((await done).code).toBe(0)
  })
})
