import { closedLoop } from '../measure.js'
import type { BenchClient, BenchOperation } from '../target.js'
import { measurement, valueOf, type CellContext, type Workload, type WorkloadSettings } from './types.js'

/** Preloaded keys are `k0` .. `k<keys-1>`; every read of a key-value workload hits one of them. */
export const preloadKey = (index: number): string => `k${index}`

/** Counters of the counter workload: spread over this many keys (not one hot key: see cas). */
const counterKeys = 1000

type Step = (client: BenchClient, context: CellContext, value: Uint8Array, tally: { misses: number }) => () => Promise<unknown>

/**
 * A closed-loop key-value workload at `inFlight` over one client: each step is one operation on a
 * random preloaded key, the same sequence for every target of a round.
 */
function kvWorkload(name: string, description: string, needs: BenchOperation[], step: Step): Workload {
  return {
    name,
    description,
    needs,
    preload: true,
    inFlight: (settings: WorkloadSettings) => settings.inFlight,
    valueSizes: (settings: WorkloadSettings) => settings.valueBytes,
    async run(context) {
      const client = await context.client()
      const tally = { misses: 0 }
      const operation = step(client, context, valueOf(context.valueBytes), tally)
      const result = await closedLoop(context.inFlight, context.durationMs, context.random, operation)
      const reads = needs.includes('get') || needs.includes('getSerializable')
      const extra: Record<string, number> = reads ? { misses: tally.misses } : {}
      return [measurement(context, { workload: name, unit: 'ops', extra }, result)]
    },
  }
}

const randomKey = (context: CellContext) => preloadKey(Math.floor(context.random() * context.settings.keys))

/** Reads `fraction` of the time, writes otherwise (Clustron .NET's ReadHeavy = 0.9, Mixed = 0.5). */
const mixed = (readFraction: number): Step => (client, context, value, tally) => async () => {
  const key = randomKey(context)
  if (context.random() < readFraction) {
    if ((await client.get(key)) == null) tally.misses++
  } else await client.put(key, value)
}

export const kvWorkloads: Workload[] = [
  kvWorkload('put', 'put of one random preloaded key', ['put'], (client, context, value) => () => client.put(randomKey(context), value)),
  kvWorkload('get', 'linearizable get of one random preloaded key', ['get'], (client, context, _value, tally) => async () => {
    if ((await client.get(randomKey(context))) == null) tally.misses++
  }),
  kvWorkload('get-serializable', 'serializable (any replica) get of one random preloaded key', ['getSerializable'], (client, context, _value, tally) => async () => {
    if ((await client.getSerializable!(randomKey(context))) == null) tally.misses++
  }),
  kvWorkload('mixed-90-10', '90% get / 10% put on random preloaded keys (ReadHeavy)', ['get', 'put'], mixed(0.9)),
  kvWorkload('mixed-50-50', '50% get / 50% put on random preloaded keys (Mixed)', ['get', 'put'], mixed(0.5)),
  kvWorkload('counter', `counter add +1 on one of ${counterKeys} counters`, ['counterAdd'], (client, context) => () =>
    client.counterAdd!(`c${Math.floor(context.random() * counterKeys)}`, 1),
  ),
  kvWorkload('txn', 'txn of 4 ops: if version(k) > 0 then put 4 adjacent keys', ['txn'], (client, context, value) => () => {
    const base = Math.floor(context.random() * Math.max(1, context.settings.keys - 4))
    return client.txn!([preloadKey(base), preloadKey(base + 1), preloadKey(base + 2), preloadKey(base + 3)], value)
  }),
]
