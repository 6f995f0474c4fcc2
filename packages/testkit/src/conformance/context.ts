import type { ManualClock, Store } from '@clustron/core'
import { afterEach, beforeEach, it } from 'vitest'
import type { ConformanceTarget, StoreFixture } from './target.js'

/**
 * Per-test state of the conformance suite: a fresh store fixture and a first handle on it.
 * `timeIt` declares a test that drives time through the fixture's ManualClock; targets whose
 * time is real skip it, saying why.
 */
export class SuiteContext {
  #fixture: StoreFixture | undefined
  #store: Store | undefined

  constructor(readonly target: ConformanceTarget) {
    beforeEach(async () => {
      this.#fixture = await target.fixture()
      this.#store = await this.#fixture.connect()
    })
    afterEach(async () => {
      await this.#fixture?.close()
      this.#fixture = undefined
      this.#store = undefined
    })
  }

  get store(): Store {
    if (this.#store === undefined) throw new Error('no store: used outside a test')
    return this.#store
  }

  get fixture(): StoreFixture {
    if (this.#fixture === undefined) throw new Error('no fixture: used outside a test')
    return this.#fixture
  }

  get clock(): ManualClock {
    const clock = this.fixture.clock
    if (clock === undefined) throw new Error(`target ${this.target.name} has no manual clock`)
    return clock
  }

  /** Another handle on the same store, as a second process would have. */
  connect(): Promise<Store> {
    return this.fixture.connect()
  }

  advance(ms: number): Promise<void> {
    return this.fixture.advance(ms)
  }

  /** A test that needs time under the test's control (TTLs, leases, lock deadlines). */
  timeIt(name: string, fn: () => Promise<void>): void {
    if (this.target.manualTime) it(name, fn)
    else it.skip(`${name} [skipped: ${this.target.name} runs on real time; covered by the manual-time targets]`, fn)
  }
}
