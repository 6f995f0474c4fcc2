import { connect, type Store } from '@clustron/client'

/**
 * A distributed fixed-window rate limiter: one counter per client and window, bounded by `limit`,
 * with a TTL of one window so old windows clean themselves up. Correct across any number of app
 * instances because the bound is checked atomically in the store.
 */
export class RateLimiter {
  constructor(
    private readonly store: Store,
    private readonly limit: number,
    private readonly windowMs: number,
    private readonly now: () => number = () => Date.now(),
  ) {}

  /** Takes one unit for `client`; false when its window is used up. */
  async take(client: string): Promise<{ allowed: boolean; used: number; resetInMs: number }> {
    const window = Math.floor(this.now() / this.windowMs)
    const key = `ratelimit/${client}/${window}`
    const result = await this.store.counters.add(key, 1, { max: this.limit, ttlMs: this.windowMs })
    const resetInMs = (window + 1) * this.windowMs - this.now()
    return { allowed: result.ok, used: result.value, resetInMs }
  }
}

async function main(): Promise<void> {
  const store = await connect(process.env.CLUSTRON_URL ?? 'inproc://ratelimit')
  const limiter = new RateLimiter(store, 5, 1_000)
  for (let request = 1; request <= 8; request++) {
    const { allowed, used } = await limiter.take('user-42')
    console.log(`request ${request}: ${allowed ? 'allowed' : 'limited'} (${used}/5 this second)`)
  }
  await store.close()
}

if (import.meta.url === `file://${process.argv[1]}`) main().catch((error: unknown) => (console.error(error), process.exit(1)))
