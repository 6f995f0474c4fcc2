import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { connect, type Store } from '@clustron/client'
import { startNode, type ClustronNode, type NodeOptions } from '@clustron/server'

/** A node on a free loopback port, the URL of its store, and a client of it; `close` ends all. */
export interface TestNode {
  node: ClustronNode
  /** clustron://127.0.0.1:<port>/<store> */
  url: string
  /** CLUSTRON_URL=url, for runCli / spawnCli. */
  env: { CLUSTRON_URL: string }
  /** A client of the same store, to check what a command did. */
  store(): Promise<Store>
  close(): Promise<void>
}

export async function startTestNode(options: NodeOptions & { store?: string } = {}): Promise<TestNode> {
  const { store: storeName = 'default', ...nodeOptions } = options
  const node = await startNode({ port: 0, stores: [storeName], ...nodeOptions })
  const url = `${node.url}/${storeName}`
  let client: Promise<Store> | undefined
  return {
    node,
    url,
    env: { CLUSTRON_URL: url },
    store: () => (client ??= connect(url)),
    async close() {
      if (client !== undefined) await (await client).close().catch(() => undefined)
      await node.close()
    },
  }
}

/** A temporary directory removed by `remove`. */
export function temporaryDirectory(prefix: string): { path: string; remove(): void } {
  const path = mkdtempSync(join(tmpdir(), `clustron-cli-${prefix}-`))
  return { path, remove: () => rmSync(path, { recursive: true, force: true }) }
}
