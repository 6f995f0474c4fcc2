import { writeFileSync } from 'node:fs'
import { Session } from 'node:inspector/promises'

/**
 * A CPU profile of the bench process (where the in-process store runs) with node:inspector:
 * start() before a measured cell, stop(file) after it. The file opens in Chrome DevTools
 * (Performance → Load profile) or VS Code, like the output of `node --cpu-prof`.
 */
export class InProcessProfiler {
  #session: Session | undefined

  async start(): Promise<void> {
    const session = new Session()
    session.connect()
    await session.post('Profiler.enable')
    // 100 µs between samples: fine enough for µs-scale operations, cheap enough to keep the shape.
    await session.post('Profiler.setSamplingInterval', { interval: 100 })
    await session.post('Profiler.start')
    this.#session = session
  }

  /** Stops profiling and writes the profile to `file`; does nothing when not started. */
  async stop(file: string | undefined): Promise<void> {
    const session = this.#session
    if (session === undefined) return
    this.#session = undefined
    try {
      const { profile } = await session.post('Profiler.stop')
      if (file !== undefined) writeFileSync(file, JSON.stringify(profile))
    } finally {
      session.disconnect()
    }
  }
}
