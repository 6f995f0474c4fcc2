import { createHash, timingSafeEqual } from 'node:crypto'
import { UnauthenticatedError } from '@clustron/core'
import type { AuthKey } from './keys.js'
import { roleOn, type NormalisedGrants, type Role } from './roles.js'
import { looksLikeJwt, tokenCharsMax, verifyToken } from './tokens.js'

/** Who is on the other end of a connection, and what they may do. */
export interface Principal {
  readonly subject: string
  readonly grants: NormalisedGrants
  /** When the credential stops being valid (the token's `exp`, the certificate's notAfter); undefined: never. */
  readonly expiresAtMs: number | undefined
  readonly via: 'token' | 'jwt' | 'certificate' | 'open'
}

export function principalRole(principal: Principal, store: string): Role | undefined {
  return roleOn(principal.grants, store)
}

/** A node without authentication: everyone may do everything (loopback, or --insecure). */
export const openPrincipal: Principal = Object.freeze({ subject: 'anonymous', grants: Object.freeze({ '*': 'admin' as const }), expiresAtMs: undefined, via: 'open' as const })

/** What TLS established about the client's certificate. */
export interface CertificateIdentity {
  /** The certificate chains to the node's CA (--tls-ca). */
  readonly authorized: boolean
  /** Subject CN. */
  readonly subject: string | undefined
  /** End of validity, epoch ms. */
  readonly validToMs: number | undefined
}

/** A token from the config's static list (`tokens`), kept only as its SHA-256. */
export interface StaticToken {
  readonly sha256: Uint8Array
  readonly subject: string
  readonly grants: NormalisedGrants
}

export type ClientCertificateMode = 'required' | 'optional' | 'off'

export interface AuthenticatorOptions {
  /** Verifies JWTs (config `authKey`). */
  key: AuthKey | undefined
  /** Tokens listed in the config. */
  tokens: readonly StaticToken[]
  /** `required`: no connection without a client certificate signed by the node's CA. */
  clientCertificates: ClientCertificateMode
}

/**
 * Checks a client's credentials at the handshake: its certificate (when the node requires one), then
 * its token — a static token from the config, or a JWT verified with the node's key. With only
 * client certificates configured, a trusted certificate is the credential (every store, admin).
 */
export class Authenticator {
  readonly #tokens = new Map<string, StaticToken>()

  constructor(private readonly options: AuthenticatorOptions) {
    for (const token of options.tokens) this.#tokens.set(Buffer.from(token.sha256).toString('hex'), token)
  }

  /** Whether clients must present a token. */
  get requiresToken(): boolean {
    return this.options.key !== undefined || this.#tokens.size > 0
  }

  async authenticate(token: string | undefined, certificate: CertificateIdentity | undefined, nowMs: number): Promise<Principal> {
    if (this.options.clientCertificates === 'required' && certificate?.authorized !== true) {
      throw new UnauthenticatedError(
        certificate === undefined
          ? 'this node requires a client certificate signed by its CA (tls-client-auth required); connect with tls: { cert, key }'
          : 'the client certificate is not signed by a CA this node trusts',
      )
    }
    if (!this.requiresToken) {
      // Certificates are the only credential: a trusted one may do everything.
      return { subject: certificate?.subject ?? 'certificate', grants: openPrincipal.grants, expiresAtMs: certificate?.validToMs, via: 'certificate' }
    }
    if (token === undefined || token === '') throw new UnauthenticatedError('this node requires a token: connect with { token } or clustron://host:port/store?token=...')
    if (token.length > tokenCharsMax) throw new UnauthenticatedError(`the token is ${token.length} characters long; a token has at most ${tokenCharsMax}`)
    const listed = this.#staticToken(token)
    if (listed !== undefined) return { subject: listed.subject, grants: listed.grants, expiresAtMs: undefined, via: 'token' }
    if (this.options.key !== undefined && looksLikeJwt(token)) {
      const verified = await verifyToken(token, this.options.key, nowMs)
      return { subject: verified.subject, grants: verified.grants, expiresAtMs: verified.expiresAtMs, via: 'jwt' }
    }
    throw new UnauthenticatedError('the token is not valid for this node')
  }

  #staticToken(token: string): StaticToken | undefined {
    const digest = sha256(token)
    const found = this.#tokens.get(digest.toString('hex'))
    // The map lookup found the digest; compare in constant time anyway (defence in depth).
    return found !== undefined && timingSafeEqual(digest, found.sha256) ? found : undefined
  }
}

export function sha256(text: string): Buffer {
  return createHash('sha256').update(text, 'utf8').digest()
}
