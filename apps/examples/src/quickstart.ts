import { connect, type Store } from '@clustron/client'

/**
 * A tour of Clustron in one program: keys with versions, compare-and-set, a lease-bound key, a
 * fair lock with a fencing token, a counter, and a watch. Runs in-process by default; point
 * CLUSTRON_URL at a cluster (clustron://127.0.0.1:7861/default) to run the same code remotely.
 */
export async function tour(store: Store, log: (line: string) => void): Promise<void> {
  const written = await store.put('greeting', { text: 'hello' })
  log(`put greeting → revision ${written.ok ? written.revision : '?'}`)
  const entry = await store.get<{ text: string }>('greeting')
  log(`get greeting → ${JSON.stringify(entry?.value)} (version ${entry?.version})`)

  const stale = await store.put('greeting', { text: 'hi' }, { ifVersion: 99 })
  log(`put with ifVersion 99 → ${stale.ok ? 'ok' : stale.reason}`)

  const watch = store.watch('jobs/', { prefix: true })
  await watch.ready

  const lease = await store.leases.grant(10_000)
  await store.put('workers/me', { pid: 1 }, { lease })
  log(`lease ${lease.id} keeps workers/me alive while this process runs`)

  await store.locks.withLock('jobs', async (lock) => {
    log(`holding lock 'jobs' with fencing token ${lock.token}`)
    await store.put('jobs/1', 'done', { fence: lock })
  })

  const hits = await store.counters.add('hits', 1)
  log(`counter hits → ${hits.value}`)

  for await (const event of watch) {
    log(`watch saw ${event.type} ${event.key} at revision ${event.revision}`)
    break
  }
  await lease.revoke()
  log(`revoked the lease: workers/me is ${(await store.get('workers/me')) === undefined ? 'gone' : 'still there'}`)
}

async function main(): Promise<void> {
  const url = process.env.CLUSTRON_URL ?? 'inproc://quickstart'
  const store = await connect(url)
  console.log(`connected to ${url}`)
  await tour(store, (line) => console.log(`  ${line}`))
  await store.close()
}

if (import.meta.url === `file://${process.argv[1]}`) {
  main().catch((error: unknown) => {
    console.error(error)
    process.exit(1)
  })
}
