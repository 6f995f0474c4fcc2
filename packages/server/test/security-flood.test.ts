import { mkdirSync, writeFileSync } from 'node:fs'
import { connect as tcpConnect, type Socket } from 'node:net'
import { closeCodes } from '@clustron/protocol'
import { afterEach, describe, expect, it } from 'vitest'
import WebSocket from 'ws'
import { startNode, type ClustronNode } from '../src/index.js'
import { RawClient, value } from './support/raw-client.js'

/**
 * Hostile clients on loopback, bounded in count and time: many half-open connections (slow-loris)
 * and a client that floods requests but never reads. The node's memory stays bounded and another
 * client's latency stays low; the figures are written to test-results/flood-figures.json.
 */
let node: ClustronNode | undefined
const sockets: Socket[] = []
afterEach(async () => {
  for (const socket of sockets.splice(0)) socket.destroy()
  await node?.close()
  node = undefined
})

const figures: Record<string, unknown> = {}
function record(name: string, values: Record<string, number>): void {
  figures[name] = values
  mkdirSync('test-results', { recursive: true })
  writeFileSync('test-results/flood-figures.json', JSON.stringify(figures, null, 2) + '\n')
}

const mb = (bytes: number) => Math.round((bytes / 1_048_576) * 10) / 10

/** Round trips of `count` pings, one after another, while `sample` runs after each (memory). */
async function pingLatencies(client: RawClient, count: number, firstId: number, sample: () => void): Promise<number[]> {
  const latencies: number[] = []
  for (let index = 0; index < count; index++) {
    const startedAt = performance.now()
    client.send({ type: 'ping', id: firstId + index })
    await client.answer(firstId + index)
    latencies.push(performance.now() - startedAt)
    sample()
  }
  return latencies
}

/** The latency bound under attack: 250 ms, or five times the p99 measured just before on this (possibly busy) machine. */
const latencyBoundMs = (baseline: number[]) => Math.max(250, 5 * percentile(baseline, 99))

function percentile(values: number[], p: number): number {
  const sorted = [...values].sort((a, b) => a - b)
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))]!
}

