import { randomBytes } from 'node:crypto'
import type { Store } from '@clustron/client'
import { durationOption, integerOption, type CommandSpec, type Context } from '../command.js'
import { formatDuration } from '../duration.js'
import { exitCodes, UsageError } from '../exit-codes.js'
import { formatCount, renderTable } from '../format.js'
import { ProgressBar } from '../progress.js'

/** Latency samples kept per phase (reservoir-sampled beyond this): bounds memory on fast stores. */
const samplesMax = 200_000
/** Where bench keys live; each run uses its own sub-prefix and deletes it afterwards. */
const benchPrefix = '__clustron_bench/'
const phases = [
  { op: 'put', inFlight: 1 },
  { op: 'put', inFlight: 64 },
  { op: 'get', inFlight: 1 },
  { op: 'get', inFlight: 64 },
] as const

interface PhaseResult {
  op: 'put' | 'get'
  inFlight: number
  ops: number
  errors: number
  opsPerSecond: number
  p50Ms: number
  p99Ms: number
}

export const benchCommand: CommandSpec = {
  path: ['bench'],
  summary: 'measure put/get throughput and latency against the store',
  args: [],
  options: {
    duration: { type: 'string', value: '<duration>', help: 'length of each of the 4 phases (default 3s)' },
    keys: { type: 'string', value: '<n>', help: 'distinct keys written and read (default 1000)' },
    'value-size': { type: 'string', value: '<bytes>', help: 'size of each value (default 100)' },
  },
  description: `Runs put and get with 1 and with 64 requests in flight, each for --duration, and prints
ops/s and p50/p99 latency. It writes keys under ${benchPrefix}<run>/ in the target store and deletes
them at the end. A quick health check of a deployment, not a benchmark suite (see apps/bench).`,
  examples: ['clustron bench', 'clustron bench --duration 10s --value-size 1024', 'clustron --url clustron://10.0.0.1:7861/default bench --json'],
  handlesInterrupt: true,
  async run(context) {
    const durationMs = durationOption(context, 'duration') ?? 3_000
    if (durationMs < 1) throw new UsageError('--duration must be at least 1ms')
    const keyCount = integerOption(context, 'keys', { min: 1 }) ?? 1_000
    if (keyCount > 10_000) throw new UsageError('--keys must be at most 10000 (they are written in one batch first)')
    const valueBytes = integerOption(context, 'value-size', { min: 0 }) ?? 100
    if (valueBytes > 512 * 1024) throw new UsageError('--value-size must be at most 524288 (512 KiB)')
    const store = await context.store()
    const prefix = `${benchPrefix}${randomBytes(4).toString('hex')}/`
    const keys = Array.from({ length: keyCount }, (_, index) => `${prefix}${index}`)
    const value = 'x'.repeat(valueBytes)
    const bar = new ProgressBar(context.io, 'bench', phases.length * durationMs, (done, total) => `${formatDuration(done)}/${formatDuration(total)}`)
    const results: PhaseResult[] = []
    try {
      // Every key exists before the get phases: a get of a missing key is a different (cheaper) operation.
      await store.putMany(keys.map((key): [string, unknown] => [key, value]))
      for (const [index, phase] of phases.entries()) {
        if (context.signal.aborted) break
        results.push(await runPhase(context, store, phase, keys, value, durationMs, (elapsedMs) => bar.update(index * durationMs + elapsedMs)))
        // The ticker samples every 100 ms: a finished phase counts whole, so the bar ends at 100%.
        bar.update((index + 1) * durationMs)
      }
    } finally {
      await store.clear({ prefix }).catch((error: unknown) => context.warn(`could not delete the bench keys under ${prefix}: ${(error as Error).message}`))
    }
    if (context.signal.aborted) {
      bar.clear()
      return exitCodes.interrupted
    }
    bar.finish()
    print(context, results, { durationMs, keyCount, valueBytes })
    return exitCodes.ok
  },
}

async function runPhase(context: Context, store: Store, phase: (typeof phases)[number], keys: string[], value: string, durationMs: number, progress: (elapsedMs: number) => void): Promise<PhaseResult> {
  const samples: number[] = []
  let ops = 0
  let errors = 0
  let firstError: unknown
  const startedAt = performance.now()
  const deadline = startedAt + durationMs
  const ticker = setInterval(() => progress(Math.min(durationMs, performance.now() - startedAt)), 100)
  const worker = async () => {
    while (performance.now() < deadline && !context.signal.aborted) {
      const key = keys[Math.floor(Math.random() * keys.length)]!
      const sentAt = performance.now()
      try {
        if (phase.op === 'put') await store.put(key, value)
        else await store.get(key)
      } catch (error) {
        errors++
        firstError ??= error
        continue
      }
      const latencyMs = performance.now() - sentAt
      ops++
      if (samples.length < samplesMax) samples.push(latencyMs)
      else {
        const slot = Math.floor(Math.random() * ops)
        if (slot < samplesMax) samples[slot] = latencyMs
      }
    }
  }
  try {
    await Promise.all(Array.from({ length: phase.inFlight }, worker))
  } finally {
    clearInterval(ticker)
  }
  if (ops === 0 && firstError !== undefined) throw firstError
  const elapsedMs = performance.now() - startedAt
  samples.sort((a, b) => a - b)
  return { op: phase.op, inFlight: phase.inFlight, ops, errors, opsPerSecond: (ops * 1_000) / elapsedMs, p50Ms: percentile(samples, 0.5), p99Ms: percentile(samples, 0.99) }
}

function percentile(sorted: number[], fraction: number): number {
  if (sorted.length === 0) return 0
  return sorted[Math.min(sorted.length - 1, Math.ceil(fraction * sorted.length) - 1)]!
}

function print(context: Context, results: PhaseResult[], settings: { durationMs: number; keyCount: number; valueBytes: number }): void {
  if (context.globals.json) {
    const round = (value: number) => Math.round(value * 1_000) / 1_000
    context.printJson({ ...settings, results: results.map((result) => ({ ...result, opsPerSecond: round(result.opsPerSecond), p50Ms: round(result.p50Ms), p99Ms: round(result.p99Ms) })) })
    return
  }
  const latency = (ms: number) => (ms < 10 ? `${ms.toFixed(2)}ms` : formatDuration(ms))
  const rows = results.map((result) => [result.op, String(result.inFlight), formatCount(result.opsPerSecond), latency(result.p50Ms), latency(result.p99Ms), formatCount(result.ops), String(result.errors)])
  context.print(renderTable(['OP', 'IN FLIGHT', 'OPS/S', 'P50', 'P99', 'OPS', 'ERRORS'], rows, { rightAligned: [1, 2, 3, 4, 5, 6] }).trimEnd())
  context.print(`${formatDuration(settings.durationMs)} per phase, ${formatCount(settings.keyCount)} keys, ${settings.valueBytes}-byte values`)
}
