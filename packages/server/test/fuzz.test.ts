import fc from 'fast-check'
import { afterEach, describe, expect, it } from 'vitest'
import { startNode, type ClustronNode } from '../src/index.js'
import { inspectNode } from '../src/internal.js'
import { FuzzDriver, malformedFrame, seedStore } from './support/fuzz.js'
import { RawClient } from './support/raw-client.js'

let node: ClustronNode | undefined
afterEach(async () => {
  await node?.close()
  node = undefined
})

/** Frames per CI run (the long run, `pnpm fuzz`, sends a million). */
const frames = Number(process.env.CLUSTRON_FUZZ_FRAMES ?? 20_000)

describe('fuzzing a live node with malformed frames', () => {
  it(`answers ${frames} malformed frames with typed errors or protocol closes; the store is byte-identical afterwards`, async () => {
    node = await startNode({ port: 0 })
    const url = `ws://127.0.0.1:${node.port}/v1/client`
    await seedStore(url)
    const before = inspectNode(node).snapshot('default')
    const lanes = 16
    const driver = new FuzzDriver(url, lanes)
    const seed = Number(process.env.CLUSTRON_FUZZ_SEED ?? Date.now() % 2 ** 31)
    try {
      await fc.assert(
        fc.asyncProperty(fc.array(malformedFrame, { minLength: lanes, maxLength: lanes }), (cases) => driver.runBatch(cases)),
        { numRuns: Math.ceil(frames / lanes), seed, endOnFailure: true },
      )
    } finally {
      driver.close()
    }
    const { stats } = driver
    expect(stats.frames).toBeGreaterThanOrEqual(frames)
    // Every kind of generator ran, and both outcomes happened.
    expect(Object.keys(stats.kinds).sort()).toEqual(['bad id', 'deep arrays', 'deep maps', 'huge length', 'invalid requests', 'random bytes', 'random values', 'truncated'])
    expect(stats.closed).toBeGreaterThan(0)
    expect(Object.values(stats.errors).reduce((sum, count) => sum + count, 0)).toBeGreaterThan(frames / 2)
    // Nothing reached the machine.
    expect(Buffer.from(inspectNode(node).snapshot('default')).equals(Buffer.from(before))).toBe(true)
    // Still serving.
    const { client } = await RawClient.connected(node.port)
    client.send({ type: 'read', id: 1, query: { type: 'count', prefix: 'seed/' } })
    expect(await client.answer(1)).toMatchObject({ type: 'result', result: 20 })
    client.close()
    expect(node.health().status).not.toBe('down')
  }, 240_000)
})
