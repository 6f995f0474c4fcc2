import { mkdtemp, readFile, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, describe, expect, it } from 'vitest'
import {
  checkOperations,
  createKvRegisterModel,
  renderTextReport,
  writeReport,
  type KvInput,
  type KvOutput,
  type Operation,
} from '../../src/checker/index.js'
import { generateRegisterHistory } from './generate.js'
import { operation, unknownOperation } from './support.js'

const kv = createKvRegisterModel()
const directories: string[] = []

async function temporaryDirectory(): Promise<string> {
  const directory = await mkdtemp(join(tmpdir(), 'clustron-checker-report-'))
  directories.push(directory)
  return directory
}

afterAll(async () => {
  await Promise.all(directories.map((directory) => rm(directory, { recursive: true, force: true })))
})

const htmlEscaped = (text: string): string => text.replace(/[&<>"']/g, (character) => `&#${character.charCodeAt(0)};`)

/** Two keys; "b" is fine, "a" has a stale read by client 2. */
const staleRead: Operation<KvInput, KvOutput>[] = [
  operation(0, 0, 10, { type: 'put', key: 'a', value: 'first' }, { ok: true, version: 1 }),
  operation(1, 5, 15, { type: 'put', key: 'b', value: 1 }, { ok: true, version: 1 }),
  operation(0, 20, 30, { type: 'put', key: 'a', value: 'second' }, { ok: true, version: 2 }),
  unknownOperation(3, 22, { type: 'put', key: 'a', value: 'maybe' }),
  operation(2, 40, 50, { type: 'get', key: 'a' }, { entry: { value: 'first', version: 1 } }),
  operation(1, 45, 55, { type: 'get', key: 'b' }, { entry: { value: 1, version: 1 } }),
]

describe('failure reports', () => {
  it('writes a self-contained HTML page and a text timeline showing the failing operation', async () => {
    const result = checkOperations(kv, staleRead)
    expect(result.result).toBe('illegal')
    const directory = await temporaryDirectory()
    const paths = await writeReport(join(directory, 'nested'), 'stale read/kv', result)
    expect(paths.htmlPath).toMatch(/stale-read-kv\.html$/)
    const html = await readFile(paths.htmlPath, 'utf8')
    const text = await readFile(paths.textPath, 'utf8')
    const failingDescription = 'get("a") → "first" v1'
    expect(html).toContain('<!doctype html>')
    expect(html).toContain(htmlEscaped(failingDescription))
    expect(html).toMatch(/class="op failing"[^>]*data-operation="3"/)
    expect(html).toContain('Could not linearize')
    // Nothing to fetch: no scripts, stylesheets, images or links to elsewhere.
    expect(html).not.toMatch(/<script|<link|<img|src=|https?:\/\//)
    expect(text).toContain(`Could not linearize: client 2 [40 → 50] ${failingDescription}`)
    expect(text).toContain('State after the prefix: "second" v2')
    expect(text).toMatch(/client 2 +\|.*\| ✗ +get\("a"\)/)
    expect(text).toMatch(/client 0 +\|.*\| ✓2 +put\("a", "second"\)/)
    expect(text).toContain('∞ (unknown outcome)')
  })

  it('explains the smallest failing partition of a large history within a bounded window', async () => {
    const history = generateRegisterHistory({ operationCount: 3_000, keyCount: 3, clientCount: 8, seed: 5, unknownRate: 0 })
    const victimIndex = history.findLastIndex((item) => item.input.type === 'get' && 'entry' in item.output && item.output.entry !== undefined)
    const victim = history[victimIndex]!
    history[victimIndex] = { ...victim, output: { entry: { value: 'stale', version: 1 } } }
    const result = checkOperations(kv, history)
    expect(result.result).toBe('illegal')
    const text = renderTextReport(result)
    expect(text).toContain('→ "stale" v1')
    expect(text).toMatch(/operations outside this window are not shown/)
    const paths = await writeReport(await temporaryDirectory(), 'large', result)
    expect((await readFile(paths.htmlPath, 'utf8')).length).toBeLessThan(400_000)
  })

  it('reports success and timeouts too', async () => {
    const ok = checkOperations(kv, staleRead.filter((_, index) => index !== 4))
    expect(renderTextReport(ok)).toMatch(/^Linearizability check: ok/)
    const history: Operation<KvInput, KvOutput>[] = []
    for (let client = 0; client < 20; client++) history.push(unknownOperation(client, 0, { type: 'put', key: 'x', value: client }))
    for (let read = 0; read < 20; read++) {
      history.push(operation(100 + read, 1 + read, 1000, { type: 'get', key: 'x' }, { entry: { value: read, version: read + 1 } }))
    }
    history.push(operation(99, 2000, 2010, { type: 'get', key: 'x' }, { entry: { value: 'never', version: 1 } }))
    const timedOut = checkOperations(kv, history, { timeoutMs: 30 })
    expect(timedOut.result).toBe('unknown')
    expect(renderTextReport(timedOut)).toContain('Smallest unfinished (timed out) partition')
    const paths = await writeReport(await temporaryDirectory(), 'timeout', timedOut)
    expect(await readFile(paths.htmlPath, 'utf8')).toContain('timed out')
  })
})
