import { existsSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { protocolVersion } from '@clustron/protocol'
import { afterAll, afterEach, describe, expect, it } from 'vitest'
import { runCli } from '../src/cli.js'
import type { ClustronNode } from '../src/index.js'
import { RawClient } from './support/raw-client.js'

const dir = mkdtempSync(join(tmpdir(), 'clustron-cli-sec-'))
afterAll(() => rmSync(dir, { recursive: true, force: true }))
let node: ClustronNode | undefined
afterEach(async () => {
  await node?.close()
  node = undefined
})

async function run(argv: string[], env: Record<string, string> = {}) {
  let stdout = ''
  let stderr = ''
  const result = await runCli({ argv, env, cwd: dir, stdout: (text) => (stdout += text), stderr: (text) => (stderr += text) })
  if (result.node !== undefined) node = result.node
  return { code: result.code, stdout, stderr }
}

describe('clustron-server token and certs commands', () => {
  it('token key writes a key (0600); token create mints a token the node started with that key accepts, with the given role', async () => {
    const key = await run(['token', 'key', '--out', 'auth.key', '--alg', 'ES256'])
    expect(key.code).toBe(0)
    expect(statSync(join(dir, 'auth.key')).mode & 0o777).toBe(0o600)
    expect((await run(['token', 'key', '--out', 'auth.key'])).stderr).toMatch(/exists; pass --force/)
    const created = await run(['token', 'create', '--store', 'orders=read', '--ttl', '1h', '--subject', 'ops', '--key', 'auth.key', '--json'])
    expect(created.code).toBe(0)
    const { token, subject, stores, expiresAt } = JSON.parse(created.stdout) as { token: string; subject: string; stores: Record<string, string>; expiresAt: string }
    expect({ subject, stores }).toEqual({ subject: 'ops', stores: { orders: 'read' } })
    expect(Date.parse(expiresAt) - Date.now()).toBeGreaterThan(3_500_000)
    const started = await run(['--port', '0', '--memory', '--store', 'orders', '--auth-key', 'auth.key', '--log-level', 'silent'])
    expect(started.code).toBe(0)
    const client = await RawClient.open(node!.port)
    client.send({ type: 'hello', protocol: protocolVersion, store: 'orders', token })
    expect(await client.next()).toMatchObject({ type: 'welcome' })
    client.send({ type: 'write', id: 1, command: { type: 'delete', key: 'x' } })
    expect(await client.answer(1)).toMatchObject({ type: 'error', error: { code: 'PERMISSION_DENIED' } })
    client.close()
  })

  it('token create refuses bad usage with exit 2, saying what to give', async () => {
    writeFileSync(join(dir, 'hs.key'), 'x'.repeat(40))
    expect(await run(['token', 'create', '--store', 'orders', '--key', 'hs.key'])).toMatchObject({ code: 2, stderr: expect.stringMatching(/--ttl 24h/) })
    expect(await run(['token', 'create', '--ttl', '1h', '--key', 'hs.key'])).toMatchObject({ code: 2, stderr: expect.stringMatching(/--store orders/) })
    expect(await run(['token', 'create', '--store', 'orders=owner', '--ttl', '1h', '--key', 'hs.key'])).toMatchObject({ code: 2, stderr: expect.stringMatching(/read, write or admin/) })
    expect(await run(['token', 'create', '--store', 'orders', '--ttl', 'soon', '--key', 'hs.key'])).toMatchObject({ code: 2, stderr: expect.stringMatching(/not a duration/) })
    writeFileSync(join(dir, 'short.key'), 'too-short')
    expect(await run(['token', 'create', '--store', 'orders', '--ttl', '1h', '--key', 'short.key'])).toMatchObject({ code: 2, stderr: expect.stringMatching(/at least 32/) })
  })

  it('certs create writes a dev CA and node certificates', async () => {
    const result = await run(['certs', 'create', '--dir', 'certs', '--nodes', 'n1,n2'])
    expect(result.code).toBe(0)
    for (const file of ['ca.pem', 'ca-key.pem', 'n1.pem', 'n1-key.pem', 'n2.pem', 'client.pem']) expect(existsSync(join(dir, 'certs', file))).toBe(true)
    expect(readFileSync(join(dir, 'certs', 'n1-key.pem'), 'utf8')).toMatch(/^-----BEGIN PRIVATE KEY-----/)
    expect(result.stdout).toMatch(/--tls-cert/)
  })

  it('refuses to start on a non-loopback host without authentication (exit 2, naming --insecure)', async () => {
    const refused = await run(['--host', '0.0.0.0', '--port', '0', '--memory', '--log-level', 'silent'])
    expect(refused.code).toBe(2)
    expect(refused.stderr).toMatch(/not loopback.*--insecure/)
    expect(node).toBeUndefined()
  })
})
