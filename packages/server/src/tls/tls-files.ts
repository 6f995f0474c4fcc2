import { readFileSync } from 'node:fs'
import type { PeerCertificate, TLSSocket } from 'node:tls'
import { InvalidArgumentError } from '@clustron/core'
import type { CertificateIdentity, ClientCertificateMode } from '../auth/authenticator.js'

/** A node's TLS material, read once at start-up. */
export interface NodeTls {
  cert: Buffer
  key: Buffer
  /** Trust anchor for client and peer certificates (and for the peers' server certificates). */
  ca: Buffer | undefined
  clientAuth: ClientCertificateMode
}

export interface TlsPaths {
  tlsCert?: string | undefined
  tlsKey?: string | undefined
  tlsCa?: string | undefined
  tlsClientAuth?: ClientCertificateMode | undefined
}

/** Reads the TLS files of the config; undefined when TLS is off. Throws 'invalid config' naming the problem. */
export function loadTls(paths: TlsPaths): NodeTls | undefined {
  const { tlsCert, tlsKey, tlsCa } = paths
  const clientAuth = paths.tlsClientAuth ?? 'off'
  if (tlsCert === undefined && tlsKey === undefined) {
    if (tlsCa !== undefined || clientAuth !== 'off') throw new InvalidArgumentError('invalid config: tlsCa and tlsClientAuth need TLS on: give tlsCert and tlsKey too')
    return undefined
  }
  if (tlsCert === undefined || tlsKey === undefined) throw new InvalidArgumentError('invalid config: TLS needs both tlsCert and tlsKey (PEM files; clustron-server certs create makes a dev set)')
  if (clientAuth !== 'off' && tlsCa === undefined) throw new InvalidArgumentError(`invalid config: tlsClientAuth ${clientAuth} needs tlsCa, the CA client certificates are checked against`)
  return { cert: readPem(tlsCert, 'tlsCert'), key: readPem(tlsKey, 'tlsKey'), ca: tlsCa === undefined ? undefined : readPem(tlsCa, 'tlsCa'), clientAuth }
}

function readPem(path: string, key: string): Buffer {
  let bytes: Buffer
  try {
    bytes = readFileSync(path)
  } catch (error) {
    throw new InvalidArgumentError(`invalid config: cannot read ${key} ${path}: ${(error as Error).message}`)
  }
  if (!bytes.toString('utf8').includes('-----BEGIN')) throw new InvalidArgumentError(`invalid config: ${key} ${path} is not a PEM file`)
  return bytes
}

/** What the TLS handshake established about the certificate a client or peer presented (undefined: none, or not TLS). */
export function certificateIdentity(socket: unknown): (CertificateIdentity & { names: string[] }) | undefined {
  const tls = socket as Partial<TLSSocket>
  if (typeof tls.getPeerCertificate !== 'function') return undefined
  const certificate = tls.getPeerCertificate()
  if (certificate === null || Object.keys(certificate).length === 0) return undefined
  const validTo = Date.parse(certificate.valid_to)
  return { authorized: tls.authorized === true, subject: commonName(certificate), validToMs: Number.isNaN(validTo) ? undefined : validTo, names: certificateNames(certificate) }
}

function commonName(certificate: PeerCertificate): string | undefined {
  const cn = certificate.subject?.CN
  return Array.isArray(cn) ? cn[0] : cn
}

/** The names a certificate is issued to: its CN and DNS subject alternative names. */
export function certificateNames(certificate: PeerCertificate): string[] {
  const names = new Set<string>()
  const cn = commonName(certificate)
  if (cn !== undefined) names.add(cn)
  for (const part of (certificate.subjectaltname ?? '').split(',')) {
    const match = /^\s*DNS:(.+)$/.exec(part)
    if (match !== null) names.add(match[1]!.trim())
  }
  return [...names]
}
