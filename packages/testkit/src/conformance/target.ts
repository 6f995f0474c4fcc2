import type { ManualClock, Store } from '@clustron/core'

/**
 * A mode under test. The conformance suite runs every test against each target (inproc, a node
 * started in-process, a node as a child process); a test that needs something a target cannot
 * offer (time driven by a ManualClock) is skipped for it with the reason printed.
 */
export interface ConformanceTarget {
  readonly name: string
  /** Whether `fixture().clock` drives the store's time (TTLs, leases, lock deadlines). */
  readonly manualTime: boolean
  /** A fresh, empty store and a way to open handles on it. */
  fixture(): Promise<StoreFixture>
}

export interface StoreFixture {
  /** Drives the store's time when the target has manualTime. */
  readonly clock: ManualClock | undefined
  /** A new handle on the fixture's store (as another process would open). */
  connect(): Promise<Store>
  /** Advances time by `ms`, then waits until the store has processed what fell due. */
  advance(ms: number): Promise<void>
  /** Closes every handle opened and drops the store. */
  close(): Promise<void>
}
