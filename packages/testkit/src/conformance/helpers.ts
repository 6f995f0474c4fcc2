import type { Watch, WatchEvent } from '@clustron/core'

/** Upper bound on how long a test waits for something pushed to it before failing (not a sleep). */
export const pushTimeoutMs = 5_000

/** Resolves with `promise`, or rejects if it takes longer than `ms` — a failure bound, never a wait. */
export async function within<T>(promise: Promise<T>, what: string, ms = pushTimeoutMs): Promise<T> {
  let timer: ReturnType<typeof setTimeout> | undefined
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`timed out after ${ms} ms waiting for ${what}`)), ms)
  })
  try {
    return await Promise.race([promise, timeout])
  } finally {
    clearTimeout(timer)
  }
}

/** Takes the next `count` events of a watch. */
export async function take<T>(watch: Watch<T>, count: number): Promise<WatchEvent<T>[]> {
  const iterator = watch[Symbol.asyncIterator]()
  const events: WatchEvent<T>[] = []
  while (events.length < count) {
    const next = await within(iterator.next(), `watch event ${events.length + 1} of ${count}`)
    if (next.done === true) throw new Error(`watch ended after ${events.length} of ${count} events`)
    events.push(next.value)
  }
  return events
}

/** Resolves when `signal` aborts (with its reason). */
export function aborted(signal: AbortSignal): Promise<unknown> {
  if (signal.aborted) return Promise.resolve(signal.reason)
  return new Promise((resolve) => signal.addEventListener('abort', () => resolve(signal.reason), { once: true }))
}

/** Expects `promise` to reject with a ClustronError of `code`; returns the error. */
export async function rejectsWith(promise: Promise<unknown>, code: string): Promise<Error & { code: string }> {
  try {
    await promise
  } catch (error) {
    const typed = error as Error & { code?: string }
    if (typed.code !== code) throw new Error(`expected ${code}, got ${typed.code ?? typed.name}: ${typed.message}`)
    return typed as Error & { code: string }
  }
  throw new Error(`expected ${code}, but it resolved`)
}

/** A pending promise with its resolver, to order steps between concurrent tasks without sleeps. */
export function deferred<T = void>(): { promise: Promise<T>; resolve: (value: T) => void } {
  let resolve!: (value: T) => void
  const promise = new Promise<T>((r) => (resolve = r))
  return { promise, resolve }
}
