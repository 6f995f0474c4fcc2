/**
 * The seeded whole-cluster simulator (README-simulator.md): the real RaftReplica on fake disks,
 * clocks and network, with faults, a recorded client workload, continuous invariants and
 * end-of-run linearizability and watch checks. `pnpm sim --seed N` replays one run.
 */
export { runSimulation, buildSimulation, type Simulation, type SimulationOptions } from './simulation.js'
export { replayCommand, type SimulationResult } from './result.js'
export { describeFailure, writeFailureReport, defaultReportDir } from './report.js'
export { simulatorLimits } from './limits.js'
export { EventLoop, TraceHash, settle } from './event-loop.js'
export { SimDisk, type DiskObserver, type DiskStats } from './disk.js'
export { LogView, type DiskRecord, type RecoveredLog } from './log-view.js'
export { SimNetwork, calmNetwork, type NetworkConditions } from './network.js'
export { NodeClock, clockEpochMs, type ClockSkew } from './clock.js'
export { Random } from './random.js'
export type { Failure } from './invariants.js'
