import { ClustronError, connect, type Store } from '@clustron/client'
import { HttpError } from './http.js'

/** The store connections of the page, one per store, all to the node that served the page. */
export class Connections {
  readonly #stores = new Map<string, Promise<Store>>()

  constructor(readonly token: string | undefined) {}

  /** The node that served the page, as a seed: host:port with the port spelled out. */
  static seed(): string {
    const port = location.port !== '' ? location.port : location.protocol === 'https:' ? '443' : '80'
    return `${location.hostname}:${port}`
  }

  /** A connection to `name`; a failed attempt is forgotten so the next call tries again. */
  store(name: string): Promise<Store> {
    let store = this.#stores.get(name)
    if (store === undefined) {
      store = connect({
        mode: 'remote',
        seeds: [Connections.seed()],
        store: name,
        ...(this.token === undefined ? {} : { token: this.token }),
        ...(location.protocol === 'https:' ? { tls: true } : {}),
        requestTimeoutMs: 8_000,
      })
      this.#stores.set(name, store)
      store.catch(() => {
        if (this.#stores.get(name) === store) this.#stores.delete(name)
      })
    }
    return store
  }

  async close(): Promise<void> {
    const stores = [...this.#stores.values()]
    this.#stores.clear()
    await Promise.all(stores.map(async (store) => (await store.catch(() => undefined))?.close()))
  }
}

/** What the page tells a person about a failure, and whether asking for a token would help. */
export interface Problem {
  title: string
  message: string
  /** UNAUTHENTICATED (or HTTP 401): the node wants a token, or a different one. */
  needsToken: boolean
  /** PERMISSION_DENIED (or HTTP 403): the token is valid but may not do this. */
  denied: boolean
}

export function describeError(error: unknown): Problem {
  if (error instanceof ClustronError) {
    if (error.code === 'UNAUTHENTICATED') return { title: 'A token is needed', message: `The node refused the connection: ${error.message}`, needsToken: true, denied: false }
    if (error.code === 'PERMISSION_DENIED') return { title: 'Not allowed with this token', message: `The token is valid but does not allow this: ${error.message}`, needsToken: false, denied: true }
    if (error.code === 'UNAVAILABLE' || error.code === 'TIMEOUT') return { title: 'The store is not reachable', message: error.message, needsToken: false, denied: false }
    return { title: error.code, message: error.message, needsToken: false, denied: false }
  }
  if (error instanceof HttpError) {
    if (error.status === 401) return { title: 'A token is needed', message: error.message, needsToken: true, denied: false }
    if (error.status === 403) return { title: 'Not allowed with this token', message: error.message, needsToken: false, denied: true }
    return { title: `HTTP ${error.status}`, message: error.message, needsToken: false, denied: false }
  }
  if (error instanceof Error && (error.name === 'TimeoutError' || error.name === 'AbortError')) return { title: 'The node did not answer', message: 'No answer within a few seconds; it may be down or overloaded.', needsToken: false, denied: false }
  if (error instanceof TypeError) return { title: 'The node is not reachable', message: `${error.message}: the node that served this page may be down.`, needsToken: false, denied: false }
  return { title: 'Something failed', message: error instanceof Error ? error.message : String(error), needsToken: false, denied: false }
}
