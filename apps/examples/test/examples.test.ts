import { connect, ManualClock, type Store } from '@clustron/client'
import { afterEach, describe, expect, it } from 'vitest'
import { LiveConfig } from '../src/config-reload.js'
import { enqueue, runWorker, type JobResult } from '../src/job-queue.js'
import { RateLimiter } from '../src/rate-limiter.js'
import { runScheduler } from '../src/scheduler.js'

let sequence = 0
const stores: Store[] = []
async function open(clock?: ManualClock): Promise<Store> {
  const name = `examples-${process.pid}-${++sequence}`
  const store = await connect(clock === undefined ? `inproc://${name}` : { mode: 'inproc', store: name, clock })
  stores.push(store)
  return store
}
afterEach(async () => {
  await Promise.all(stores.splice(0).map((store) => store.close()))
})

describe('job queue (locks + fencing)', () => {
  it('three workers complete every job exactly once', async () => {
    const store = await open()
    await enqueue(store, Object.fromEntries(Array.from({ length: 30 }, (_, index) => [`j${index}`, index])))
    const done = await Promise.all(['a', 'b', 'c'].map((worker) => runWorker(store, worker, async () => {})))
    const all = done.flat()
    expect(all).toHaveLength(30)
    expect(new Set(all).size).toBe(30)
    expect(await store.count({ prefix: 'jobs/pending/' })).toBe(0)
    expect(await store.count({ prefix: 'jobs/done/' })).toBe(30)
  })

  it('a worker that stalls past its lease cannot record the job: the fence refuses it', async () => {
    const clock = new ManualClock()
    const store = await open(clock)
    await enqueue(store, { slow: 1 })
    // The stalled worker's lease is not renewed while it is stopped (a GC pause, SIGSTOP).
    const stalledLease = await store.leases.grant(2_000, { keepAlive: false })
    let rivalDid: string[] = []
    const stalledDid = await runWorker(
      store,
      'stalled',
      async () => {
        clock.advance(2_000) // the pause outlasts the lease: the store expires it and frees the job's lock
        rivalDid = await runWorker(store, 'rival', async () => {})
      },
      { lease: stalledLease },
    )
    expect(rivalDid).toEqual(['slow'])
    expect(stalledDid).toEqual([])
    expect((await store.get<JobResult>('jobs/done/slow'))!.value.worker).toBe('rival')
  })
})

describe('rate limiter (counters with TTL)', () => {
  it('allows `limit` per window, then limits, then resets with the window', async () => {
    const clock = new ManualClock(1_000_000)
    const store = await open(clock)
    const limiter = new RateLimiter(store, 3, 1_000, () => clock.now())
    const first = await Promise.all([1, 2, 3, 4].map(() => limiter.take('u')))
    expect(first.map((result) => result.allowed)).toEqual([true, true, true, false])
    expect(await limiter.take('other')).toMatchObject({ allowed: true, used: 1 })
    clock.advance(1_000)
    expect(await limiter.take('u')).toMatchObject({ allowed: true, used: 1 })
    // The old window's counter expired with its TTL.
    expect(await store.count({ prefix: 'ratelimit/u/' })).toBe(1)
  })
})

describe('live config (watch)', () => {
  it('starts from the current values and applies every change in order', async () => {
    const store = await open()
    await store.putMany({ 'config/a': 1, 'config/b': 'x' })
    const seen: string[] = []
    const config = new LiveConfig(store, (key, value) => seen.push(`${key}=${JSON.stringify(value)}`))
    await config.ready
    await store.put('config/a', 2)
    await store.delete('config/b')
    await store.put('config/c', true)
    const revision = (await store.status()).revision
    while (config.revision < revision) await new Promise((resolve) => setImmediate(resolve))
    expect(seen).toEqual(['a=1', 'b="x"', 'a=2', 'b=undefined', 'c=true'])
    expect(Object.fromEntries(config.values)).toEqual({ a: 2, c: true })
    await config.stop()
  })
})

describe('scheduler (elections)', () => {
  it('one instance leads at a time and hands over when it resigns', async () => {
    const store = await open()
    const stop = new AbortController()
    const leaders: string[] = []
    const observed: (string | undefined)[] = []
    const observer = (async () => {
      for await (const leader of store.elections.observe<string>('scheduler', { signal: stop.signal })) observed.push(leader?.value)
    })()
    let ticks = 0
    const run = (name: string) =>
      runScheduler(store, name, async (term) => {
        leaders.push(term.value)
        ticks++
        if (ticks >= 4) stop.abort()
        else await term.resign()
      }, stop.signal)
    await Promise.all([run('a'), run('b'), observer])
    // Leadership alternated between the two instances (FIFO queue of candidates).
    expect(leaders.slice(0, 4)).toEqual(['a', 'b', 'a', 'b'])
    expect(observed.filter((value) => value !== undefined).slice(0, 2)).toEqual(['a', 'b'])
  })
})
