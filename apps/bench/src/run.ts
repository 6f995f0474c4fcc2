import { mkdirSync, mkdtempSync, readdirSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { collectEnvironment } from './environment.js'
import { limits } from './limits.js'
import { baselines, loadTarget } from './load-target.js'
import { loadKeys, seededRandom, withDeadline, type Measurement } from './measure.js'
import { collectGarbage } from './memory.js'
import type { BenchOptions } from './options.js'
import { writeRun } from './output.js'
import { InProcessProfiler } from './profile.js'
import { Progress } from './progress.js'
import { formatBytes, type BenchReport, type CellFailure, type TargetStatus } from './report-model.js'
import { TargetUnavailable, type BenchClient, type BenchTarget } from './target.js'
import { selectWorkloads } from './workloads/index.js'
import { preloadKey } from './workloads/kv.js'
import { missingFor, type CellContext, type Workload } from './workloads/types.js'

export interface RunOutput {
  report: BenchReport
  /** The run's directory under --out: bench.json, bench.md, one SVG per workload, profiles/. */
  directory: string
  files: string[]
}

interface RunningTarget {
  target: BenchTarget
  profileDirectory: string | undefined
  /** Workload names it can run. */
  capable: Set<string>
  /** The value size its preloaded keys have now (undefined: not loaded). */
  preloadedBytes: number | undefined
  preloadFailed: string | undefined
  /** Workloads it has run once (their first cell warms up longer: the JIT has not seen their code yet). */
  warmed: Set<string>
}

interface PlannedCell {
  workload: Workload
  inFlight: number
  valueBytes: number
}

/** How a run can be steered from outside (the CLI's Ctrl-C, tests' fake targets). */
export interface RunHooks {
  /** Aborting ends the run after the cell under way; the report covers what ran. */
  signal?: AbortSignal
  /** Replaces loading `src/targets/<name>.ts` (tests). */
  loadTarget?: typeof loadTarget
}

/** State of a run: what the report is built from. */
class Run {
  readonly measurements: Measurement[] = []
  readonly unsupported: BenchReport['unsupported'] = []
  readonly failures: CellFailure[] = []
  readonly profiles: string[] = []
  readonly notes: string[] = []
  readonly statuses: TargetStatus[] = []
  progress = new Progress(1, { quiet: true })
  /** A scratch directory for the targets' data, removed after the run. */
  scratch = ''

  constructor(
    readonly options: BenchOptions,
    readonly directory: string,
    readonly load: typeof loadTarget,
    readonly signal: AbortSignal | undefined,
  ) {}

  get interrupted(): boolean {
    return this.signal?.aborted === true
  }
}

/**
 * Runs a whole benchmark: starts the targets, runs every cell (workload × in flight × value size)
 * on each target, alternating targets round by round, stops the targets and writes the report.
 */
export async function runBench(options: BenchOptions, hooks: RunHooks = {}): Promise<RunOutput> {
  const startedAt = new Date()
  const workloads = selectWorkloads(options.workloads)
  const directory = join(options.out, startedAt.toISOString().replace(/[:.]/g, '-'))
  mkdirSync(directory, { recursive: true })
  const run = new Run(options, directory, hooks.loadTarget ?? loadTarget, hooks.signal)
  const environment = collectEnvironment()
  run.scratch = mkdtempSync(join(tmpdir(), 'clustron-bench-'))
  const running: RunningTarget[] = []
  try {
    for (const name of options.targets) {
      const started = run.interrupted ? undefined : await startTarget(run, name)
      if (started !== undefined && (await probeCapabilities(run, started, workloads))) running.push(started)
    }
    const cells = planCells(workloads, options)
    const total = cells.reduce((sum, cell) => sum + running.filter((entry) => entry.capable.has(cell.workload.name)).length * roundsOf(cell, options), 0)
    run.progress = new Progress(total, { quiet: options.quiet })
    for (const [index, cell] of cells.entries()) await runCellRounds(run, running, cell, index)
    if (run.interrupted) run.notes.push('The run was interrupted: the cells after the interruption did not run.')
  } finally {
    run.progress.finish()
    for (const entry of running) await stopTarget(run, entry)
    rmSync(run.scratch, { recursive: true, force: true })
  }
  const report: BenchReport = {
    schema: 1,
    startedAt: startedAt.toISOString(),
    finishedAt: new Date().toISOString(),
    command: options.command,
    options: {
      durationMs: options.durationMs,
      warmupMs: options.warmupMs,
      rounds: options.rounds,
      profile: options.profile,
      ...options.settings,
    },
    environment,
    targets: run.statuses,
    workloads: workloads.map((workload) => ({ name: workload.name, description: workload.description, rows: [...(workload.rows ?? [workload.name])] })),
    measurements: run.measurements,
    unsupported: run.unsupported,
    failures: run.failures,
    profiles: run.profiles,
    notes: run.notes,
  }
  return { report, directory, files: writeRun(report, directory) }
}

/** Loads and starts an instance of a target (`instance` names its scratch directory). */
async function launchTarget(run: Run, name: string, instance: string): Promise<RunningTarget> {
  const dataDirectory = join(run.scratch, instance)
  mkdirSync(dataDirectory, { recursive: true })
  const profileDirectory = run.options.profile ? join(run.directory, 'profiles', instance) : undefined
  if (profileDirectory !== undefined) mkdirSync(profileDirectory, { recursive: true })
  const target = await run.load(name, profileDirectory === undefined ? { dataDirectory } : { dataDirectory, profileDirectory })
  const entry: RunningTarget = { target, profileDirectory, capable: new Set(), preloadedBytes: undefined, preloadFailed: undefined, warmed: new Set() }
  try {
    await withDeadline(target.start(), limits.startTimeoutMs, `starting ${name}`)
  } catch (error) {
    await stopTarget(run, entry)
    throw error
  }
  return entry
}

/** Loads and starts one target; undefined (and a status saying why) when it is skipped. */
async function startTarget(run: Run, name: string): Promise<RunningTarget | undefined> {
  const status: TargetStatus = { name, status: 'skipped' }
  const baseline = baselines[name]
  if (baseline !== undefined) status.baseline = baseline
  run.statuses.push(status)
  try {
    if (!run.options.quiet) process.stderr.write(`starting ${name}…\n`)
    const entry = await launchTarget(run, name, name)
    status.status = 'ran'
    const version = await entry.target.version?.().catch(() => undefined)
    if (version !== undefined) status.version = version
    return entry
  } catch (error) {
    const message = error instanceof Error ? error.message : String(error)
    status.message = error instanceof TargetUnavailable ? message : `failed to start: ${message}`
    if (!(error instanceof TargetUnavailable) && !run.options.quiet) console.error(error)
    if (!run.options.quiet) process.stderr.write(`skipping ${name}: ${status.message}\n`)
    return undefined
  }
}

async function stopTarget(run: Run, entry: RunningTarget): Promise<void> {
  await withDeadline(entry.target.stop(), limits.closeTimeoutMs, `stopping ${entry.target.name}`).catch((error: unknown) => {
    run.notes.push(`${entry.target.name}: ${error instanceof Error ? error.message : String(error)}`)
  })
  const directory = entry.profileDirectory
  if (directory === undefined) return
  const files = readdirSync(directory)
  if (files.length === 0) rmSync(directory, { recursive: true, force: true })
  for (const file of files) if (file.endsWith('.cpuprofile')) run.profiles.push(join(directory, file))
}

/**
 * Which workloads a started target's client can run; the others are recorded as n/a. False (the
 * target stopped and marked skipped) when no client can be opened.
 */
async function probeCapabilities(run: Run, entry: RunningTarget, workloads: Workload[]): Promise<boolean> {
  try {
    const client = await withClients(entry.target, async (open) => open())
    for (const workload of workloads) {
      const missing = missingFor(workload, entry.target, client)
      if (missing.length === 0) entry.capable.add(workload.name)
      else for (const row of workload.rows ?? [workload.name]) run.unsupported.push({ target: entry.target.name, workload: row, missing })
    }
    return true
  } catch (error) {
    const status = run.statuses.find((candidate) => candidate.name === entry.target.name)!
    status.status = 'skipped'
    status.message = `started, but no client could connect: ${error instanceof Error ? error.message : String(error)}`
    await stopTarget(run, entry)
    return false
  }
}

/**
 * Cells in run order: the key-value cells grouped by value size (each size is preloaded once per
 * target), then the cells without a value size, then the workloads that run last.
 */
function planCells(workloads: Workload[], options: BenchOptions): PlannedCell[] {
  const cells: PlannedCell[] = []
  for (const workload of workloads) {
    for (const valueBytes of workload.valueSizes(options.settings)) {
      for (const inFlight of workload.inFlight(options.settings)) cells.push({ workload, inFlight, valueBytes })
    }
  }
  const rank = (cell: PlannedCell) => [cell.workload.runsLast === true ? 1 : 0, cell.valueBytes === 0 ? Number.MAX_SAFE_INTEGER : cell.valueBytes]
  return cells
    .map((cell, index) => ({ cell, index }))
    .sort((a, b) => {
      const [lastA, sizeA] = rank(a.cell)
      const [lastB, sizeB] = rank(b.cell)
      return lastA! - lastB! || sizeA! - sizeB! || a.index - b.index
    })
    .map(({ cell }) => cell)
}

const roundsOf = (cell: PlannedCell, options: BenchOptions) => (cell.workload.singleRound === true ? 1 : options.rounds)

/** Runs one cell on every capable target, `rounds` times, alternating the order (A B, B A, ...). */
async function runCellRounds(run: Run, running: RunningTarget[], cell: PlannedCell, cellIndex: number): Promise<void> {
  const capable = running.filter((entry) => entry.capable.has(cell.workload.name))
  if (cell.workload.preload) for (const entry of capable) if (!run.interrupted) await preload(run, entry, cell.valueBytes)
  for (let round = 0; round < roundsOf(cell, run.options); round++) {
    // A B then B A: a linear drift of the machine during the pair hits both targets alike.
    const order = round % 2 === 0 ? capable : [...capable].reverse()
    for (const entry of order) {
      if (run.interrupted) return
      if (cell.workload.freshTarget === true) await runOnFreshInstance(run, entry, cell, round, 7919 * cellIndex + round)
      else await runCell(run, entry, cell, round, 7919 * cellIndex + round)
    }
  }
}

/** Runs a cell on a new instance of the target (started for it, stopped after), e.g. to measure memory from empty. */
async function runOnFreshInstance(run: Run, entry: RunningTarget, cell: PlannedCell, round: number, seed: number): Promise<void> {
  const name = entry.target.name
  let fresh: RunningTarget
  try {
    fresh = await launchTarget(run, name, `${name}-${cell.workload.name}`)
  } catch (error) {
    const message = `a fresh instance did not start: ${error instanceof Error ? error.message : String(error)}`
    run.failures.push({ target: name, workload: cell.workload.name, inFlight: cell.inFlight, valueBytes: cell.valueBytes, round, message })
    run.progress.advance()
    return
  }
  try {
    await runCell(run, fresh, cell, round, seed)
  } finally {
    await stopTarget(run, fresh)
  }
}

async function preload(run: Run, entry: RunningTarget, valueBytes: number): Promise<void> {
  if (entry.preloadedBytes === valueBytes) return
  const { keys } = run.options.settings
  run.progress.step(`preloading ${keys} keys of ${formatBytes(valueBytes)} into ${entry.target.name}`)
  const value = new Uint8Array(valueBytes).fill(98)
  try {
    await withClients(entry.target, async (open) => loadKeys(await open(), keys, preloadKey, () => value))
    entry.preloadedBytes = valueBytes
    entry.preloadFailed = undefined
  } catch (error) {
    entry.preloadedBytes = undefined
    entry.preloadFailed = `preloading ${keys} keys failed: ${error instanceof Error ? error.message : String(error)}`
  }
}

function cellLabel(target: string, cell: PlannedCell, round: number, rounds: number): string {
  const size = cell.valueBytes > 0 ? ` ${formatBytes(cell.valueBytes)}` : ''
  return `${target} ${cell.workload.name} x${cell.inFlight}${size}${rounds > 1 ? ` round ${round + 1}` : ''}`
}

/** Warm-up, then the measured pass (profiled with --profile), bounded in time as a whole. */
async function runCell(run: Run, entry: RunningTarget, cell: PlannedCell, round: number, seed: number): Promise<void> {
  const { options } = run
  const target = entry.target
  const label = cellLabel(target.name, cell, round, roundsOf(cell, options))
  run.progress.step(label)
  const fail = (message: string) => {
    run.failures.push({ target: target.name, workload: cell.workload.name, inFlight: cell.inFlight, valueBytes: cell.valueBytes, round, message })
    run.progress.note(`${label}: ${message}`)
  }
  if (cell.workload.preload && entry.preloadFailed !== undefined) {
    fail(entry.preloadFailed)
    run.progress.advance()
    return
  }
  const firstWarmup = !entry.warmed.has(cell.workload.name)
  entry.warmed.add(cell.workload.name)
  const warmupMs = firstWarmup ? Math.max(options.warmupMs, Math.min(limits.firstWarmupMs, 5 * options.warmupMs)) : options.warmupMs
  const context = (warmup: boolean, client: () => Promise<BenchClient>): CellContext => ({
    target,
    round,
    warmup,
    durationMs: warmup ? warmupMs : options.durationMs,
    inFlight: cell.inFlight,
    valueBytes: cell.valueBytes,
    settings: options.settings,
    random: seededRandom(seed),
    client,
  })
  const profiler = options.profile && target.profiling === 'in-process' ? new InProcessProfiler() : undefined
  const profileFile = join(run.directory, 'profiles', `${label.replace(/[^a-zA-Z0-9]+/g, '-')}.cpuprofile`)
  let abandoned = false
  const measured = async () => {
    if (warmupMs > 0) await withClients(target, (open) => cell.workload.run(context(true, open)))
    // Garbage left by the previous cell (often another target's) is not this cell's to pay for.
    collectGarbage()
    if (profiler !== undefined) {
      mkdirSync(join(run.directory, 'profiles'), { recursive: true })
      await profiler.start()
    }
    const rows = await withClients(target, (open) => cell.workload.run(context(false, open)))
    if (profiler !== undefined) {
      await profiler.stop(profileFile)
      run.profiles.push(profileFile)
    }
    if (!abandoned) run.measurements.push(...rows)
  }
  const boundMs = options.durationMs + warmupMs + limits.cellGraceMs + (cell.workload.extraTimeMs ?? 0)
  try {
    await withDeadline(measured(), boundMs, label)
  } catch (error) {
    abandoned = true
    fail(error instanceof Error ? error.message : String(error))
  } finally {
    await profiler?.stop(undefined)
  }
  run.progress.advance()
}

/** Gives `fn` a way to open clients of `target`, and closes them all afterwards (bounded). */
async function withClients<T>(target: BenchTarget, fn: (open: () => Promise<BenchClient>) => Promise<T>): Promise<T> {
  const clients: BenchClient[] = []
  try {
    return await fn(async () => {
      const client = await target.client()
      clients.push(client)
      return client
    })
  } finally {
    await withDeadline(Promise.allSettled(clients.map((client) => client.close())), limits.closeTimeoutMs, `closing clients of ${target.name}`).catch(() => undefined)
  }
}
