import { assert } from './errors.js'

interface Run {
  startIndex: number
  term: number
}

/**
 * The term of every index in a contiguous range [firstIndex, lastIndex] of the log, kept as runs of equal terms
 * (a term changes only at elections, so a log of millions of entries has a handful of runs). The storage needs
 * terms, not entries: to decide whether a snapshot matches the log (same term at the snapshot's index).
 */
export class TermRuns {
  private runs: Run[] = []
  private first = 0
  private last = -1

  /** The range holds exactly `index` with `term` (a snapshot's last entry, or index 0 with term 0). */
  reset(index: number, term: number): void {
    this.runs = [{ startIndex: index, term }]
    this.first = index
    this.last = index
  }

  isEmpty(): boolean {
    return this.last < this.first
  }

  firstIndex(): number {
    return this.first
  }

  lastIndex(): number {
    return this.last
  }

  /**
   * Records `term` at `index`, dropping every index >= `index` first (a Raft log truncation). `index` may be at
   * most lastIndex() + 1; an index below firstIndex(), or any index when empty, restarts the range there.
   */
  append(index: number, term: number): void {
    if (this.isEmpty() || index < this.first) {
      this.reset(index, term)
      return
    }
    assert(index <= this.last + 1, () => `term runs: index ${index} leaves a gap after ${this.last}`)
    if (index <= this.last) this.truncateFrom(index)
    const lastRun = this.runs[this.runs.length - 1]
    if (lastRun === undefined || lastRun.term !== term) this.runs.push({ startIndex: index, term })
    this.last = index
  }

  /** The term at `index`, or undefined outside [firstIndex(), lastIndex()]. */
  termAt(index: number): number | undefined {
    if (index < this.first || index > this.last) return undefined
    let low = 0
    let high = this.runs.length - 1
    // Binary search for the last run starting at or before index.
    while (low < high) {
      const middle = (low + high + 1) >>> 1
      if (this.runs[middle]!.startIndex <= index) low = middle
      else high = middle - 1
    }
    return this.runs[low]!.term
  }

  /** Forgets indexes below `index`; `index` itself stays (its term is what the next snapshot match needs). */
  compactTo(index: number): void {
    assert(index >= this.first && index <= this.last, () => `term runs: cannot compact to ${index} outside [${this.first}, ${this.last}]`)
    let drop = 0
    while (drop + 1 < this.runs.length && this.runs[drop + 1]!.startIndex <= index) drop++
    this.runs = this.runs.slice(drop)
    this.runs[0]!.startIndex = index
    this.first = index
  }

  private truncateFrom(index: number): void {
    while (this.runs.length > 0 && this.runs[this.runs.length - 1]!.startIndex >= index) this.runs.pop()
    this.last = index - 1
  }
}
