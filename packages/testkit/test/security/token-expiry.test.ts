import { mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { connect, ManualClock, type Store } from '@clustron/client'
import { createToken, generateAuthKey, startNode, type ClustronNode } from '@clustron/server'
import { afterAll, afterEach, describe, expect, it } from 'vitest'
import { rejectsWith, take, within } from '../../src/conformance/helpers.js'

/** The remote client against a node whose tokens expire (the node's connection clock is driven by hand). */
const directory = mkdtempSync(join(tmpdir(), 'clustron-token-'))
const keyFile = join(directory, 'auth.key')
writeFileSync(keyFile, generateAuthKey('HS256').key)
afterAll(() => rmSync(directory, { recursive: true, force: true }))

let node: ClustronNode | undefined
let store: Store | undefined
afterEach(async () => {
  await store?.close()
  await node?.close()
  store = undefined
  node = undefined
})

async function expiringNode(): Promise<{ clock: ManualClock; mint: () => Promise<string> }> {
  const clock = new ManualClock()
  // A long idle timeout: only the token's expiry may end the connection when the clock jumps.
  node = await startNode({ port: 0, authKey: keyFile, connectionClock: clock, limits: { idleTimeoutMs: 3_600_000 } })
  const mint = () => createToken({ keyFile, subject: 'app', stores: { default: 'write' }, ttl: '60s', now: clock.now() })
  return { clock, mint }
}

describe('tokens that expire, from the client side', () => {
  it('a token provider is asked for a new token when the node closes the connection on expiry; the handle goes on', async () => {
    const { clock, mint } = await expiringNode()
    let minted = 0
    store = await connect({ mode: 'remote', seeds: [`127.0.0.1:${node!.port}`], store: 'default', token: () => (minted++, mint()) })
    const watch = store.watch('', { prefix: true })
    await watch.ready
    await store.put('a', 1)
    expect(minted).toBe(1)
    clock.advance(60_000)
    // The write goes through once the client reconnected with a fresh token.
    await within(store.put('b', 2), 'a write after the token was replaced', 15_000)
    expect(minted).toBe(2)
    expect((await store.list()).entries.map((entry) => entry.key)).toEqual(['a', 'b'])
    // The watch resumed on the new connection without a gap.
    const events = await take(watch, 2)
    expect(events.map((event) => [event.key, event.revision])).toEqual([['a', 1], ['b', 2]])
    watch.close()
  })

  it('a fixed token that expires ends the handle with UNAUTHENTICATED (no reconnect loop with a dead token)', async () => {
    const { clock, mint } = await expiringNode()
    store = await connect({ mode: 'remote', seeds: [`127.0.0.1:${node!.port}`], store: 'default', token: await mint() })
    await store.put('a', 1)
    clock.advance(60_000)
    const error = await rejectsWith(store.put('b', 2), 'UNAUTHENTICATED')
    expect(error.message).toMatch(/expired/)
    await rejectsWith(store.get('a'), 'UNAUTHENTICATED')
  })
})