/** Polls `condition` until it holds or `ms` pass (then fails naming `what`). */
async function until(condition: () => boolean, what: string, ms = 15_000): Promise<void> {
  const deadline = Date.now() + ms
  while (!condition()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`)
    await new Promise((resolve) => setTimeout(resolve, 20))
  }
}

describe('slow-loris and flood', () => {
  it('slow-loris: hundreds of half-open connections are cut at the handshake timeout; memory stays bounded, another client stays fast', async () => {
    node = await startNode({ port: 0, limits: { handshakeTimeoutMs: 1_000 } })
    const port = node.port
    const { client: witness } = await RawClient.connected(port)
    const baseline = await pingLatencies(witness, 50, 1, () => undefined)
    const rssBefore = process.memoryUsage().rss
    let rssPeak = rssBefore
    const sample = () => (rssPeak = Math.max(rssPeak, process.memoryUsage().rss))

    // 300 sockets that send part of an HTTP request and stop; 100 WebSockets that never say hello.
    const partial = 300
    const silent = 100
    let closedPartial = 0
    await Promise.all(
      Array.from(
        { length: partial },
        () =>
          new Promise<void>((resolve, reject) => {
            const socket = tcpConnect(port, '127.0.0.1', () => {
              socket.write('GET /v1/client HTTP/1.1\r\nHost: 127.0.0.1\r\nUpgrade: websocket\r\n')
              resolve()
            })
            socket.on('error', () => undefined)
            socket.once('error', reject)
            socket.on('close', () => closedPartial++)
            sockets.push(socket)
          }),
      ),
    )
    const quiet = await Promise.all(
      Array.from({ length: silent }, async () => {
        const socket = new WebSocket(`ws://127.0.0.1:${port}/v1/client`)
        const closed = new Promise<number>((resolve) => socket.on('close', (code) => resolve(code)))
        socket.on('error', () => undefined)
        await new Promise<void>((resolve, reject) => {
          socket.once('open', () => resolve())
          socket.once('error', reject)
        })
        return closed
      }),
    )
    sample()
    const during = await pingLatencies(witness, 200, 100, sample)
    // Every half-open connection is dropped by the node (headers timeout / handshake timeout).
    const codes = await Promise.all(quiet)
    expect(new Set(codes)).toEqual(new Set([closeCodes.handshakeTimeout]))
    await until(() => closedPartial === partial, `the node to drop all ${partial} partial requests (dropped ${closedPartial})`)
    // The witness was never cut off and kept its latency.
    witness.send({ type: 'ping', id: 9_999 })
    expect(await witness.answer(9_999)).toMatchObject({ type: 'result' })
    const p99 = percentile(during, 99)
    const rssGrowth = rssPeak - rssBefore
    record('slowLoris', { halfOpenHttp: partial, silentWebSockets: silent, baselineP99Ms: percentile(baseline, 99), p50Ms: percentile(during, 50), p99Ms: p99, rssBeforeMB: mb(rssBefore), rssPeakMB: mb(rssPeak), rssGrowthMB: mb(rssGrowth) })
    expect(p99).toBeLessThan(latencyBoundMs(baseline))
    expect(rssGrowth).toBeLessThan(100 * 1_048_576)
    witness.close()
  })

  it('flood: a client that sends requests with large answers and never reads is cut off (SLOW_CONSUMER) with bounded memory; others keep their latency', async () => {
    node = await startNode({ port: 0, limits: { frameBytesMax: 1_048_576, valueBytesMax: 512 * 1024 } })
    const port = node.port
    const { client: writer } = await RawClient.connected(port)
    writer.send({ type: 'write', id: 1, command: { type: 'put', key: 'big', value: value('x'.repeat(500_000)) } })
    expect(await writer.answer(1)).toMatchObject({ type: 'result' })
    const { client: witness } = await RawClient.connected(port)
    const baseline = await pingLatencies(witness, 50, 1, () => undefined)
    const rssBefore = process.memoryUsage().rss
    let rssPeak = rssBefore

    const { client: flooder } = await RawClient.connected(port)
    const tcp = (flooder.socket as unknown as { _socket: Socket })._socket
    tcp.pause()
    // 400 reads of a 500 KB value: 200 MB of answers if the node kept them all for this client.
    const requests = 400
    for (let index = 0; index < requests; index += 20) {
      flooder.send(...Array.from({ length: 20 }, (_, offset) => ({ type: 'read', id: index + offset + 1, query: { type: 'get', key: 'big' } })))
    }
    const sample = () => (rssPeak = Math.max(rssPeak, process.memoryUsage().rss))
    const during = await pingLatencies(witness, 200, 100, sample)
    // Let the flooder read again: it finds the answers the node sent before giving up, then the close.
    tcp.resume()
    const closed = await flooder.closed
    sample()
    expect(closed.code).toBe(closeCodes.slowConsumer)
    const answered = flooder.messages.filter((message) => message.type === 'result').length
    expect(answered).toBeLessThan(requests)
    // The node still serves everyone else.
    witness.send({ type: 'read', id: 9_999, query: { type: 'count' } })
    expect(await witness.answer(9_999)).toMatchObject({ type: 'result', result: 1 })
    const p99 = percentile(during, 99)
    const rssGrowth = rssPeak - rssBefore
    record('flood', { requests, answersBeforeCut: answered, answerBytes: 500_000, baselineP99Ms: percentile(baseline, 99), p50Ms: percentile(during, 50), p99Ms: p99, rssBeforeMB: mb(rssBefore), rssPeakMB: mb(rssPeak), rssGrowthMB: mb(rssGrowth) })
    expect(p99).toBeLessThan(latencyBoundMs(baseline))
    expect(rssGrowth).toBeLessThan(150 * 1_048_576)
    witness.close()
    writer.close()
  })
})
