import { InvalidArgumentError, UnauthenticatedError } from '@clustron/core'
import { errors as joseErrors, jwtVerify, SignJWT } from 'jose'
import { z } from 'zod'
import { loadAuthKey, parseAuthKey, type AuthKey } from './keys.js'
import { normaliseGrants, storeGrantsSchema, type NormalisedGrants, type StoreGrants } from './roles.js'

/**
 * Clustron tokens are JWTs (RFC 7519) signed with the node's `authKey`:
 *
 * ```json
 * { "sub": "billing", "aud": "clustron", "iat": 1767225600, "exp": 1767312000,
 *   "stores": { "orders": ["write"], "*": ["read"] } }
 * ```
 *
 * `sub` names the holder (logs), `exp` ends the token (required: connections close when it passes),
 * `aud` must be `clustron` (a key shared with other services cannot mint tokens that work here by
 * accident), and `stores` grants roles per store name, `*` meaning every store.
 */
export const tokenAudience = 'clustron'

/** Longest token a node reads (a JWT with a few grants is a few hundred bytes). */
export const tokenCharsMax = 16 * 1024

export interface CreateTokenOptions {
  /** A file holding the key (the node's `authKey`): an HS256 secret or a PEM private key. */
  keyFile?: string
  /** The key itself, instead of `keyFile`. */
  key?: string | Uint8Array
  /** Who holds the token (`sub`). */
  subject: string
  /** Roles per store: `{ orders: 'write', '*': ['read'] }`. */
  stores: StoreGrants
  /** Lifetime as text: `90s`, `30m`, `24h`, `7d` (or give `ttlMs`). */
  ttl?: string
  ttlMs?: number
  /** Minting time in epoch ms (default: now). */
  now?: number
}

/** Mints a token with the node's key. Throws INVALID_ARGUMENT naming what is wrong. */
export async function createToken(options: CreateTokenOptions): Promise<string> {
  const key = resolveKey(options)
  if (key.signKey === undefined) {
    throw new InvalidArgumentError('the auth key is a public key: tokens are minted with the private key (or the HS256 secret) it belongs to')
  }
  if (typeof options.subject !== 'string' || options.subject.length === 0 || options.subject.length > 256) {
    throw new InvalidArgumentError('subject must be a non-empty name of at most 256 characters')
  }
  const grants = storeGrantsSchema.safeParse(options.stores)
  if (!grants.success || Object.keys(grants.data).length === 0) {
    throw new InvalidArgumentError(`stores must map store names (or '*') to roles read, write or admin, e.g. { orders: 'write' }${grants.success ? '' : `: ${grants.error.issues[0]?.message ?? ''}`}`)
  }
  const ttlMs = options.ttlMs ?? (options.ttl === undefined ? undefined : parseDuration(options.ttl))
  if (ttlMs === undefined || !Number.isSafeInteger(ttlMs) || ttlMs < 1_000) {
    throw new InvalidArgumentError('a token needs a lifetime of at least 1 s: ttl (e.g. 24h) or ttlMs')
  }
  const nowSeconds = Math.floor((options.now ?? Date.now()) / 1000)
  const stores = Object.fromEntries(Object.entries(normaliseGrants(grants.data)).map(([store, role]) => [store, [role]]))
  return new SignJWT({ stores })
    .setProtectedHeader({ alg: key.algorithm, typ: 'JWT' })
    .setSubject(options.subject)
    .setAudience(tokenAudience)
    .setIssuedAt(nowSeconds)
    .setExpirationTime(nowSeconds + Math.ceil(ttlMs / 1000))
    .sign(key.signKey)
}

function resolveKey(options: CreateTokenOptions): AuthKey {
  if (options.key !== undefined && options.keyFile !== undefined) throw new InvalidArgumentError('give keyFile or key, not both')
  if (options.key !== undefined) return parseAuthKey(options.key, '(given key)')
  if (options.keyFile !== undefined) return loadAuthKey(options.keyFile)
  throw new InvalidArgumentError("a token is minted with the node's key: give keyFile (the node's authKey file) or key")
}

/** "90s", "30m", "24h", "7d", "1500ms" → milliseconds. */
export function parseDuration(text: string): number {
  const match = /^\s*(\d+(?:\.\d+)?)\s*(ms|s|m|h|d)\s*$/.exec(text)
  if (match === null) throw new InvalidArgumentError(`'${text}' is not a duration; use a number with ms, s, m, h or d (e.g. 24h)`)
  const unitMs = { ms: 1, s: 1_000, m: 60_000, h: 3_600_000, d: 86_400_000 }[match[2] as 'ms' | 's' | 'm' | 'h' | 'd']
  return Math.round(Number(match[1]) * unitMs)
}

/** What a verified token says. */
export interface VerifiedToken {
  subject: string
  grants: NormalisedGrants
  expiresAtMs: number
}

const claimsSchema = z.object({ sub: z.string().min(1).max(256), exp: z.number(), stores: storeGrantsSchema })

/** Whether a token looks like a JWT (three base64url parts), as opposed to a static token. */
export function looksLikeJwt(token: string): boolean {
  return /^[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]*$/.test(token)
}

/** Verifies a token's signature, audience, expiry (at `nowMs`) and claims; throws UNAUTHENTICATED. */
export async function verifyToken(token: string, key: AuthKey, nowMs: number): Promise<VerifiedToken> {
  let payload: unknown
  try {
    const verified = await jwtVerify(token, key.verifyKey, {
      algorithms: [key.algorithm],
      audience: tokenAudience,
      currentDate: new Date(nowMs),
      requiredClaims: ['sub', 'exp'],
    })
    payload = verified.payload
  } catch (error) {
    throw new UnauthenticatedError(describeJoseError(error), { cause: error })
  }
  const claims = claimsSchema.safeParse(payload)
  if (!claims.success) {
    const issue = claims.error.issues[0]
    throw new UnauthenticatedError(`the token's claims are not Clustron's: at ${issue?.path.join('.') ?? ''}: ${issue?.message ?? 'invalid'}`)
  }
  return { subject: claims.data.sub, grants: normaliseGrants(claims.data.stores), expiresAtMs: claims.data.exp * 1000 }
}

function describeJoseError(error: unknown): string {
  if (error instanceof joseErrors.JWTExpired) {
    const exp = (error.payload as { exp?: unknown }).exp
    return `the token expired${typeof exp === 'number' ? ` at ${new Date(exp * 1000).toISOString()}` : ''}; get a new one (clustron-server token create)`
  }
  if (error instanceof joseErrors.JOSEAlgNotAllowed) return 'the token is signed with another algorithm than this node\'s auth key'
  if (error instanceof joseErrors.JWSSignatureVerificationFailed) return 'the token is not signed with this node\'s auth key'
  if (error instanceof joseErrors.JWTClaimValidationFailed) return `the token is not valid here: ${error.message}`
  return `the token is not a valid token: ${(error as Error).message}`
}
