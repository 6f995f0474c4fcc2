import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { ClusterAdmin } from '@clustron/client'
import { startNode, type ClustronNode } from '@clustron/server'
import { afterEach, describe, expect, it } from 'vitest'
import { rejectsWith } from '../../src/conformance/helpers.js'

describe('store administration and roles', () => {
  let node: ClustronNode | undefined
  const closeables: { close(): Promise<void> }[] = []
  const directory = mkdtempSync(join(tmpdir(), 'clustron-catalog-auth-'))
  afterEach(async () => {
    await Promise.allSettled(closeables.splice(0).map((item) => item.close()))
    await node?.close()
    rmSync(directory, { recursive: true, force: true })
  })

  it('lets readers list and describe, and only admins create and delete', async () => {
    const admin = 'admin-token-0123456789'
    const reader = 'reader-token-0123456789'
    node = await startNode({
      port: 0,
      data: directory,
      tokens: [
        { token: admin, subject: 'ops', stores: { '*': 'admin' } },
        { token: reader, subject: 'viewer', stores: { '*': 'read' } },
      ],
    })
    const url = (token: string) => `${node!.url}/_system?token=${token}`
    const asAdmin = await ClusterAdmin.connect(url(admin))
    const asReader = await ClusterAdmin.connect(url(reader))
    closeables.push(asAdmin, asReader)
    await rejectsWith(asReader.createStore('orders'), 'PERMISSION_DENIED')
    expect((await asAdmin.createStore('orders')).replicas).toEqual(['n1'])
    expect((await asReader.listStores()).map((store) => store.name).sort()).toEqual(['default', 'orders'])
    expect((await asReader.describeStore('orders')).name).toBe('orders')
    await rejectsWith(asReader.deleteStore('orders'), 'PERMISSION_DENIED')
    await asAdmin.deleteStore('orders')
    await rejectsWith(asReader.describeStore('orders'), 'NOT_FOUND')
  })

  it('has no catalog on an in-memory node: an unknown store stays NOT_FOUND', async () => {
    node = await startNode({ port: 0 })
    await rejectsWith(ClusterAdmin.connect(`${node.url}/_system`), 'NOT_FOUND')
  })
})
