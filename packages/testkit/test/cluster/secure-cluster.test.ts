import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { connect, type Store } from '@clustron/client'
import { createCerts, createToken, generateAuthKey, startNode, type CertFiles, type ClustronNode, type NodeOptions } from '@clustron/server'
import { inspectNode } from '@clustron/server/internal'
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest'
import { freePorts } from '../../src/ports.js'
import { rejectsWith } from '../../src/conformance/helpers.js'

/**
 * Issue 6 end to end: three nodes talking TLS to each other and to clients, peers authenticated by
 * certificate (mTLS) or by the cluster secret, clients by tokens; processes without the credential
 * cannot join, vote or append.
 */
const directory = mkdtempSync(join(tmpdir(), 'clustron-secure-'))
let certs: CertFiles
let keyPath: string
beforeAll(async () => {
  certs = await createCerts({ dir: join(directory, 'certs'), nodes: ['n1', 'n2', 'n3'] })
  keyPath = join(directory, 'auth.key')
  writeFileSync(keyPath, generateAuthKey('EdDSA').key)
}, 30_000)
afterAll(() => rmSync(directory, { recursive: true, force: true }))

const nodes: ClustronNode[] = []
const stores: Store[] = []
afterEach(async () => {
  await Promise.allSettled(stores.splice(0).map((store) => store.close()))
  await Promise.allSettled(nodes.splice(0).map((node) => node.close()))
})

async function cluster(perNode: (id: string) => Partial<NodeOptions>): Promise<{ peers: Record<string, string>; byId: Map<string, ClustronNode> }> {
  const ports = await freePorts(3)
  const peers = Object.fromEntries(ports.map((port, index) => [`n${index + 1}`, `127.0.0.1:${port}`]))
  const run = `${Date.now()}-${Math.random().toString(36).slice(2)}`
  const started = await Promise.all(
    Object.keys(peers).map((id, index) =>
      startNode({ nodeId: id, port: ports[index]!, data: join(directory, run, id), peers, tickMs: 20, electionTicks: 10, ...perNode(id) }),
    ),
  )
  nodes.push(...started)
  return { peers, byId: new Map(started.map((node) => [node.nodeId, node])) }
}

/** Polls `condition` every 20 ms until it holds or `ms` pass. */
async function until(condition: () => boolean, what: string, ms = 15_000): Promise<void> {
  const deadline = Date.now() + ms
  while (!condition()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`)
    await new Promise((resolve) => setTimeout(resolve, 20))
  }
}

const revision = (node: ClustronNode) => inspectNode(node).replicas.get('default')!.revision

describe('a secure cluster', () => {
  it('runs TLS between peers (mTLS) and to clients (clustrons://), with token auth', async () => {
    const { peers } = await cluster((id) => ({ tlsCert: certs.nodes[id]!.cert, tlsKey: certs.nodes[id]!.key, tlsCa: certs.ca, authKey: keyPath }))
    const token = await createToken({ keyFile: keyPath, subject: 'app', stores: { default: 'write' }, ttl: '1h' })
    const ca = readFileSync(certs.ca)
    for (const seed of Object.values(peers)) {
      const store = await connect({ mode: 'remote', seeds: [seed], store: 'default', token, tls: { ca }, requestTimeoutMs: 15_000 })
      stores.push(store)
      expect(await store.put(`via/${seed}`, seed)).toMatchObject({ ok: true })
    }
    const all = await connect({ mode: 'remote', seeds: Object.values(peers), store: 'default', token, tls: { ca } })
    stores.push(all)
    expect((await all.list({ prefix: 'via/' })).entries).toHaveLength(3)
    expect((await all.status()).members?.map((member) => member.id).sort()).toEqual(['n1', 'n2', 'n3'])
    // Without a token the TLS connection is made, then the handshake is refused.
    await rejectsWith(
      connect({ mode: 'remote', seeds: Object.values(peers), store: 'default', tls: { ca } }).then(async (store) => {
        stores.push(store)
        await store.get('x')
      }),
      'UNAUTHENTICATED',
    )
  })

  it('a process without the cluster secret cannot join, vote or append', async () => {
    const { byId } = await cluster((id) => ({ clusterSecret: id === 'n3' ? 'a-wrong-secret-of-16+' : 'the-right-secret-16+' }))
    const n1 = byId.get('n1')!
    const n2 = byId.get('n2')!
    const rogue = byId.get('n3')!
    const store = await connect({ mode: 'remote', seeds: [n1.host + ':' + n1.port, n2.host + ':' + n2.port], store: 'default', requestTimeoutMs: 15_000 })
    stores.push(store)
    // n1 and n2 are a quorum of three: they elect a leader and commit.
    for (let index = 0; index < 10; index++) await store.put(`k${index}`, index)
    await until(() => revision(n1) >= 10 && revision(n2) >= 10, 'both members to apply the writes')
    // The rogue never received an entry, and never led.
    expect(revision(rogue)).toBe(0)
    expect(rogue.health().stores.default?.role).not.toBe('leader')
    const term = (node: ClustronNode) => inspectNode(node).replicas.get('default')!.status().term
    const before = Math.max(term(n1), term(n2))
    // Its campaigns never reach the members: their term stays put while more is committed.
    for (let index = 10; index < 20; index++) await store.put(`k${index}`, index)
    expect(Math.max(term(n1), term(n2))).toBe(before)
    expect(revision(rogue)).toBe(0)
  })

  it('with mTLS, a certificate issued to another node cannot pose as a member', async () => {
    // n3 presents n2's certificate (signed by the right CA, but not issued to n3).
    const { byId } = await cluster((id) => {
      const cert = certs.nodes[id === 'n3' ? 'n2' : id]!
      return { tlsCert: cert.cert, tlsKey: cert.key, tlsCa: certs.ca }
    })
    const [n1, n2, rogue] = ['n1', 'n2', 'n3'].map((id) => byId.get(id)!)
    const store = await connect({ mode: 'remote', seeds: [`127.0.0.1:${n1!.port}`, `127.0.0.1:${n2!.port}`], store: 'default', tls: { ca: readFileSync(certs.ca) }, requestTimeoutMs: 15_000 })
    stores.push(store)
    for (let index = 0; index < 10; index++) await store.put(`k${index}`, index)
    await until(() => revision(n1!) >= 10 && revision(n2!) >= 10, 'both members to apply the writes')
    expect(revision(rogue!)).toBe(0)
    expect(rogue!.health().stores.default?.role).not.toBe('leader')
  })
})
