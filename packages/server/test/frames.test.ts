import { closeCodes, encodeMessage, joinFrame } from '@clustron/protocol'
import fc from 'fast-check'
import { afterEach, describe, expect, it } from 'vitest'
import { startNode, type ClustronNode } from '../src/index.js'
import { RawClient, value } from './support/raw-client.js'

let node: ClustronNode | undefined
afterEach(async () => {
  await node?.close()
  node = undefined
})

describe('frames and messages from clients', () => {
  it('answers a bad message that has an id with INVALID_ARGUMENT and keeps serving', async () => {
    node = await startNode({ port: 0 })
    const { client } = await RawClient.connected(node.port)
    client.send(
      { type: 'write', id: 1, command: { type: 'put', key: 7, value: value('x') } },
      { type: 'write', id: 2, command: { type: 'expire' } },
      { type: 'read', id: 3, query: { type: 'nope' } },
      { type: 'launch', id: 4 },
      { type: 'write', id: 5, command: { type: 'put', key: 'k', value: value('v') } },
    )
    const [bad, internal, query, unknown, good] = await Promise.all([1, 2, 3, 4, 5].map((id) => client.answer(id)))
    expect(bad).toMatchObject({ type: 'error', error: { code: 'INVALID_ARGUMENT' } })
    expect((bad!.error as { message: string }).message).toMatch(/at command\.key/)
    expect((internal!.error as { message: string }).message).toMatch(/'expire' is proposed by the node/)
    expect(query).toMatchObject({ type: 'error', error: { code: 'INVALID_ARGUMENT' } })
    expect(unknown).toMatchObject({ type: 'error', error: { code: 'INVALID_ARGUMENT' } })
    // Nothing bad reached the machine: the one good write is revision 1.
    expect(good).toMatchObject({ type: 'result', result: { ok: true, revision: 1, version: 1 } })
    client.close()
  })

  it('gives typed machine errors unchanged (code, message, details)', async () => {
    node = await startNode({ port: 0 })
    const { client } = await RawClient.connected(node.port)
    client.send({ type: 'write', id: 1, command: { type: 'put', key: 'k', value: value('v'), lease: 'missing' } })
    expect(await client.answer(1)).toMatchObject({ type: 'error', error: { code: 'LEASE_NOT_FOUND', details: { lease: 'missing' } } })
    client.close()
  })

  it.each([
    ['a text frame', 'hello'],
    ['bytes that are not msgpack', new Uint8Array([0xc1, 0xc1])],
    ['a msgpack value that is not an array', encodeMessage({ type: 'ping', id: 1 })],
    ['a message without a usable id', joinFrame([encodeMessage({ type: 'ping' })])],
    ['a message with a negative id', joinFrame([encodeMessage({ type: 'write', id: -1, command: {} })])],
  ])('closes the connection with badFrame on %s', async (_what, frame) => {
    node = await startNode({ port: 0 })
    const { client } = await RawClient.connected(node.port)
    client.sendRaw(frame)
    expect((await client.closed).code).toBe(closeCodes.badFrame)
  })

  it('closes with 1009 on a frame above frameBytesMax', async () => {
    node = await startNode({ port: 0, limits: { frameBytesMax: 64 * 1024, valueBytesMax: 32 * 1024 } })
    const { client } = await RawClient.connected(node.port)
    client.sendRaw(new Uint8Array(64 * 1024 + 1))
    expect((await client.closed).code).toBe(closeCodes.tooLarge)
  })

  it('survives random frames: each is refused or answered, and other clients are served throughout', async () => {
    node = await startNode({ port: 0 })
    const { client: witness } = await RawClient.connected(node.port)
    let id = 0
    const port = node.port
    await fc.assert(
      fc.asyncProperty(
        fc.oneof(
          fc.uint8Array({ maxLength: 64 }),
          fc.array(fc.anything({ withTypedArray: true, withBigInt: true, withDate: true, withMap: true }), { maxLength: 4 }).map((messages) => {
            try {
              return joinFrame(messages.map(encodeMessage))
            } catch {
              return new Uint8Array([0xc1])
            }
          }),
        ),
        async (frame) => {
          const { client } = await RawClient.connected(port)
          client.sendRaw(frame)
          client.send({ type: 'ping', id: 1_000_000 })
          // Either the frame closed the connection, or the ping after it is answered.
          const outcome = await Promise.race([client.closed.then(() => 'closed'), client.answer(1_000_000).then(() => 'answered', () => 'closed')])
          expect(['closed', 'answered']).toContain(outcome)
          client.close()
          witness.send({ type: 'ping', id: ++id })
          expect(await witness.answer(id)).toMatchObject({ type: 'result' })
        },
      ),
      { numRuns: 60 },
    )
    witness.close()
  })

  it('sends every answer of one turn in one frame', async () => {
    node = await startNode({ port: 0 })
    const { client } = await RawClient.connected(node.port)
    const framesBefore = client.frames.length
    client.send(...Array.from({ length: 20 }, (_, index) => ({ type: 'write', id: index + 1, command: { type: 'put', key: `k${index}`, value: value('v') } })))
    await client.answer(20)
    expect(client.frames.length).toBe(framesBefore + 1)
    expect(client.frames.at(-1)!.length).toBe(20)
    client.close()
  })
})
