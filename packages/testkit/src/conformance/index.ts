export { describeConformance } from './suite.js'
export { SuiteContext } from './context.js'
export { aborted, deferred, pushTimeoutMs, rejectsWith, take, within } from './helpers.js'
export type { ConformanceTarget, StoreFixture } from './target.js'
