import { performance } from 'node:perf_hooks'
import type { BenchClient, BenchOperation } from './target.js'

export interface WorkloadSpec {
  workload: string
  operation: BenchOperation
  inFlight: number
  valueBytes: number
  keys: number
  durationMs: number
}

export interface Measurement {
  target: string
  workload: string
  inFlight: number
  valueBytes: number
  operations: number
  durationMs: number
  opsPerSecond: number
  latencyMs: { p50: number; p99: number; p999: number; max: number }
  errors: number
}

/** Latency samples kept per run; past it, reservoir sampling keeps the distribution fair. */
const samplesMax = 200_000

/**
 * Runs one workload against one client for `durationMs`: `inFlight` lanes, each issuing the next
 * operation as soon as its previous one completes (closed loop), recording every latency.
 */
export async function measure(target: string, client: BenchClient, spec: WorkloadSpec, random: () => number): Promise<Measurement> {
  const value = new Uint8Array(spec.valueBytes).fill(97)
  const operation = operationOf(client, spec, value, random)
  const samples = new Float64Array(samplesMax)
  let recorded = 0
  let operations = 0
  let errors = 0
  const started = performance.now()
  const deadline = started + spec.durationMs
  const lane = async () => {
    while (performance.now() < deadline) {
      const before = performance.now()
      try {
        await operation()
      } catch {
        errors++
        continue
      }
      const latency = performance.now() - before
      operations++
      if (recorded < samplesMax) samples[recorded++] = latency
      else {
        const slot = Math.floor(random() * operations)
        if (slot < samplesMax) samples[slot] = latency
      }
    }
  }
  await Promise.all(Array.from({ length: spec.inFlight }, lane))
  const durationMs = performance.now() - started
  const sorted = samples.subarray(0, recorded).sort()
  const at = (quantile: number) => (recorded === 0 ? Number.NaN : sorted[Math.min(recorded - 1, Math.floor(quantile * recorded))]!)
  return {
    target,
    workload: spec.workload,
    inFlight: spec.inFlight,
    valueBytes: spec.valueBytes,
    operations,
    durationMs,
    opsPerSecond: (operations / durationMs) * 1000,
    latencyMs: { p50: at(0.5), p99: at(0.99), p999: at(0.999), max: recorded === 0 ? Number.NaN : sorted[recorded - 1]! },
    errors,
  }
}

function operationOf(client: BenchClient, spec: WorkloadSpec, value: Uint8Array, random: () => number): () => Promise<unknown> {
  const key = () => `k${Math.floor(random() * spec.keys)}`
  switch (spec.operation) {
    case 'put':
      return () => client.put(key(), value)
    case 'get':
      return () => client.get(key())
    case 'getSerializable':
      return () => (client.getSerializable ?? client.get)(key())
    case 'counterAdd':
      return () => client.counterAdd(`c${Math.floor(random() * 1000)}`, 1)
    case 'txn':
      return () => {
        const base = Math.floor(random() * (spec.keys - 4))
        return client.txn!([`k${base}`, `k${base + 1}`, `k${base + 2}`, `k${base + 3}`], value)
      }
  }
}

/** Loads `keys` keys so reads hit (batches of 64 in flight). */
export async function preload(client: BenchClient, keys: number, valueBytes: number): Promise<void> {
  const value = new Uint8Array(valueBytes).fill(98)
  let next = 0
  const lane = async () => {
    while (next < keys) {
      const index = next++
      await client.put(`k${index}`, value)
    }
  }
  await Promise.all(Array.from({ length: 64 }, lane))
}

/** A small seeded PRNG (mulberry32): the same key sequence for every target. */
export function seededRandom(seed: number): () => number {
  let state = seed >>> 0
  return () => {
    state = (state + 0x6d2b79f5) >>> 0
    let t = state
    t = Math.imul(t ^ (t >>> 15), t | 1)
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61)
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296
  }
}
