import { randomBytes, webcrypto } from 'node:crypto'
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs'
import { isIP } from 'node:net'
import { join, resolve } from 'node:path'
import { InvalidArgumentError } from '@clustron/core'

export interface CreateCertsOptions {
  /** Directory for the files (created if missing). A CA already there (ca.pem, ca-key.pem) signs the new certificates. */
  dir: string
  /** Node ids: each gets `<id>.pem` / `<id>-key.pem`, CN = the id (peers check it), usable as server and client (mTLS). */
  nodes: string[]
  /** Host names and IP addresses the nodes are reached at (default 127.0.0.1, ::1, localhost). */
  hosts?: string[]
  /** CN of a client certificate (`client.pem` / `client-key.pem`); false: none. Default 'client'. */
  client?: string | false
  /** Validity of new certificates (default 365 days; the CA 10 years). */
  validDays?: number
}

export interface CertFiles {
  ca: string
  caKey: string
  nodes: Record<string, { cert: string; key: string }>
  client?: { cert: string; key: string }
}

const algorithm = { name: 'ECDSA', namedCurve: 'P-256', hash: 'SHA-256' } as const
const dayMs = 86_400_000
const namePattern = /^[A-Za-z0-9][A-Za-z0-9._-]{0,127}$/

/**
 * Generates a development CA and certificates for a local cluster: one per node (server and client
 * use, so it also serves mTLS between peers) and one client certificate. ECDSA P-256, signed with
 * Node's WebCrypto through @peculiar/x509 (loaded on first use only). For development and tests:
 * production clusters should use certificates from their own PKI.
 */
export async function createCerts(options: CreateCertsOptions): Promise<CertFiles> {
  const nodes = options.nodes
  if (!Array.isArray(nodes) || nodes.length === 0) throw new InvalidArgumentError('certs: name at least one node (e.g. nodes: [\'n1\', \'n2\', \'n3\'])')
  for (const node of nodes) if (!namePattern.test(node)) throw new InvalidArgumentError(`certs: '${node}' is not a node id (letters, digits, '.', '_', '-')`)
  const client = options.client ?? 'client'
  if (client !== false && !namePattern.test(client)) throw new InvalidArgumentError(`certs: '${client}' is not a client name`)
  const hosts = options.hosts ?? ['127.0.0.1', '::1', 'localhost']
  for (const host of hosts) if (isIP(host) === 0 && !/^[A-Za-z0-9*]([A-Za-z0-9.-]*[A-Za-z0-9])?$/.test(host)) throw new InvalidArgumentError(`certs: '${host}' is not a host name or IP address`)
  const validDays = options.validDays ?? 365
  if (!Number.isSafeInteger(validDays) || validDays < 1) throw new InvalidArgumentError('certs: validDays must be a positive integer')

  await import('reflect-metadata') // @peculiar/x509's dependency injection needs the Reflect metadata polyfill
  const x509 = await import('@peculiar/x509')
  x509.cryptoProvider.set(webcrypto as unknown as Crypto)
  const dir = resolve(options.dir)
  mkdirSync(dir, { recursive: true })
  const files: CertFiles = { ca: join(dir, 'ca.pem'), caKey: join(dir, 'ca-key.pem'), nodes: {} }
  const now = Date.now()
  // A little backdated: a node whose clock is slightly behind still accepts them.
  const notBefore = new Date(now - 5 * 60_000)

  let ca: { cert: InstanceType<typeof x509.X509Certificate>; key: CryptoKey }
  if (existsSync(files.ca) && existsSync(files.caKey)) {
    const cert = new x509.X509Certificate(readFileSync(files.ca, 'utf8'))
    const key = await webcrypto.subtle.importKey('pkcs8', pemBody(readFileSync(files.caKey, 'utf8')), algorithm, true, ['sign'])
    ca = { cert, key: key as CryptoKey }
  } else {
    const keys = (await webcrypto.subtle.generateKey(algorithm, true, ['sign', 'verify'])) as CryptoKeyPair
    const cert = await x509.X509CertificateGenerator.createSelfSigned({
      serialNumber: serial(),
      name: 'CN=Clustron development CA',
      notBefore,
      notAfter: new Date(now + 3650 * dayMs),
      keys,
      signingAlgorithm: algorithm,
      extensions: [
        new x509.BasicConstraintsExtension(true, 0, true),
        new x509.KeyUsagesExtension(x509.KeyUsageFlags.keyCertSign | x509.KeyUsageFlags.cRLSign, true),
        await x509.SubjectKeyIdentifierExtension.create(keys.publicKey),
      ],
    })
    writeFileSync(files.ca, cert.toString('pem') + '\n')
    await writeKey(files.caKey, keys.privateKey)
    ca = { cert, key: keys.privateKey }
  }

  const issue = async (name: string, usages: string[], altNames: { type: 'dns' | 'ip'; value: string }[]) => {
    const keys = (await webcrypto.subtle.generateKey(algorithm, true, ['sign', 'verify'])) as CryptoKeyPair
    const cert = await x509.X509CertificateGenerator.create({
      serialNumber: serial(),
      subject: `CN=${name}`,
      issuer: ca.cert.subject,
      notBefore,
      notAfter: new Date(now + validDays * dayMs),
      publicKey: keys.publicKey,
      signingKey: ca.key,
      signingAlgorithm: algorithm,
      extensions: [
        new x509.BasicConstraintsExtension(false, undefined, true),
        new x509.KeyUsagesExtension(x509.KeyUsageFlags.digitalSignature | x509.KeyUsageFlags.keyAgreement, true),
        new x509.ExtendedKeyUsageExtension(usages),
        new x509.SubjectAlternativeNameExtension(altNames),
        await x509.SubjectKeyIdentifierExtension.create(keys.publicKey),
        await x509.AuthorityKeyIdentifierExtension.create(ca.cert),
      ],
    })
    const paths = { cert: join(dir, `${name}.pem`), key: join(dir, `${name}-key.pem`) }
    writeFileSync(paths.cert, cert.toString('pem') + '\n')
    await writeKey(paths.key, keys.privateKey)
    return paths
  }

  const hostNames = hosts.map((host) => ({ type: isIP(host) === 0 ? ('dns' as const) : ('ip' as const), value: host }))
  for (const node of nodes) {
    files.nodes[node] = await issue(node, [x509.ExtendedKeyUsage.serverAuth, x509.ExtendedKeyUsage.clientAuth], [{ type: 'dns', value: node }, ...hostNames])
  }
  if (client !== false) files.client = await issue(client, [x509.ExtendedKeyUsage.clientAuth], [{ type: 'dns', value: client }])
  return files
}

/** A positive random serial of 16 bytes. */
function serial(): string {
  const bytes = randomBytes(16)
  bytes[0] = bytes[0]! & 0x7f
  return bytes.toString('hex')
}

async function writeKey(path: string, key: CryptoKey): Promise<void> {
  const der = Buffer.from(await webcrypto.subtle.exportKey('pkcs8', key))
  const body = der.toString('base64').replace(/(.{64})/g, '$1\n').trimEnd()
  writeFileSync(path, `-----BEGIN PRIVATE KEY-----\n${body}\n-----END PRIVATE KEY-----\n`, { mode: 0o600 })
}

function pemBody(pem: string): Buffer {
  return Buffer.from(pem.replace(/-----(BEGIN|END)[^-]+-----/g, '').replace(/\s+/g, ''), 'base64')
}
