import { createPrivateKey, createPublicKey, createSecretKey, generateKeyPairSync, randomBytes, type KeyObject } from 'node:crypto'
import { readFileSync } from 'node:fs'
import { InvalidArgumentError } from '@clustron/core'

/** Signature algorithms of Clustron tokens (JWS `alg`). */
export const authAlgorithms = ['HS256', 'ES256', 'EdDSA'] as const
export type AuthAlgorithm = (typeof authAlgorithms)[number]

/**
 * A node's token key (config `authKey`): what it verifies tokens with and, when it holds the private
 * half or the shared secret, what tokens are minted with.
 */
export interface AuthKey {
  readonly algorithm: AuthAlgorithm
  /** The HS256 secret, or the public key of an ES256/EdDSA pair. */
  readonly verifyKey: KeyObject
  /** The HS256 secret or the private key; undefined for a public key only (the node verifies, never mints). */
  readonly signKey: KeyObject | undefined
}

/** Shortest HS256 secret accepted: 256 bits, the size of the MAC (RFC 7518 §3.2). */
export const secretBytesMin = 32

/**
 * Reads a key: a PEM private key (EC P-256 → ES256, Ed25519 → EdDSA), a PEM public key (verify
 * only), or anything else as an HS256 shared secret (its bytes, without trailing whitespace; at
 * least 32 bytes). `source` names it in errors.
 */
export function parseAuthKey(material: string | Uint8Array, source: string): AuthKey {
  const bytes = typeof material === 'string' ? Buffer.from(material, 'utf8') : Buffer.from(material)
  const text = bytes.toString('utf8')
  if (text.includes('-----BEGIN')) return parsePem(text, source)
  let end = bytes.length
  while (end > 0 && (bytes[end - 1] === 0x0a || bytes[end - 1] === 0x0d || bytes[end - 1] === 0x20 || bytes[end - 1] === 0x09)) end--
  if (end < secretBytesMin) {
    throw new InvalidArgumentError(
      `the auth key ${source} is an HS256 secret of ${end} bytes; it must have at least ${secretBytesMin} (e.g. clustron-server token key --out auth.key)`,
    )
  }
  const secret = createSecretKey(bytes.subarray(0, end))
  return { algorithm: 'HS256', verifyKey: secret, signKey: secret }
}

function parsePem(text: string, source: string): AuthKey {
  let privateKey: KeyObject | undefined
  let publicKey: KeyObject
  try {
    if (/-----BEGIN (EC |ENCRYPTED )?PRIVATE KEY-----/.test(text)) {
      privateKey = createPrivateKey(text)
      publicKey = createPublicKey(privateKey)
    } else {
      publicKey = createPublicKey(text)
    }
  } catch (error) {
    throw new InvalidArgumentError(`the auth key ${source} is not a readable PEM key: ${(error as Error).message}`)
  }
  return { algorithm: algorithmOf(publicKey, source), verifyKey: publicKey, signKey: privateKey }
}

function algorithmOf(key: KeyObject, source: string): AuthAlgorithm {
  if (key.asymmetricKeyType === 'ed25519') return 'EdDSA'
  if (key.asymmetricKeyType === 'ec' && key.asymmetricKeyDetails?.namedCurve === 'prime256v1') return 'ES256'
  const kind = key.asymmetricKeyType === 'ec' ? `an EC key on ${key.asymmetricKeyDetails?.namedCurve ?? 'another curve'}` : `a ${key.asymmetricKeyType ?? 'unknown'} key`
  throw new InvalidArgumentError(`the auth key ${source} is ${kind}; use an Ed25519 key (EdDSA), an EC P-256 key (ES256) or a shared secret (HS256)`)
}

/** Reads the key file of config `authKey`. */
export function loadAuthKey(path: string): AuthKey {
  let material: Buffer
  try {
    material = readFileSync(path)
  } catch (error) {
    throw new InvalidArgumentError(`invalid config: cannot read the auth key ${path}: ${(error as Error).message}`)
  }
  return parseAuthKey(material, path)
}

/**
 * A new key for config `authKey`: for HS256 a random 48-byte secret (base64url text); for ES256 and
 * EdDSA a PKCS#8 PEM private key (`publicKey`: its SPKI PEM, for nodes that only verify).
 */
export function generateAuthKey(algorithm: AuthAlgorithm = 'EdDSA'): { algorithm: AuthAlgorithm; key: string; publicKey?: string } {
  if (algorithm === 'HS256') return { algorithm, key: `${randomBytes(48).toString('base64url')}\n` }
  const pair = algorithm === 'ES256' ? generateKeyPairSync('ec', { namedCurve: 'prime256v1' }) : generateKeyPairSync('ed25519')
  return {
    algorithm,
    key: pair.privateKey.export({ type: 'pkcs8', format: 'pem' }).toString(),
    publicKey: pair.publicKey.export({ type: 'spki', format: 'pem' }).toString(),
  }
}
