import type { CliIo } from './io.js'

/** Cells of the bar. */
const barWidth = 24
/** Redraws at most this often: a terminal is slower than a fast store. */
const redrawIntervalMs = 100

/**
 * A progress bar on stderr, redrawn in place. Only on a terminal (`io.stderrIsTTY`): piped or
 * logged output stays free of carriage returns, and stdout (the command's result) is never touched.
 */
export class ProgressBar {
  readonly #enabled: boolean
  #total: number
  #done = 0
  #drawnAt = Number.NEGATIVE_INFINITY
  #drawn = false
  readonly #startedAt = Date.now()

  constructor(
    private readonly io: CliIo,
    private readonly label: string,
    total: number,
    /** What the counts mean, after "done/total": e.g. (done, total) => `${done}/${total} keys`. */
    private readonly describe: (done: number, total: number) => string,
  ) {
    this.#enabled = io.stderrIsTTY === true
    this.#total = total
  }

  /** A new total (an estimate turned out low). */
  set total(total: number) {
    this.#total = total
  }

  update(done: number): void {
    this.#done = done
    if (!this.#enabled) return
    const now = Date.now()
    if (now - this.#drawnAt < redrawIntervalMs) return
    this.#drawnAt = now
    this.#draw()
  }

  /** Draws the final state and ends the line. */
  finish(): void {
    if (!this.#enabled) return
    this.#draw()
    this.io.stderr('\n')
  }

  /** Clears the bar (before printing something else on stderr, or when stopped early). */
  clear(): void {
    if (!this.#enabled || !this.#drawn) return
    this.io.stderr('\r\u001b[2K')
    this.#drawn = false
  }

  #draw(): void {
    const fraction = this.#total <= 0 ? 1 : Math.min(1, this.#done / this.#total)
    const filled = Math.round(fraction * barWidth)
    const bar = '█'.repeat(filled) + '░'.repeat(barWidth - filled)
    const percent = `${Math.floor(fraction * 100)}%`.padStart(4)
    const elapsed = ((Date.now() - this.#startedAt) / 1_000).toFixed(1)
    this.io.stderr(`\r\u001b[2K${this.label} [${bar}] ${percent}  ${this.describe(this.#done, this.#total)}  ${elapsed}s`)
    this.#drawn = true
  }
}
