/**
 * Realistic register histories for performance and report tests: clients issue operations back to
 * back with random latencies, each takes effect at a random point inside its interval, and a small
 * share time out (outcome unknown, whether or not it took effect).
 */
import { unknownOutput, type KvInput, type KvOutput, type Operation } from '../../src/checker/index.js'
import { ReferenceStore } from './reference.js'
import { seededRandom } from './support.js'

export interface RegisterWorkload {
  operationCount: number
  keyCount: number
  clientCount: number
  seed: number
  /** Share of operations whose outcome is unknown. */
  unknownRate: number
  latencyMaxMs?: number
}

interface Planned {
  clientId: number
  call: number
  returnTime: number
  point: number
  key: string
  roll: number
  unknown: boolean
  takesEffect: boolean
}

function planOperations(workload: RegisterWorkload, random: () => number): Planned[] {
  const latencyMaxMs = workload.latencyMaxMs ?? 20
  const freeAt = Array.from({ length: workload.clientCount }, () => random() * 5)
  const planned: Planned[] = []
  for (let index = 0; index < workload.operationCount; index++) {
    // The least busy client goes next, so clients interleave as they would under load.
    let clientId = 0
    freeAt.forEach((time, candidate) => {
      if (time < (freeAt[clientId] ?? Infinity)) clientId = candidate
    })
    const call = freeAt[clientId] ?? 0
    const latencyMs = 1 + random() * latencyMaxMs
    const unknown = random() < workload.unknownRate
    planned.push({
      clientId,
      call,
      returnTime: call + latencyMs,
      point: call + random() * latencyMs,
      key: `key-${Math.floor(random() * workload.keyCount)}`,
      roll: random(),
      unknown,
      takesEffect: !unknown || random() < 0.5,
    })
    freeAt[clientId] = call + latencyMs + random() * 3
  }
  return planned
}

function chooseInput(planned: Planned, store: ReferenceStore, random: () => number): KvInput {
  const { key, roll } = planned
  const value = Math.floor(random() * 1000)
  if (roll < 0.5) return { type: 'get', key }
  if (roll < 0.75) return { type: 'put', key, value }
  // A CAS usually aims at the current version, sometimes at a stale one.
  if (roll < 0.9) return { type: 'put', key, value, ifVersion: Math.max(1, store.versionOf(key) - (random() < 0.3 ? 1 : 0)) }
  if (roll < 0.95) return { type: 'put', key, value, ifAbsent: true }
  return { type: 'delete', key }
}

export function generateRegisterHistory(workload: RegisterWorkload): Operation<KvInput, KvOutput>[] {
  const random = seededRandom(workload.seed)
  const planned = planOperations(workload, random)
  const store = new ReferenceStore()
  const byPoint = [...planned].sort((left, right) => left.point - right.point)
  const results = new Map<Planned, Operation<KvInput, KvOutput>>()
  for (const item of byPoint) {
    const input = chooseInput(item, store, random)
    const output = item.takesEffect ? store.apply(input) : undefined
    results.set(item, {
      clientId: item.clientId,
      call: item.call,
      return: item.unknown ? Infinity : item.returnTime,
      input,
      output: item.unknown || output === undefined ? unknownOutput : output,
    })
  }
  return planned.map((item) => results.get(item)!)
}
