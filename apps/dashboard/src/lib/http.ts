/**
 * The node's plain HTTP endpoints, read from the origin the page was loaded from. Shapes mirror
 * packages/server/src/http.ts (Health) and metrics.ts (StoreStats); the page checks what it uses.
 */

export type ReplicaRole = 'leader' | 'follower' | 'candidate' | 'learner'

export interface MemberInfo {
  id: string
  /** host:port where the member serves clients and peers. */
  address: string
  role: string
  /** Replication progress, known on the leader only. */
  matchIndex?: number
  /**
   * Not reported yet: whether the leader heard from the member in the last election timeout (raft's
   * Progress.recentActive). Used when present; see the dashboard README.
   */
  recentActive?: boolean
}

export interface StoreHealth {
  role: ReplicaRole
  leader?: string
  term: number
  commitIndex: number
  appliedIndex: number
  revision: number
  members?: MemberInfo[]
}

export interface Health {
  nodeId: string
  status: 'ok' | 'stopping'
  uptimeMs: number
  stores: Record<string, StoreHealth>
}

export interface LatencyHistogram {
  /** Upper bounds in seconds, ascending (the +Inf bucket is `count`). */
  buckets: number[]
  /** Cumulative count per bucket. */
  counts: number[]
  count: number
  sumSeconds: number
}

export interface StoreStatsEntry {
  requests: number
  errors: number
  byOp: Record<string, number>
  latency: LatencyHistogram
}

/** `/api/stats`: counters since the node started; `at` is the node's clock in epoch ms. */
export interface StoreStats {
  at: number
  stores: Record<string, StoreStatsEntry>
}

/**
 * `/api/session`: who the page's token is and its role on each store (null: none). `auth: 'open'`
 * is a node without authentication. Mirrors packages/server/src/http.ts (Session).
 */
export interface Session {
  nodeId: string
  auth: 'open' | 'required'
  subject: string
  roles: Record<string, 'read' | 'write' | 'admin' | null>
}

/** Whether `session` lets the page change keys of `store`; unknown (not read yet) lets it try: the node decides. */
export function mayWrite(session: Session | undefined, store: string): boolean {
  if (session === undefined || !Object.hasOwn(session.roles, store)) return true
  const role = session.roles[store]
  return role === 'write' || role === 'admin'
}

/** An HTTP answer other than 2xx; 401/403 mean the node wants a (better) token. */
export class HttpError extends Error {
  constructor(
    readonly status: number,
    message: string,
  ) {
    super(message)
    this.name = 'HttpError'
  }

  get needsToken(): boolean {
    return this.status === 401 || this.status === 403
  }
}

/** How long one poll may take before the page calls the node unreachable. */
export const requestTimeoutMs = 4_000

async function get(path: string, token: string | undefined): Promise<Response> {
  const headers: Record<string, string> = { accept: 'application/json, text/plain' }
  // Today these endpoints are open; a node that protects them can read the same token as clients.
  if (token !== undefined) headers.authorization = `Bearer ${token}`
  const response = await fetch(path, { headers, cache: 'no-store', signal: AbortSignal.timeout(requestTimeoutMs) })
  if (!response.ok && !(path === '/health' && response.status === 503)) {
    let detail = response.statusText
    try {
      const body = (await response.json()) as { error?: string }
      if (typeof body.error === 'string') detail = body.error
    } catch {
      // Not JSON: keep the status text.
    }
    throw new HttpError(response.status, `${path} answered ${response.status}: ${detail}`)
  }
  return response
}

export async function fetchHealth(token: string | undefined): Promise<Health> {
  const body = (await (await get('/health', token)).json()) as Health
  if (typeof body.nodeId !== 'string' || typeof body.stores !== 'object' || body.stores === null) throw new Error('/health answered an unexpected shape')
  return body
}

export async function fetchStats(token: string | undefined): Promise<StoreStats> {
  const body = (await (await get('/api/stats', token)).json()) as StoreStats
  if (typeof body.at !== 'number' || typeof body.stores !== 'object' || body.stores === null) throw new Error('/api/stats answered an unexpected shape')
  return body
}

export async function fetchSession(token: string | undefined): Promise<Session> {
  const body = (await (await get('/api/session', token)).json()) as Session
  if (typeof body.subject !== 'string' || typeof body.roles !== 'object' || body.roles === null) throw new Error('/api/session answered an unexpected shape')
  return body
}

export async function fetchMetrics(token: string | undefined): Promise<string> {
  return (await get('/metrics', token)).text()
}
