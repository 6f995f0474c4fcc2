/** @clustron/testkit — private test infrastructure: conformance suite, checkers, simulator, fault tools. */
export { describeConformance, SuiteContext, aborted, deferred, pushTimeoutMs, rejectsWith, take, within } from './conformance/index.js'
export type { ConformanceTarget, StoreFixture } from './conformance/index.js'
