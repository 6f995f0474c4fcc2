import { InvalidArgumentError, type Clock, type Store } from '@clustron/core'
import { ClientStore, systemClock } from '@clustron/core/internal'
import type { RemoteConnectOptions } from '../connect.js'
import { openTransport } from '../transport/open-transport.js'
import type { TransportFactory } from '../transport/transport.js'
import { defaultBackoff, type BackoffOptions } from './backoff.js'
import { realTimers } from './real-timers.js'
import { RemoteBackend } from './remote-backend.js'

export const defaultRequestTimeoutMs = 10_000

/** Knobs for tests and embedders, not part of the public options. */
export interface RemoteInternals {
  transport?: TransportFactory
  /** Times requests, handshakes, pings and reconnect backoff (real time by default). */
  connectionClock?: Clock
  backoff?: BackoffOptions
  random?: () => number
  connectTimeoutMs?: number
}

/**
 * Opens a remote store: connects to one of the seeds, then gives core's Store over the remote
 * backend — the same Store code as in-process, so the API and its behaviour are identical.
 */
export async function connectRemote(options: RemoteConnectOptions, internals: RemoteInternals = {}): Promise<Store> {
  return new ClientStore(await openBackend(options, internals))
}

/** Connects a remote backend (the shared part of connectRemote and the admin client). */
export async function openBackend(options: RemoteConnectOptions, internals: RemoteInternals = {}): Promise<RemoteBackend> {
  const seeds = checkSeeds(options.seeds)
  if (typeof options.store !== 'string' || options.store.length === 0) throw new InvalidArgumentError('store must be a non-empty name')
  const requestTimeoutMs = options.requestTimeoutMs ?? defaultRequestTimeoutMs
  if (!Number.isSafeInteger(requestTimeoutMs) || requestTimeoutMs < 1) throw new InvalidArgumentError(`requestTimeoutMs must be a positive integer, got ${String(requestTimeoutMs)}`)
  const tls = options.tls !== undefined && options.tls !== false
  const tlsFiles = typeof options.tls === 'object' ? options.tls : {}
  if (options.token !== undefined && typeof options.token !== 'string' && typeof options.token !== 'function') {
    throw new InvalidArgumentError('token must be a string or a function returning one')
  }
  const backend = new RemoteBackend({
    seeds,
    store: options.store,
    token: options.token,
    tls,
    tlsFiles,
    requestTimeoutMs,
    connectTimeoutMs: internals.connectTimeoutMs ?? requestTimeoutMs,
    clock: options.clock ?? systemClock,
    connectionClock: internals.connectionClock ?? realTimers,
    transport: internals.transport ?? openTransport,
    backoff: internals.backoff ?? defaultBackoff,
    random: internals.random ?? Math.random,
  })
  try {
    await backend.start()
  } catch (error) {
    await backend.close()
    throw error
  }
  return backend
}

function checkSeeds(seeds: unknown): string[] {
  if (!Array.isArray(seeds) || seeds.length === 0 || !seeds.every((seed) => typeof seed === 'string' && seed.length > 0)) {
    throw new InvalidArgumentError("seeds must be a non-empty array of 'host:port' strings")
  }
  return seeds as string[]
}
