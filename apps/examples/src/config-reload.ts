import { connect, type Store } from '@clustron/client'

/**
 * Live configuration: the app reads `config/*` once (initial) and then applies every change as it
 * happens, in order, with no gap — also across reconnects and leader changes (the watch resumes from
 * its last revision).
 */
export class LiveConfig {
  readonly values = new Map<string, unknown>()
  #revision = 0
  readonly #stop = new AbortController()
  readonly ready: Promise<void>
  readonly done: Promise<void>

  constructor(store: Store, onChange: (key: string, value: unknown, revision: number) => void = () => {}) {
    const watch = store.watch('config/', { prefix: true, initial: true, signal: this.#stop.signal })
    this.ready = watch.ready
    this.done = (async () => {
      for await (const event of watch) {
        const key = event.key.slice('config/'.length)
        if (event.type === 'put') this.values.set(key, event.value)
        else this.values.delete(key)
        this.#revision = event.revision
        onChange(key, event.value, event.revision)
      }
    })()
  }

  get revision(): number {
    return this.#revision
  }

  stop(): Promise<void> {
    this.#stop.abort()
    return this.done
  }
}

async function main(): Promise<void> {
  const store = await connect(process.env.CLUSTRON_URL ?? 'inproc://config')
  await store.put('config/feature-x', false)
  const config = new LiveConfig(store, (key, value, revision) => console.log(`config ${key} = ${JSON.stringify(value)} (revision ${revision})`))
  await config.ready
  await store.put('config/feature-x', true)
  await store.put('config/timeout-ms', 2_500)
  await store.delete('config/feature-x')
  await new Promise((resolve) => setTimeout(resolve, 50))
  await config.stop()
  await store.close()
}

if (import.meta.url === `file://${process.argv[1]}`) main().catch((error: unknown) => (console.error(error), process.exit(1)))
