import { mkdtempSync, readFileSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { closeCodes, protocolVersion } from '@clustron/protocol'
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest'
import { createCerts, startNode, type CertFiles, type ClustronNode } from '../src/index.js'
import { RawClient } from './support/raw-client.js'

let node: ClustronNode | undefined
afterEach(async () => {
  await node?.close()
  node = undefined
})

const dir = mkdtempSync(join(tmpdir(), 'clustron-tls-'))
let certs: CertFiles
let foreign: CertFiles
beforeAll(async () => {
  // Generated at test time: a dev CA with a node and a client certificate, and a second, unrelated CA.
  certs = await createCerts({ dir: join(dir, 'ca'), nodes: ['n1'] })
  foreign = await createCerts({ dir: join(dir, 'foreign'), nodes: ['n1'], client: 'mallory' })
}, 30_000)
afterAll(() => rmSync(dir, { recursive: true, force: true }))

const read = (path: string) => readFileSync(path)

async function tlsHello(port: number, options: { ca?: Buffer; cert?: Buffer; key?: Buffer }, token?: string): Promise<{ client: RawClient; first: Record<string, unknown> }> {
  const client = await RawClient.openUrl(`wss://127.0.0.1:${port}/v1/client`, options)
  client.send({ type: 'hello', protocol: protocolVersion, store: 'default', ...(token === undefined ? {} : { token }) })
  return { client, first: await client.next() }
}

describe('TLS for clients', () => {
  it('createCerts writes a CA, node and client certificates (PEM), reusing the CA on a second run', async () => {
    for (const path of [certs.ca, certs.caKey, certs.nodes.n1!.cert, certs.nodes.n1!.key, certs.client!.cert, certs.client!.key]) {
      expect(read(path).toString()).toMatch(/^-----BEGIN (CERTIFICATE|PRIVATE KEY)-----/)
    }
    const again = await createCerts({ dir: join(dir, 'ca'), nodes: ['n2'], client: false })
    expect(read(again.ca).equals(read(certs.ca))).toBe(true)
    expect(again.client).toBeUndefined()
    await expect(createCerts({ dir: join(dir, 'bad'), nodes: ['../etc'] })).rejects.toThrow(/not a node id/)
  })

  it('serves clustrons:// (wss) with the node certificate; a client trusting the CA is welcomed, others fail the TLS handshake', async () => {
    node = await startNode({ port: 0, tlsCert: certs.nodes.n1!.cert, tlsKey: certs.nodes.n1!.key })
    expect(node.url).toBe(`clustrons://127.0.0.1:${node.port}`)
    const { client, first } = await tlsHello(node.port, { ca: read(certs.ca) })
    expect(first).toMatchObject({ type: 'welcome' })
    client.send({ type: 'ping', id: 1 })
    expect(await client.answer(1)).toMatchObject({ type: 'result' })
    client.close()
    // Not trusting the dev CA: the certificate is refused by the client.
    await expect(RawClient.openUrl(`wss://127.0.0.1:${node.port}/v1/client`)).rejects.toThrow(/certificate/)
    // Trusting another CA only: refused too.
    await expect(RawClient.openUrl(`wss://127.0.0.1:${node.port}/v1/client`, { ca: read(foreign.ca) })).rejects.toThrow(/certificate|signature/)
    // Plain WebSocket to a TLS port: no upgrade happens.
    await expect(RawClient.open(node.port)).rejects.toThrow()
  })

  it('tlsClientAuth required: no connection without a client certificate from the node CA', async () => {
    node = await startNode({ port: 0, tlsCert: certs.nodes.n1!.cert, tlsKey: certs.nodes.n1!.key, tlsCa: certs.ca, tlsClientAuth: 'required' })
    const none = await tlsHello(node.port, { ca: read(certs.ca) })
    expect(none.first).toMatchObject({ type: 'refused', error: { code: 'UNAUTHENTICATED' } })
    expect((none.first.error as { message: string }).message).toMatch(/requires a client certificate/)
    expect((await none.client.closed).code).toBe(closeCodes.refused)
    const untrusted = await tlsHello(node.port, { ca: read(certs.ca), cert: read(foreign.client!.cert), key: read(foreign.client!.key) })
    expect(untrusted.first).toMatchObject({ type: 'refused', error: { code: 'UNAUTHENTICATED' } })
    expect((untrusted.first.error as { message: string }).message).toMatch(/not signed by a CA this node trusts/)
    const trusted = await tlsHello(node.port, { ca: read(certs.ca), cert: read(certs.client!.cert), key: read(certs.client!.key) })
    expect(trusted.first).toMatchObject({ type: 'welcome' })
    trusted.client.close()
  })

  it('tlsClientAuth optional: a token suffices, an untrusted certificate is refused, a trusted one is accepted', async () => {
    node = await startNode({
      port: 0,
      tlsCert: certs.nodes.n1!.cert,
      tlsKey: certs.nodes.n1!.key,
      tlsCa: certs.ca,
      tlsClientAuth: 'optional',
      token: 'optional-cert-token-123',
    })
    const withToken = await tlsHello(node.port, { ca: read(certs.ca) }, 'optional-cert-token-123')
    expect(withToken.first).toMatchObject({ type: 'welcome' })
    withToken.client.close()
    await expect(RawClient.openUrl(`wss://127.0.0.1:${node.port}/v1/client`, { ca: read(certs.ca), cert: read(foreign.client!.cert), key: read(foreign.client!.key) })).rejects.toThrow(/403/)
    const trusted = await tlsHello(node.port, { ca: read(certs.ca), cert: read(certs.client!.cert), key: read(certs.client!.key) }, 'optional-cert-token-123')
    expect(trusted.first).toMatchObject({ type: 'welcome' })
    trusted.client.close()
    // The certificate does not replace the token when tokens are configured.
    const certOnly = await tlsHello(node.port, { ca: read(certs.ca), cert: read(certs.client!.cert), key: read(certs.client!.key) })
    expect(certOnly.first).toMatchObject({ type: 'refused', error: { code: 'UNAUTHENTICATED' } })
  })

  it('refuses TLS settings that cannot work, naming what to add', async () => {
    await expect(startNode({ port: 0, tlsCert: certs.nodes.n1!.cert })).rejects.toThrow(/both tlsCert and tlsKey/)
    await expect(startNode({ port: 0, tlsCert: certs.nodes.n1!.cert, tlsKey: certs.nodes.n1!.key, tlsClientAuth: 'required' })).rejects.toThrow(/needs tlsCa/)
    await expect(startNode({ port: 0, tlsCert: join(dir, 'missing.pem'), tlsKey: certs.nodes.n1!.key })).rejects.toThrow(/cannot read tlsCert/)
    await expect(startNode({ port: 0, tlsCa: certs.ca })).rejects.toThrow(/need TLS on/)
  })
})
