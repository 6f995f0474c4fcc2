import { performance } from 'node:perf_hooks'

/**
 * A progress bar on stderr: `[#####.....] 12/72 0:41 left  inproc put x64 100 B`. On a terminal it
 * redraws one line; otherwise (CI, tests) it prints a line per step only when `verbose`.
 */
export class Progress {
  readonly #total: number
  readonly #started = performance.now()
  readonly #interactive: boolean
  readonly #quiet: boolean
  #done = 0

  constructor(total: number, options: { quiet: boolean }) {
    this.#total = Math.max(1, total)
    this.#quiet = options.quiet
    this.#interactive = process.stderr.isTTY === true
  }

  /** Shows `label` as the step under way. */
  step(label: string): void {
    this.#draw(label)
  }

  /** Counts one step done. */
  advance(): void {
    this.#done = Math.min(this.#total, this.#done + 1)
  }

  /** A message above the bar (skipped targets, failed cells). */
  note(message: string): void {
    if (this.#quiet) return
    process.stderr.write(this.#interactive ? `\r\x1b[K${message}\n` : `${message}\n`)
  }

  finish(): void {
    if (!this.#quiet && this.#interactive) process.stderr.write('\r\x1b[K')
  }

  #draw(label: string): void {
    if (this.#quiet) return
    const width = 30
    const filled = Math.round((this.#done / this.#total) * width)
    const elapsedMs = performance.now() - this.#started
    const left = this.#done === 0 ? '' : ` ${clock((elapsedMs / this.#done) * (this.#total - this.#done))} left`
    const line = `[${'#'.repeat(filled)}${'.'.repeat(width - filled)}] ${this.#done}/${this.#total}${left}  ${label}`
    const columns = process.stderr.columns ?? 120
    if (this.#interactive) process.stderr.write(`\r\x1b[K${line.slice(0, columns - 1)}`)
    else process.stderr.write(`${line}\n`)
  }
}

function clock(ms: number): string {
  const seconds = Math.round(ms / 1000)
  return `${Math.floor(seconds / 60)}:${String(seconds % 60).padStart(2, '0')}`
}
