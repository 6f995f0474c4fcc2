import { InvalidArgumentError, openInProcStore, type Clock, type Limits, type Store } from '@clustron/core'
import { connectRemote } from './remote/connect-remote.js'

/** Options of an in-process store (spec §1). */
export interface InProcConnectOptions {
  mode: 'inproc'
  store: string
  /** Drive time by hand (tests): `new ManualClock()`. */
  clock?: Clock
  limits?: Partial<Limits>
}

/** Options of a remote store (spec §1). */
export interface RemoteConnectOptions {
  mode: 'remote'
  /** `host:port` of any nodes of the cluster. */
  seeds: string[]
  store: string
  /**
   * The credential the node checks at the handshake. A function is asked again for each new
   * connection, so a token that expires can be replaced; a plain string that the node refuses (or
   * that expires) ends the store handle with UnauthenticatedError — connect again with a new one.
   */
  token?: string | TokenProvider
  /**
   * TLS (`clustrons://`). `ca`: trust a private CA (PEM); `cert` and `key`: a client certificate for
   * nodes that ask for one. Node only: browsers use their own trust store and certificates.
   */
  tls?: boolean | RemoteTlsOptions
  requestTimeoutMs?: number
  /** The store's time as the client sees it (lease keep-alive, lock waits); tests share a ManualClock with an in-process node. */
  clock?: Clock
}

/** Returns the token to present on a new connection (e.g. a fresh one from an identity service). */
export type TokenProvider = () => string | Promise<string>

export interface RemoteTlsOptions {
  ca?: string | Uint8Array
  cert?: string | Uint8Array
  key?: string | Uint8Array
}

export type ConnectOptions = InProcConnectOptions | RemoteConnectOptions

/** Where `connect()` goes without arguments. */
export const defaultUrl = 'inproc://default'

/**
 * Opens a store. The target is a URL (`inproc://orders`, `clustron://h1:7861,h2:7861/orders`,
 * `clustrons://host:7861/orders?token=...`) or options; without one, CLUSTRON_URL is read and
 * `inproc://default` is the fallback. Switching modes is a configuration change, never a code change.
 */
export async function connect(target?: string | ConnectOptions): Promise<Store> {
  const options = typeof target === 'object' && target !== null ? target : parseUrl(target ?? environmentUrl() ?? defaultUrl)
  if (options.mode === 'inproc') {
    if (typeof options.store !== 'string' || options.store.length === 0) throw new InvalidArgumentError('store must be a non-empty name')
    const inproc: Parameters<typeof openInProcStore>[0] = { store: options.store }
    if (options.clock !== undefined) inproc.clock = options.clock
    if (options.limits !== undefined) inproc.limits = options.limits
    return openInProcStore(inproc)
  }
  if (options.mode === 'remote') return connectRemote(options)
  throw new InvalidArgumentError(`mode must be 'inproc' or 'remote', got ${String((options as { mode?: unknown }).mode)}`)
}

function environmentUrl(): string | undefined {
  const env = (globalThis as { process?: { env?: Record<string, string | undefined> } }).process?.env
  const url = env?.CLUSTRON_URL
  return url === undefined || url === '' ? undefined : url
}

/** Parses a store URL into connect options; throws INVALID_ARGUMENT saying what is wrong. */
export function parseUrl(url: string): ConnectOptions {
  if (typeof url !== 'string') throw new InvalidArgumentError(`a store URL must be a string, got ${typeof url}`)
  const match = /^([a-z]+):\/\/([^/?#]*)(?:\/([^?#]*))?(?:\?([^#]*))?$/.exec(url.trim())
  if (match === null) {
    throw new InvalidArgumentError(`'${url}' is not a store URL; expected inproc://<store> or clustron://<host:port>[,<host:port>...]/<store>`)
  }
  const [, scheme, authority = '', path = '', query = ''] = match
  const params = new URLSearchParams(query)
  if (scheme === 'inproc') {
    const store = decodeURIComponent(authority || path || 'default')
    return { mode: 'inproc', store }
  }
  if (scheme !== 'clustron' && scheme !== 'clustrons') {
    throw new InvalidArgumentError(`unknown scheme '${scheme}://' in '${url}'; use inproc://, clustron:// or clustrons://`)
  }
  const seeds = authority.split(',').map((seed) => seed.trim()).filter((seed) => seed.length > 0)
  if (seeds.length === 0) throw new InvalidArgumentError(`'${url}' names no node; expected ${scheme}://<host:port>[,<host:port>...]/<store>`)
  for (const seed of seeds) {
    if (!/^(\[[0-9a-fA-F:.]+\]|[^:\s]+)(:\d{1,5})?$/.test(seed)) throw new InvalidArgumentError(`'${seed}' in '${url}' is not host:port`)
  }
  const options: RemoteConnectOptions = { mode: 'remote', seeds, store: decodeURIComponent(path || 'default') }
  const token = params.get('token')
  if (token !== null) options.token = token
  if (scheme === 'clustrons') options.tls = true
  const timeout = params.get('requestTimeoutMs')
  if (timeout !== null) {
    const value = Number(timeout)
    if (!Number.isInteger(value) || value <= 0) throw new InvalidArgumentError(`requestTimeoutMs in '${url}' must be a positive integer`)
    options.requestTimeoutMs = value
  }
  return options
}
