import { mkdtempSync, rmSync } from 'node:fs'
import { createServer, type Server } from 'node:http'
import type { AddressInfo } from 'node:net'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { pino } from 'pino'
import { afterEach, describe, expect, it } from 'vitest'
import { startNode, type ClustronNode } from '../src/index.js'
import { RawClient, value } from './support/raw-client.js'

let node: ClustronNode | undefined
const directories: string[] = []
afterEach(async () => {
  await node?.close()
  node = undefined
  for (const directory of directories.splice(0)) rmSync(directory, { recursive: true, force: true })
})

/** The value of one sample line of a Prometheus text exposition, or undefined. */
function sample(text: string, name: string, labels: Record<string, string>): number | undefined {
  for (const line of text.split('\n')) {
    if (!line.startsWith(`${name}{`)) continue
    const matches = Object.entries(labels).every(([label, expected]) => line.includes(`${label}="${expected}"`))
    if (matches) return Number(line.slice(line.lastIndexOf(' ') + 1))
  }
  return undefined
}

describe('/metrics', () => {
  it('counts requests by op and outcome, and reports store gauges', async () => {
    node = await startNode({ port: 0, nodeId: 'm1', stores: ['orders'] })
    const { client } = await RawClient.connected(node.port, 'orders')
    client.send({ type: 'write', id: 1, command: { type: 'put', key: 'k', value: value('v') } })
    client.send({ type: 'write', id: 2, command: { type: 'put', key: '', value: value('v') } })
    client.send({ type: 'read', id: 3, query: { type: 'get', key: 'k' } })
    await client.answer(1)
    await client.answer(2)
    await client.answer(3)
    const response = await fetch(`http://127.0.0.1:${node.port}/metrics`)
    expect(response.status).toBe(200)
    expect(response.headers.get('content-type')).toMatch(/text\/plain/)
    const text = await response.text()
    expect(sample(text, 'clustron_requests_total', { store: 'orders', op: 'put', outcome: 'ok' })).toBe(1)
    expect(sample(text, 'clustron_requests_total', { store: 'orders', op: 'put', outcome: 'INVALID_ARGUMENT' })).toBe(1)
    expect(sample(text, 'clustron_requests_total', { store: 'orders', op: 'get', outcome: 'ok' })).toBe(1)
    expect(sample(text, 'clustron_request_duration_seconds_count', { store: 'orders', op: 'put' })).toBe(2)
    expect(sample(text, 'clustron_store_keys', { store: 'orders' })).toBe(1)
    expect(sample(text, 'clustron_store_revision', { store: 'orders' })).toBe(1)
    expect(sample(text, 'clustron_connections', { node: 'm1' })).toBe(1)
    expect(sample(text, 'clustron_client_bytes_total', { direction: 'in' })).toBeGreaterThan(0)
    expect(text).toContain('clustron_process_resident_memory_bytes')
    expect(text).toContain('clustron_nodejs_eventloop_lag_seconds')
    client.close()
  })

  it('reports Raft state and fsync latency for a durable store', async () => {
    const data = mkdtempSync(join(tmpdir(), 'clustron-metrics-'))
    directories.push(data)
    node = await startNode({ port: 0, nodeId: 'm2', data })
    const { client } = await RawClient.connected(node.port)
    client.send({ type: 'write', id: 1, command: { type: 'put', key: 'k', value: value('v') } })
    expect(await client.answer(1)).toMatchObject({ type: 'result' })
    const text = await (await fetch(`http://127.0.0.1:${node.port}/metrics`)).text()
    expect(sample(text, 'clustron_raft_is_leader', { store: 'default' })).toBe(1)
    expect(sample(text, 'clustron_raft_applied_index', { store: 'default' })).toBeGreaterThan(1)
    expect(sample(text, 'clustron_fsync_duration_seconds_count', { store: 'default' })).toBeGreaterThan(0)
    expect(sample(text, 'clustron_proposal_batch_commands_count', { store: 'default' })).toBeGreaterThan(0)
    expect(sample(text, 'clustron_raft_leader_changes_total', { store: 'default' })).toBe(1)
    client.close()
  })
})

