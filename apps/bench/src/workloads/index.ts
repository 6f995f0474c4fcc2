import { UsageError } from '../errors.js'
import { casWorkload } from './cas.js'
import { kvWorkloads } from './kv.js'
import { leaseWorkload } from './lease.js'
import { lockWorkload } from './lock.js'
import { memoryWorkload } from './memory.js'
import type { Workload } from './types.js'
import { watchWorkload } from './watch.js'

/** Every workload, in the order they run (memory last: it leaves a million keys behind). */
export const allWorkloads: readonly Workload[] = [...kvWorkloads, casWorkload, lockWorkload, watchWorkload, leaseWorkload, memoryWorkload]

export const workloadNames: readonly string[] = allWorkloads.map((workload) => workload.name)

/** The workloads of a `--workloads` list, in run order; throws on an unknown name, listing the known ones. */
export function selectWorkloads(names: readonly string[]): Workload[] {
  const wanted = new Set(names.includes('all') ? workloadNames : names)
  for (const name of wanted) {
    if (!workloadNames.includes(name)) throw new UsageError(`unknown workload '${name}'; known: ${workloadNames.join(', ')} (or all)`)
  }
  return allWorkloads.filter((workload) => wanted.has(workload.name))
}

