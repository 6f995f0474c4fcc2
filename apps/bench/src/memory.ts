import { runInNewContext } from 'node:vm'
import { setFlagsFromString } from 'node:v8'
import type { MemoryReading } from './target.js'

let collect: (() => void) | undefined

/**
 * A full garbage collection of the bench process, without starting it with --expose-gc: the flag
 * can be set at run time, and a fresh context then sees `gc`.
 */
export function collectGarbage(): void {
  if (collect === undefined) {
    const exposed = (globalThis as { gc?: () => void }).gc
    if (exposed !== undefined) collect = exposed
    else {
      setFlagsFromString('--expose-gc')
      collect = runInNewContext('gc') as () => void
    }
  }
  collect()
}

/** Memory of the bench process after a full GC: for targets whose store lives in this process. */
export async function benchProcessMemory(): Promise<MemoryReading> {
  collectGarbage()
  const usage = process.memoryUsage()
  return { rssBytes: usage.rss, heapBytes: usage.heapUsed + usage.external }
}
