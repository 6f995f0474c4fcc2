import { randomBytes } from 'node:crypto'
import { existsSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { afterAll, describe, expect, it } from 'vitest'
import { exitCodes } from '../src/index.js'
import { runCli } from './support/cli.js'
import { startTestNode, temporaryDirectory } from './support/node.js'

const directory = temporaryDirectory('security')
afterAll(() => directory.remove())
const keyFile = join(directory.path, 'auth.key')
writeFileSync(keyFile, randomBytes(48).toString('base64'))

const inDirectory = (argv: string[], env: Record<string, string> = {}) => runCli(argv, { cwd: directory.path, env })

describe('token create', () => {
  it('mints a token the node accepts, with the role it names', async () => {
    const writer = await inDirectory(['token', 'create', '--store', 'orders', '--role', 'write', '--ttl', '24h', '--key', 'auth.key'])
    expect(writer.code, writer.stderr).toBe(0)
    expect(writer.stdout.trim()).toMatch(/^[\w-]+\.[\w-]+\.[\w-]+$/)
    const reader = await inDirectory(['token', 'create', '--store', 'orders=read', '--ttl', '1h', '--json'], { CLUSTRON_AUTH_KEY: 'auth.key' })
    const minted = JSON.parse(reader.stdout) as { token: string; stores: Record<string, string>; expiresAt: string }
    expect(minted.stores).toEqual({ orders: 'read' })
    expect(Date.parse(minted.expiresAt) - Date.now()).toBeGreaterThan(3_500_000)

    const node = await startTestNode({ store: 'orders', authKey: keyFile })
    try {
      const withWriter = { CLUSTRON_URL: node.url, CLUSTRON_TOKEN: writer.stdout.trim() }
      expect((await runCli(['put', 'k', 'v'], { env: withWriter })).code).toBe(0)
      expect(await runCli(['get', 'k', '--token', minted.token], { env: { CLUSTRON_URL: node.url } })).toMatchObject({ code: 0, stdout: 'v\n' })
      const denied = await runCli(['put', 'k', 'w', '--token', minted.token], { env: { CLUSTRON_URL: node.url } })
      expect(denied.code).toBe(exitCodes.error)
      expect(denied.stderr).toContain('PERMISSION_DENIED')
      const anonymous = await runCli(['get', 'k'], { env: { CLUSTRON_URL: node.url } })
      expect(anonymous.code).toBe(exitCodes.error)
      expect(anonymous.stderr).toContain('UNAUTHENTICATED')
    } finally {
      await node.close()
    }
  })

  it('usage errors: no store, no ttl, no key, a bad role', async () => {
    expect((await inDirectory(['token', 'create', '--ttl', '1h', '--key', 'auth.key'])).stderr).toContain('name at least one store')
    expect((await inDirectory(['token', 'create', '--store', 'a', '--key', 'auth.key'])).stderr).toContain('--ttl 24h')
    const noKey = await inDirectory(['token', 'create', '--store', 'a', '--ttl', '1h'])
    expect(noKey.code).toBe(exitCodes.usage)
    expect(noKey.stderr).toContain('CLUSTRON_AUTH_KEY')
    const badRole = await inDirectory(['token', 'create', '--store', 'a=owner', '--ttl', '1h', '--key', 'auth.key'])
    expect(badRole.code).toBe(exitCodes.usage)
    expect(badRole.stdout).toBe('')
  })
})

describe('certs create', () => {
  it('writes a CA and certificates that a TLS node and the CLI use', async () => {
    const result = await inDirectory(['certs', 'create', '--dir', 'certs', '--nodes', 'n1,n2'])
    expect(result.code, result.stderr).toBe(0)
    const certs = join(directory.path, 'certs')
    for (const file of ['ca.pem', 'ca-key.pem', 'n1.pem', 'n1-key.pem', 'n2.pem', 'n2-key.pem', 'client.pem', 'client-key.pem']) expect(existsSync(join(certs, file)), file).toBe(true)
    expect(result.stdout).toMatch(/^ca\s+.*ca\.pem/)

    const node = await startTestNode({ tlsCert: join(certs, 'n1.pem'), tlsKey: join(certs, 'n1-key.pem') })
    try {
      expect(node.url).toMatch(/^clustrons:\/\//)
      const trusted = await runCli(['put', 'secure', 'yes', '--tls-ca', 'certs/ca.pem'], { cwd: directory.path, env: { CLUSTRON_URL: node.url } })
      expect(trusted.code, trusted.stderr).toBe(0)
      const untrusted = await runCli(['get', 'secure', '--timeout', '2s'], { cwd: directory.path, env: { CLUSTRON_URL: node.url } })
      expect(untrusted.code).not.toBe(0)
      const missing = await runCli(['get', 'secure', '--tls-ca', 'nope.pem'], { cwd: directory.path, env: { CLUSTRON_URL: node.url } })
      expect(missing.code).toBe(exitCodes.usage)
      expect(missing.stderr).toContain('cannot read --tls-ca nope.pem')
    } finally {
      await node.close()
    }
  })

  it('usage errors: no directory, no nodes', async () => {
    expect((await inDirectory(['certs', 'create', '--nodes', 'n1'])).code).toBe(exitCodes.usage)
    expect((await inDirectory(['certs', 'create', '--dir', 'x'])).code).toBe(exitCodes.usage)
    expect(existsSync(join(directory.path, 'x'))).toBe(false)
  })
})
