import { connect, type Lease, type Store } from '@clustron/client'

/**
 * A job queue where each job is done by exactly one worker: a worker takes a job's lock, and writes
 * the job's result with the lock as a fence. A worker that stalls past its lease (GC pause, network
 * stall) loses the lock to another; its late write is rejected by the store, never applied twice.
 */
export interface JobResult {
  job: string
  worker: string
  token: number
}

/** Adds jobs: `jobs/pending/<id>` → payload. */
export async function enqueue(store: Store, jobs: Record<string, unknown>): Promise<void> {
  await store.putMany(Object.entries(jobs).map(([id, payload]): [string, unknown] => [`jobs/pending/${id}`, payload]))
}

/**
 * One worker: takes pending jobs one by one under the job's lock, runs `work`, and records the result
 * fenced by the lock. Returns the jobs this worker completed. Stops when no pending job is left.
 */
export async function runWorker(
  store: Store,
  worker: string,
  work: (job: string, payload: unknown) => Promise<void>,
  options: { lease?: Lease } = {},
): Promise<string[]> {
  const done: string[] = []
  for (;;) {
    const { entries } = await store.list({ prefix: 'jobs/pending/', limit: 16 })
    if (entries.length === 0) return done
    let progressed = false
    for (const entry of entries) {
      const job = entry.key.slice('jobs/pending/'.length)
      // Bound to the worker's lease when it has one: if the worker stalls, its lease and its locks go.
      const lock = await store.locks.tryAcquire(`jobs/${job}`, options.lease === undefined ? { ttlMs: 5_000 } : { lease: options.lease })
      if (lock === undefined) continue // another worker has it
      try {
        // Still pending? (Another worker may have finished it between our list and our lock.)
        const pending = await store.get(entry.key)
        if (pending === undefined) continue
        const doneKey = `jobs/done/${job}`
        if ((await store.get(doneKey)) !== undefined) {
          await store.delete(entry.key)
          continue
        }
        await work(job, pending.value)
        const result: JobResult = { job, worker, token: lock.token }
        // Fenced and only once: applied only while this lock is held with this token, and only by the
        // first worker to finish. A worker that stalled past its lease is refused here.
        const stored = await store.put(doneKey, result, { fence: lock, ifAbsent: true })
        if (stored.ok) {
          done.push(job)
          progressed = true
        }
        if (stored.ok || stored.reason === 'exists') await store.delete(entry.key)
        else if (stored.reason === 'fenced') return done // this worker lost its lease: it must stop
      } finally {
        await lock.release()
      }
    }
    if (!progressed && entries.length > 0) {
      // Every listed job is locked by someone else: let them finish.
      await new Promise((resolve) => setTimeout(resolve, 10))
    }
  }
}

async function main(): Promise<void> {
  const url = process.env.CLUSTRON_URL ?? 'inproc://jobs'
  const store = await connect(url)
  await enqueue(store, Object.fromEntries(Array.from({ length: 20 }, (_, index) => [`job-${index}`, { n: index }])))
  const results = await Promise.all(['alpha', 'beta', 'gamma'].map((worker) => runWorker(store, worker, async () => {})))
  for (const [index, jobs] of results.entries()) console.log(`worker ${['alpha', 'beta', 'gamma'][index]} did ${jobs.length} jobs: ${jobs.join(', ')}`)
  await store.close()
}

if (import.meta.url === `file://${process.argv[1]}`) main().catch((error: unknown) => (console.error(error), process.exit(1)))
