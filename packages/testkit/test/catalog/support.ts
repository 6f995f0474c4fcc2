import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { ClusterAdmin, connect, type Store } from '@clustron/client'
import { startNode, type ClustronNode } from '@clustron/server'
import { freePorts } from '../../src/ports.js'

/** Polls `check` until it returns something other than undefined/false, or fails after `timeoutMs`. */
export async function eventually<T>(what: string, check: () => T | undefined | false | Promise<T | undefined | false>, timeoutMs = 15_000): Promise<T> {
  const deadline = Date.now() + timeoutMs
  let last: unknown
  for (;;) {
    try {
      const value = await check()
      if (value !== undefined && value !== false) return value
    } catch (error) {
      last = error
    }
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}${last === undefined ? '' : `: ${String(last)}`}`)
    await new Promise((resolve) => setTimeout(resolve, 25))
  }
}

/** Nodes in this process with their own data directories and fast Raft timing; stores come from the catalog. */
export class CatalogCluster {
  readonly nodes = new Map<string, ClustronNode>()
  readonly #closeables: { close(): Promise<void> }[] = []
  peers: Record<string, string> = {}
  readonly directory = mkdtempSync(join(tmpdir(), 'clustron-catalog-'))

  async start(size = 3): Promise<void> {
    const ports = await freePorts(size)
    this.peers = Object.fromEntries(ports.map((port, index) => [`n${index + 1}`, `127.0.0.1:${port}`]))
    await Promise.all(Object.keys(this.peers).map((id) => this.startNode(id)))
  }

  async startNode(id: string): Promise<ClustronNode> {
    const port = Number(this.peers[id]!.split(':')[1])
    const node = await startNode({ nodeId: id, port, data: join(this.directory, id), peers: this.peers, tickMs: 20, electionTicks: 10, clusterSecret: 'a-secret-of-16-chars' })
    this.nodes.set(id, node)
    return node
  }

  async stopNode(id: string): Promise<void> {
    await this.nodes.get(id)?.close()
    this.nodes.delete(id)
  }

  url(store: string, seeds = Object.values(this.peers)): string {
    return `clustron://${seeds.join(',')}/${store}?requestTimeoutMs=15000`
  }

  async admin(seeds?: string[]): Promise<ClusterAdmin> {
    const admin = await ClusterAdmin.connect(this.url('_system', seeds))
    this.#closeables.push(admin)
    return admin
  }

  async client(store: string, seeds?: string[]): Promise<Store> {
    const client = await connect(this.url(store, seeds))
    this.#closeables.push(client)
    return client
  }

  /** Node ids whose health shows `store`, and which of them leads it. */
  hosting(store: string): { ids: string[]; leader: string | undefined } {
    const ids: string[] = []
    let leader: string | undefined
    for (const [id, node] of this.nodes) {
      const health = node.health().stores[store]
      if (health === undefined) continue
      ids.push(id)
      if (health.role === 'leader') leader = id
    }
    return { ids: ids.sort(), leader }
  }

  async close(): Promise<void> {
    await Promise.allSettled(this.#closeables.map((item) => item.close()))
    await Promise.allSettled([...this.nodes.values()].map((node) => node.close()))
    rmSync(this.directory, { recursive: true, force: true })
  }
}
