import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
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
