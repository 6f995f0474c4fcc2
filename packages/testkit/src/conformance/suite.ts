import { describe } from 'vitest'
import { SuiteContext } from './context.js'
import { describeCounters } from './counters.js'
import { describeData } from './data.js'
import { describeElections } from './elections.js'
import { describeLeases } from './leases.js'
import { describeLocks } from './locks.js'
import type { ConformanceTarget } from './target.js'
import { describeTransactions } from './transactions.js'
import { describeWatch } from './watch.js'

/**
 * The API conformance suite (spec §1–§9): one set of tests that every mode must pass. Targets
 * must give each fixture a store with `watchHistoryRevisions: 10` (the history test relies on it).
 */
export function describeConformance(target: ConformanceTarget): void {
  describe(`conformance [${target.name}]`, () => {
    const context = new SuiteContext(target)
    describeData(context)
    describeTransactions(context)
    describeLeases(context)
    describeLocks(context)
    describeCounters(context)
    describeWatch(context)
    describeElections(context)
  })
}
