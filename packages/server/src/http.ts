import type { IncomingMessage, ServerResponse } from 'node:http'
import { openPrincipal, principalRole, type Principal } from './auth/authenticator.js'
import type { NodeMetrics } from './metrics.js'
import { serveDashboard } from './static-files.js'
import type { MemberInfo, ReplicaRole } from './replica/store-replica.js'
import type { StoreHost } from './store-host.js'

/** `/health` (spec §10): the node, and where each of its stores stands. */
export interface Health {
  nodeId: string
  status: 'ok' | 'stopping'
  uptimeMs: number
  stores: Record<string, { role: ReplicaRole; leader: string | undefined; term: number; commitIndex: number; appliedIndex: number; revision: number; members?: MemberInfo[] }>
}

export function health(nodeId: string, stopping: boolean, uptimeMs: number, stores: ReadonlyMap<string, StoreHost>): Health {
  const out: Health = { nodeId, status: stopping ? 'stopping' : 'ok', uptimeMs, stores: {} }
  for (const [name, host] of stores) {
    const { role, leader, term, commitIndex, appliedIndex, revision } = host.replica.status()
    const members = host.replica.cluster?.membership()
    out.stores[name] = members === undefined ? { role, leader, term, commitIndex, appliedIndex, revision } : { role, leader, term, commitIndex, appliedIndex, revision, members }
  }
  return out
}

/**
 * `/api/session`: who the credential of the request is and its role on each store of the node, so
 * the dashboard offers edit and delete only where the token allows them. `auth: 'open'` is a node
 * without authentication (everyone may do everything).
 */
export interface Session {
  nodeId: string
  auth: 'open' | 'required'
  subject: string
  roles: Record<string, 'read' | 'write' | 'admin' | null>
}

export function session(nodeId: string, stores: Iterable<string>, principal: Principal | undefined): Session {
  const who = principal ?? openPrincipal
  const roles: Session['roles'] = {}
  for (const store of stores) roles[store] = principalRole(who, store) ?? null
  return { nodeId, auth: principal === undefined ? 'open' : 'required', subject: who.subject, roles }
}

/**
 * Answers plain HTTP requests: the dashboard at `/`, `/health`, `/metrics` (Prometheus), `/api/stats`
 * and `/api/session`; everything else is 404. `principal` is the request's authenticated credential
 * (undefined when the node has no authentication).
 */
export function handleHttp(request: IncomingMessage, response: ServerResponse, report: () => Health, metrics?: NodeMetrics, principal?: Principal): void {
  const path = (request.url ?? '/').split('?')[0]
  if (path === '/api/session') {
    const body = report()
    return json(response, 200, session(body.nodeId, Object.keys(body.stores), principal))
  }
  if (path === '/api/stats' && metrics !== undefined) {
    metrics.stats().then((stats) => json(response, 200, stats), (error: unknown) => json(response, 500, { error: (error as Error).message }))
    return
  }
  if (path !== undefined && (path === '/' || path === '/index.html' || path.startsWith('/assets/') || path === '/favicon.svg')) {
    if (request.method !== 'GET' && request.method !== 'HEAD') return json(response, 405, { error: 'the dashboard is read with GET' })
    void serveDashboard(path, response)
    return
  }
  if (path === '/metrics' && metrics !== undefined) {
    metrics.render().then(
      (text) => {
        response.writeHead(200, { 'content-type': metrics.contentType, 'cache-control': 'no-store' })
        response.end(text)
      },
      (error: unknown) => json(response, 500, { error: `metrics failed: ${(error as Error).message}` }),
    )
    return
  }
  if (path === '/health') {
    if (request.method !== 'GET' && request.method !== 'HEAD') return json(response, 405, { error: `${request.method ?? ''} is not allowed on /health; use GET` })
    const body = report()
    return json(response, body.status === 'ok' ? 200 : 503, body)
  }
  json(response, 404, { error: `no such path ${path ?? ''}; try / (dashboard), /health or /metrics` })
}

function json(response: ServerResponse, status: number, body: unknown): void {
  const text = JSON.stringify(body)
  response.writeHead(status, { 'content-type': 'application/json; charset=utf-8', 'content-length': Buffer.byteLength(text), 'cache-control': 'no-store' })
  response.end(text)
}
