import { mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { ManualClock } from '@clustron/core'
import { closeCodes, protocolVersion } from '@clustron/protocol'
import { afterAll, afterEach, describe, expect, it } from 'vitest'
import { createToken, generateAuthKey, startNode, type AuthAlgorithm, type ClustronNode } from '../src/index.js'
import { inspectNode } from '../src/internal.js'
import { sha256 } from '../src/auth/authenticator.js'
import { RawClient, value } from './support/raw-client.js'

let node: ClustronNode | undefined
afterEach(async () => {
  await node?.close()
  node = undefined
})

const dir = mkdtempSync(join(tmpdir(), 'clustron-auth-'))
afterAll(() => rmSync(dir, { recursive: true, force: true }))

/** Writes a fresh key of `algorithm` and returns its path (and the public half, for ES256/EdDSA). */
function keyFile(algorithm: AuthAlgorithm, name: string): { path: string; publicPath?: string } {
  const key = generateAuthKey(algorithm)
  const path = join(dir, `${name}.key`)
  writeFileSync(path, key.key)
  if (key.publicKey === undefined) return { path }
  const publicPath = join(dir, `${name}.pub`)
  writeFileSync(publicPath, key.publicKey)
  return { path, publicPath }
}

async function hello(port: number, token: string | undefined, store = 'default'): Promise<{ client: RawClient; first: Record<string, unknown> }> {
  const client = await RawClient.open(port)
  client.send({ type: 'hello', protocol: protocolVersion, store, ...(token === undefined ? {} : { token }) })
  return { client, first: await client.next() }
}

const put = (id: number, key: string) => ({ type: 'write', id, command: { type: 'put', key, value: value('v') } })

describe('token authentication at the handshake', () => {
  it.each(['HS256', 'ES256', 'EdDSA'] as const)('%s: a token minted with the node key is welcomed; others are refused with UNAUTHENTICATED', async (algorithm) => {
    const key = keyFile(algorithm, `node-${algorithm}`)
    const other = keyFile(algorithm, `other-${algorithm}`)
    // ES256/EdDSA nodes can verify with the public half only.
    node = await startNode({ port: 0, authKey: key.publicPath ?? key.path })
    const token = await createToken({ keyFile: key.path, subject: 'svc', stores: { default: 'write' }, ttl: '1h' })
    expect(token.split('.')).toHaveLength(3)
    const { client, first } = await hello(node.port, token)
    expect(first).toMatchObject({ type: 'welcome', store: 'default' })
    client.send(put(1, 'k'))
    expect(await client.answer(1)).toMatchObject({ type: 'result', result: { ok: true } })
    client.close()

    const forged = await createToken({ keyFile: other.path, subject: 'svc', stores: { default: 'admin' }, ttl: '1h' })
    const tampered = token.slice(0, token.lastIndexOf('.') + 1) + 'A'.repeat(token.length - token.lastIndexOf('.') - 1)
    const expired = await createToken({ keyFile: key.path, subject: 'svc', stores: { default: 'write' }, ttl: '10s', now: Date.now() - 60_000 })
    for (const [bad, reason] of [
      [undefined, /requires a token/],
      ['', /requires a token/],
      [forged, /not signed with this node's auth key|not a valid token/],
      [tampered, /not signed with this node's auth key|not a valid token/],
      [expired, /expired/],
      ['not.a.jwt', /not a valid/],
      ['x'.repeat(20_000), /at most/],
    ] as const) {
      const refused = await hello(node.port, bad)
      expect(refused.first).toMatchObject({ type: 'refused', error: { code: 'UNAUTHENTICATED' } })
      expect((refused.first.error as { message: string }).message).toMatch(reason)
      expect((await refused.client.closed).code).toBe(closeCodes.refused)
    }
    expect(inspectNode(node).replicas.get('default')!.revision).toBe(1)
  })

  it('refuses a token of another algorithm than the node key (no alg confusion)', async () => {
    const ed = keyFile('EdDSA', 'alg-ed')
    const hs = keyFile('HS256', 'alg-hs')
    node = await startNode({ port: 0, authKey: ed.publicPath! })
    const hsToken = await createToken({ keyFile: hs.path, subject: 'svc', stores: { '*': 'admin' }, ttl: '1h' })
    const { first } = await hello(node.port, hsToken)
    expect(first).toMatchObject({ type: 'refused', error: { code: 'UNAUTHENTICATED' } })
  })

  it('accepts the static token list (plain or as SHA-256) with its grants, and refuses unknown tokens', async () => {
    const plain = 'reader-token-0123456789'
    const hashed = 'writer-token-0123456789'
    node = await startNode({
      port: 0,
      stores: ['orders', 'jobs'],
      tokens: [
        { token: plain, subject: 'reader', stores: { '*': 'read' } },
        { sha256: sha256(hashed).toString('hex'), subject: 'writer', stores: { orders: ['write'] } },
      ],
    })
    const reader = await hello(node.port, plain, 'jobs')
    expect(reader.first).toMatchObject({ type: 'welcome', store: 'jobs' })
    reader.client.send(put(1, 'k'))
    expect(await reader.client.answer(1)).toMatchObject({ type: 'error', error: { code: 'PERMISSION_DENIED' } })
    reader.client.close()
    const writer = await hello(node.port, hashed, 'orders')
    expect(writer.first).toMatchObject({ type: 'welcome' })
    writer.client.send(put(1, 'k'))
    expect(await writer.client.answer(1)).toMatchObject({ type: 'result' })
    writer.client.close()
    // The writer has no role on 'jobs': refused at the handshake.
    const elsewhere = await hello(node.port, hashed, 'jobs')
    expect(elsewhere.first).toMatchObject({ type: 'refused', error: { code: 'PERMISSION_DENIED' } })
    expect((elsewhere.first.error as { message: string }).message).toContain("no role on store 'jobs'")
    const unknown = await hello(node.port, 'someone-elses-token-123', 'orders')
    expect(unknown.first).toMatchObject({ type: 'refused', error: { code: 'UNAUTHENTICATED' } })
  })

  it('re-checks expiry: the connection is closed with UNAUTHENTICATED when the token expires', async () => {
    const connectionClock = new ManualClock()
    const key = keyFile('EdDSA', 'expiry')
    node = await startNode({ port: 0, authKey: key.path, connectionClock })
    const token = await createToken({ keyFile: key.path, subject: 'short', stores: { default: 'write' }, ttl: '60s', now: connectionClock.now() })
    const { client, first } = await hello(node.port, token)
    expect(first).toMatchObject({ type: 'welcome' })
    client.send({ type: 'watch', id: 1, watchId: 1, request: { key: 'w', prefix: true, initial: false, prevValue: false } })
    await client.answer(1)
    connectionClock.advance(59_000)
    client.send({ type: 'ping', id: 2 })
    expect(await client.answer(2)).toMatchObject({ type: 'result' })
    expect(client.messages.some((message) => message.type === 'refused')).toBe(false)
    connectionClock.advance(1_000)
    const closed = await client.closed
    expect(closed.code).toBe(closeCodes.unauthenticated)
    const messages = client.messages
    expect(messages.find((message) => message.type === 'watch-error')).toMatchObject({ watchId: 1, error: { code: 'UNAUTHENTICATED' } })
    const refused = messages.find((message) => message.type === 'refused')
    expect(refused).toMatchObject({ error: { code: 'UNAUTHENTICATED' } })
    expect((refused!.error as { message: string }).message).toMatch(/expired .*new token/)
    // A token already expired by the node's clock is refused at the handshake.
    const late = await hello(node.port, token)
    expect(late.first).toMatchObject({ type: 'refused', error: { code: 'UNAUTHENTICATED' } })
  })
})

describe('per-store roles on every request kind', () => {
  const kinds = (id: number) => ({
    read: [
      { type: 'read', id: id++, query: { type: 'get', key: 'k' } },
      { type: 'read', id: id++, query: { type: 'list', prefix: '' } },
      { type: 'read', id: id++, query: { type: 'count' } },
      { type: 'read', id: id++, query: { type: 'leaseList' } },
      { type: 'read', id: id++, query: { type: 'lockHolder', kind: 'lock', name: 'l' } },
      { type: 'status', id: id++ },
      { type: 'watch', id: id++, watchId: 77, request: { key: '', prefix: true, initial: true, prevValue: false } },
      { type: 'unwatch', id: id++, watchId: 77 },
      { type: 'subscribe', id: id++, topic: { type: 'election', name: 'e' } },
      { type: 'unsubscribe', id: id++, topic: { type: 'election', name: 'e' } },
      { type: 'ping', id: id++ },
      { type: 'admin', id: id++, action: { kind: 'members.list' } },
    ],
    write: [
      { type: 'write', id: id++, command: { type: 'put', key: 'k', value: value('x') } },
      { type: 'write', id: id++, command: { type: 'delete', key: 'seed' } },
      { type: 'write', id: id++, command: { type: 'putMany', entries: [['a', value('1')]] } },
      { type: 'write', id: id++, command: { type: 'deleteMany', keys: ['seed'] } },
      { type: 'write', id: id++, command: { type: 'clear' } },
      { type: 'write', id: id++, command: { type: 'setTtl', key: 'seed', ttlMs: 60_000 } },
      { type: 'write', id: id++, command: { type: 'persist', key: 'seed' } },
      { type: 'write', id: id++, command: { type: 'txn', if: [], then: [{ op: 'delete', key: 'seed' }], else: [] } },
      { type: 'write', id: id++, command: { type: 'counterAdd', key: 'c', delta: 1 } },
      { type: 'write', id: id++, command: { type: 'counterSet', key: 'c', value: 5 } },
      { type: 'write', id: id++, command: { type: 'leaseGrant', ttlMs: 60_000 } },
      { type: 'write', id: id++, command: { type: 'leaseRevoke', id: 'nope' } },
      { type: 'write', id: id++, command: { type: 'lockAcquire', kind: 'lock', name: 'l', waiterId: 'w1', ttlMs: 60_000, wait: true } },
      { type: 'write', id: id++, command: { type: 'lockRelease', kind: 'lock', name: 'l', token: 1 } },
      { type: 'write', id: id++, command: { type: 'electionProclaim', name: 'e', token: 1, value: value('x') } },
    ],
    admin: [
      { type: 'admin', id: id++, action: { kind: 'members.add', nodeId: 'n9', address: '127.0.0.1:1', voter: false } },
      { type: 'admin', id: id++, action: { kind: 'members.remove', nodeId: 'n9' } },
    ],
  })

  it.each([
    ['read', { read: true, write: false, admin: false }],
    ['write', { read: true, write: true, admin: false }],
  ] as const)('role %s: allowed kinds pass the check, every other kind is PERMISSION_DENIED and changes nothing', async (role, allowed) => {
    const tokenText = `a-${role}-token-0123456789`
    node = await startNode({ port: 0, tokens: [{ token: tokenText, subject: role, stores: { default: role } }, { token: 'seed-token-0123456789', subject: 'seed', stores: { '*': 'admin' } }] })
    const seed = (await RawClient.connected(node.port, 'default', 'seed-token-0123456789')).client
    seed.send(put(1, 'seed'))
    await seed.answer(1)
    seed.close()
    const before = inspectNode(node).snapshot('default')
    const { client } = await RawClient.connected(node.port, 'default', tokenText)
    const groups = kinds(1)
    for (const [group, requests] of Object.entries(groups) as [keyof typeof groups, Record<string, unknown>[]][]) {
      if (allowed[group]) continue
      client.send(...requests)
      for (const request of requests) {
        const answer = await client.answer(request.id as number)
        expect(answer, `${group} ${JSON.stringify(request)}`).toMatchObject({ type: 'error', error: { code: 'PERMISSION_DENIED' } })
        expect((answer.error as { message: string }).message).toContain(`needs the ${group} role`)
      }
    }
    // Denials changed nothing.
    expect(Buffer.from(inspectNode(node).snapshot('default')).equals(Buffer.from(before))).toBe(true)
    for (const [group, requests] of Object.entries(groups) as [keyof typeof groups, Record<string, unknown>[]][]) {
      if (!allowed[group] || group === 'admin') continue
      client.send(...requests)
      for (const request of requests) {
        const answer = await client.answer(request.id as number)
        // Allowed: the machine answers (a result, or its own typed error such as LEASE_NOT_FOUND), never a denial.
        expect(answer.type === 'result' || (answer.error as { code: string }).code !== 'PERMISSION_DENIED', `${group} ${JSON.stringify(request)}`).toBe(true)
      }
    }
    client.close()
  })

  it('admin role may change members (the request reaches the cluster layer)', async () => {
    node = await startNode({ port: 0, tokens: [{ token: 'admin-token-0123456789', subject: 'ops', stores: { default: 'admin' } }] })
    const { client } = await RawClient.connected(node.port, 'default', 'admin-token-0123456789')
    client.send({ type: 'admin', id: 1, action: { kind: 'members.add', nodeId: 'n9', address: '127.0.0.1:1', voter: false } })
    // An in-memory node is not replicated: the request passed the role check and got the cluster layer's answer.
    expect(await client.answer(1)).toMatchObject({ type: 'error', error: { code: 'UNAVAILABLE' } })
    client.close()
  })
})

describe('exposure', () => {
  it('refuses to start on a non-loopback address without authentication, naming --insecure', async () => {
    await expect(startNode({ port: 0, host: '0.0.0.0' })).rejects.toThrow(/not loopback.*--insecure/)
    await expect(startNode({ port: 0, host: '::' })).rejects.toThrow(/not loopback/)
    // Peers must authenticate too.
    const key = keyFile('HS256', 'exposure')
    await expect(startNode({ port: 0, host: '0.0.0.0', authKey: key.path, data: join(dir, 'exp'), peers: { n1: '10.0.0.1:7861', n2: '10.0.0.2:7861' } })).rejects.toThrow(
      /peers are not authenticated/,
    )
  })

  it('passes the check with --insecure or with authentication (the start then fails only at listening on an unknown host)', async () => {
    // An unresolvable host: the exposure check passes, and nothing binds a public interface in a test.
    const host = 'no-such-host.invalid'
    await expect(startNode({ port: 0, host })).rejects.toThrow(/--insecure/)
    await expect(startNode({ port: 0, host, insecure: true })).rejects.toThrow(/ENOTFOUND|EAI_AGAIN|getaddrinfo/)
    await expect(startNode({ port: 0, host, token: 'a-token-for-exposure-1234' })).rejects.toThrow(/ENOTFOUND|EAI_AGAIN|getaddrinfo/)
  })
})

describe('HTTP endpoints with authentication on', () => {
  it('/metrics needs a bearer token (401 without, naming what to give); /health stays open', async () => {
    node = await startNode({ port: 0, token: 'http-token-0123456789' })
    const base = `http://127.0.0.1:${node.port}`
    const denied = await fetch(`${base}/metrics`)
    expect(denied.status).toBe(401)
    expect(denied.headers.get('www-authenticate')).toMatch(/^Bearer/)
    expect(((await denied.json()) as { error: string }).error).toMatch(/requires a token/)
    expect((await fetch(`${base}/metrics`, { headers: { authorization: 'Bearer wrong-token-0123456789' } })).status).toBe(401)
    const allowed = await fetch(`${base}/metrics`, { headers: { authorization: 'Bearer http-token-0123456789' } })
    expect(allowed.status).toBe(200)
    expect(await allowed.text()).toMatch(/clustron_/)
    expect((await fetch(`${base}/health`)).status).toBe(200)
  })
})