describe('/api/stats and the dashboard route', () => {
  it('gives per-store request counts and a latency histogram as JSON', async () => {
    node = await startNode({ port: 0, stores: ['orders'] })
    const { client } = await RawClient.connected(node.port, 'orders')
    for (let id = 1; id <= 3; id++) client.send({ type: 'write', id, command: { type: 'put', key: `k${id}`, value: value('v') } })
    for (let id = 1; id <= 3; id++) await client.answer(id)
    const stats = (await (await fetch(`http://127.0.0.1:${node.port}/api/stats`)).json()) as { stores: Record<string, { requests: number; errors: number; byOp: Record<string, number>; latency: { count: number; buckets: number[]; counts: number[] } }> }
    const orders = stats.stores.orders!
    expect(orders).toMatchObject({ requests: 3, errors: 0, byOp: { put: 3 } })
    expect(orders.latency.count).toBe(3)
    expect(orders.latency.counts.at(-1)).toBe(3)
    expect(orders.latency.buckets.length).toBe(orders.latency.counts.length)
    client.close()
  })

  it('tells the dashboard who the token is and its role on each store (/api/session)', async () => {
    const writer = 'writer-token-0123456789'
    const reader = 'reader-token-0123456789'
    node = await startNode({ port: 0, stores: ['orders', 'audit'], tokens: [{ token: writer, subject: 'ops', stores: { orders: ['write'], '*': ['read'] } }, { token: reader, subject: 'viewer', stores: { audit: 'read' } }] })
    const url = `http://127.0.0.1:${node.port}/api/session`
    const refused = await fetch(url)
    expect(refused.status).toBe(401)
    expect(refused.headers.get('www-authenticate')).toMatch(/Bearer/)
    expect((await fetch(url, { headers: { authorization: 'Bearer not-a-valid-token-at-all' } })).status).toBe(401)
    expect(await (await fetch(url, { headers: { authorization: `Bearer ${writer}` } })).json()).toEqual({ nodeId: node.nodeId, auth: 'required', subject: 'ops', roles: { orders: 'write', audit: 'read' } })
    expect(await (await fetch(url, { headers: { authorization: `Bearer ${reader}` } })).json()).toMatchObject({ subject: 'viewer', roles: { orders: null, audit: 'read' } })
    // The dashboard's files and /health stay open: the page loads, then asks for a token.
    expect((await fetch(`http://127.0.0.1:${node.port}/`)).status).toBe(200)
    expect((await fetch(`http://127.0.0.1:${node.port}/health`)).status).toBe(200)
  })

  it('answers an open node (no authentication) as admin everywhere', async () => {
    node = await startNode({ port: 0, nodeId: 'open1', stores: ['orders'] })
    expect(await (await fetch(`http://127.0.0.1:${node.port}/api/session`)).json()).toEqual({ nodeId: 'open1', auth: 'open', subject: 'anonymous', roles: { orders: 'admin' } })
  })

  it('serves the dashboard at / (or says how to build it) and never a file outside it', async () => {
    node = await startNode({ port: 0 })
    const page = await fetch(`http://127.0.0.1:${node.port}/`)
    expect(page.status).toBe(200)
    expect(page.headers.get('content-type')).toMatch(/text\/html/)
    expect(await page.text()).toMatch(/Clustron/)
    expect((await fetch(`http://127.0.0.1:${node.port}/assets/..%2f..%2fpackage.json`)).status).toBe(404)
    expect((await fetch(`http://127.0.0.1:${node.port}/assets/missing.js`)).status).toBe(404)
  })
})

/** Free loopback ports for a cluster's peers map (each node needs its neighbours' addresses up front). */
async function freePorts(count: number): Promise<number[]> {
  const servers = await Promise.all(Array.from({ length: count }, () => new Promise<Server>((resolve) => {
    const server = createServer()
    server.listen(0, '127.0.0.1', () => resolve(server))
  })))
  const ports = servers.map((server) => (server.address() as AddressInfo).port)
  await Promise.all(servers.map((server) => new Promise((resolve) => server.close(resolve))))
  return ports
}

