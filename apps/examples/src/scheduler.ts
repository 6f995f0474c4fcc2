import { connect, type ElectionTerm, type Store } from '@clustron/client'

/**
 * Leader election for a scheduler: every instance campaigns; the leader runs the periodic task while
 * its term lasts (term.signal), then another instance takes over. Observers see who leads.
 */
export async function runScheduler(store: Store, instance: string, tick: (term: ElectionTerm<string>) => Promise<void>, signal: AbortSignal): Promise<void> {
  while (!signal.aborted) {
    let term: ElectionTerm<string>
    try {
      term = await store.elections.campaign<string>('scheduler', { value: instance, ttlMs: 5_000, signal })
    } catch (error) {
      if (signal.aborted) return
      throw error
    }
    try {
      while (!term.signal.aborted && !signal.aborted) await tick(term)
    } finally {
      await term.resign().catch(() => undefined)
    }
  }
}

async function main(): Promise<void> {
  const store = await connect(process.env.CLUSTRON_URL ?? 'inproc://scheduler')
  const stop = new AbortController()
  const observer = (async () => {
    for await (const leader of store.elections.observe<string>('scheduler', { signal: stop.signal })) console.log(`leader: ${leader?.value ?? '(none)'}`)
  })()
  const instances = ['a', 'b'].map((name) =>
    runScheduler(store, name, async (term) => {
      console.log(`${term.value} runs the job (term token ${term.token})`)
      await new Promise((resolve) => setTimeout(resolve, 200))
      if (Math.random() < 0.3) await term.resign() // hand over now and then
    }, stop.signal),
  )
  setTimeout(() => stop.abort(), 2_000)
  await Promise.all([...instances, observer])
  await store.close()
}

if (import.meta.url === `file://${process.argv[1]}`) main().catch((error: unknown) => (console.error(error), process.exit(1)))