/** Polls `read` until it returns a value (not undefined), within `timeoutMs`. */
async function eventually<T>(read: () => Promise<T | undefined>, timeoutMs: number, what: string): Promise<T> {
  const deadline = Date.now() + timeoutMs
  for (;;) {
    const value = await read()
    if (value !== undefined) return value
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`)
    await new Promise((resolve) => setTimeout(resolve, 25))
  }
}

describe('a 3-node cluster: replication metrics and request ids in the logs', () => {
  const nodes: ClustronNode[] = []
  const lines = new Map<string, Record<string, unknown>[]>()
  afterEach(async () => {
    await Promise.all(nodes.splice(0).map((one) => one.close()))
  })

  it('counts peer bytes and snapshots, and logs one reqId on the follower that redirects and on the leader', async () => {
    const ports = await freePorts(3)
    const ids = ['r1', 'r2', 'r3']
    const peers = Object.fromEntries(ids.map((id, index) => [id, `127.0.0.1:${ports[index]!}`]))
    for (const [index, id] of ids.entries()) {
      const data = mkdtempSync(join(tmpdir(), `clustron-metrics-${id}-`))
      directories.push(data)
      const captured: Record<string, unknown>[] = []
      lines.set(id, captured)
      const logger = pino({ level: 'debug', base: { nodeId: id } }, { write: (line: string) => void captured.push(JSON.parse(line) as Record<string, unknown>) })
      nodes.push(await startNode({ nodeId: id, port: ports[index]!, data, peers, snapshotEntries: 10, logger }))
    }
    const leader = await eventually(async () => {
      for (const one of nodes) {
        const health = (await (await fetch(`http://127.0.0.1:${one.port}/health`)).json()) as { stores: { default?: { role: string } } }
        if (health.stores.default?.role === 'leader') return one
      }
      return undefined
    }, 10_000, 'a leader')
    const follower = nodes.find((one) => one !== leader)!

    // A write sent to a follower is refused with the leader's address; the client sends it there with the same reqId.
    const { client: atFollower } = await RawClient.connected(follower.port)
    atFollower.send({ type: 'write', id: 1, reqId: 'trace-42', command: { type: 'put', key: 'k', value: value('v') } })
    const refused = await atFollower.answer(1)
    expect(refused).toMatchObject({ type: 'error', error: { code: 'UNAVAILABLE' } })
    atFollower.close()
    const { client: atLeader } = await RawClient.connected(leader.port)
    atLeader.send({ type: 'write', id: 7, reqId: 'trace-42', command: { type: 'put', key: 'k', value: value('v') } })
    expect(await atLeader.answer(7)).toMatchObject({ type: 'result' })
    const followerLine = lines.get(follower.nodeId)!.find((line) => line.reqId === 'trace-42')
    expect(followerLine).toMatchObject({ nodeId: follower.nodeId, reqId: 'trace-42', op: 'put', outcome: 'UNAVAILABLE', leader: `127.0.0.1:${leader.port}` })
    expect(lines.get(leader.nodeId)!.find((line) => line.reqId === 'trace-42')).toMatchObject({ nodeId: leader.nodeId, op: 'put', outcome: 'ok', id: 7 })

    // Enough log entries for a snapshot (every 10 entries): one write at a time, so no two share an entry.
    for (let id = 10; id < 40; id++) {
      atLeader.send({ type: 'write', id, command: { type: 'put', key: `k${id}`, value: value('v') } })
      expect(await atLeader.answer(id)).toMatchObject({ type: 'result' })
    }
    atLeader.close()
    const scrape = async (port: number) => (await fetch(`http://127.0.0.1:${port}/metrics`)).text()
    // The snapshot is taken after the apply that made it due: poll for it.
    const leaderText = await eventually(async () => {
      const text = await scrape(leader.port)
      return (sample(text, 'clustron_snapshot_duration_seconds_count', { store: 'default' }) ?? 0) > 0 ? text : undefined
    }, 10_000, 'a snapshot on the leader')
    expect(sample(leaderText, 'clustron_snapshot_bytes', { store: 'default' })).toBeGreaterThan(0)
    expect(sample(leaderText, 'clustron_peer_bytes_total', { direction: 'out' })).toBeGreaterThan(1_000)
    expect(sample(leaderText, 'clustron_raft_is_leader', { store: 'default' })).toBe(1)
    const term = sample(leaderText, 'clustron_raft_term', { store: 'default' })
    expect(term).toBeGreaterThan(0)
    const commit = sample(leaderText, 'clustron_raft_commit_index', { store: 'default' })!
    // The follower catches up: same term, and it applies what the leader committed.
    const followerText = await eventually(async () => {
      const text = await scrape(follower.port)
      return (sample(text, 'clustron_raft_applied_index', { store: 'default' }) ?? 0) >= commit ? text : undefined
    }, 10_000, 'the follower to apply the writes')
    expect(sample(followerText, 'clustron_raft_term', { store: 'default' })).toBe(term)
    expect(sample(followerText, 'clustron_raft_is_leader', { store: 'default' })).toBe(0)
    expect(sample(followerText, 'clustron_peer_bytes_total', { direction: 'in' })).toBeGreaterThan(1_000)
    expect(sample(followerText, 'clustron_store_keys', { store: 'default' })).toBe(31)
  })
})
