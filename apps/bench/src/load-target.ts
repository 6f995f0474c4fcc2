import { UsageError } from './errors.js'
import { TargetUnavailable, type BenchTarget, type TargetFactory, type TargetOptions } from './target.js'

/** Every target the harness knows: the Clustron modes, then the peers they are compared with. */
export const knownTargets = ['inproc', 'remote', 'cluster3', 'map', 'redis', 'etcd'] as const

/** The peer each Clustron target is compared with in the ratio column (and run next to it). */
export const baselines: Readonly<Record<string, string>> = { inproc: 'map', remote: 'redis', cluster3: 'etcd' }

/** `--targets` names, checked, with `all` expanded and (unless `withPeers` is false) each one's baseline peer added. */
export function resolveTargetNames(names: readonly string[], withPeers: boolean): string[] {
  const expanded = names.includes('all') ? [...knownTargets] : [...names]
  for (const name of expanded) {
    if (!(knownTargets as readonly string[]).includes(name)) throw new UsageError(`unknown target '${name}'; known: ${knownTargets.join(', ')} (or all)`)
  }
  const resolved: string[] = []
  for (const name of expanded) {
    if (!resolved.includes(name)) resolved.push(name)
    const peer = baselines[name]
    if (withPeers && peer !== undefined && !resolved.includes(peer)) resolved.push(peer)
  }
  return resolved
}

/**
 * Loads `src/targets/<name>.ts` and calls its `<name>Target(options)`. A module that is not
 * written yet, or cannot load (a missing dependency), makes the target unavailable, not the run fail.
 */
export async function loadTarget(name: string, options: TargetOptions): Promise<BenchTarget> {
  if (name === 'map') return (await import('./targets/map.js')).mapTarget(options)
  if (name === 'inproc') return (await import('./targets/clustron.js')).inprocTarget(options)
  let module: Record<string, unknown>
  try {
    module = (await import(`./targets/${name}.js`)) as Record<string, unknown>
  } catch (error) {
    const code = (error as { code?: string }).code
    if (code !== 'ERR_MODULE_NOT_FOUND' && code !== 'MODULE_NOT_FOUND') throw error
    const message = (error as Error).message.split('\n')[0] ?? ''
    if (message.includes(`targets/${name}.js`)) throw new TargetUnavailable(`apps/bench/src/targets/${name}.ts is not written yet`, { cause: error })
    throw new TargetUnavailable(`cannot load apps/bench/src/targets/${name}.ts: ${message}`, { cause: error })
  }
  const factory = module[`${name}Target`]
  if (typeof factory !== 'function') throw new Error(`apps/bench/src/targets/${name}.ts exports no ${name}Target()`)
  return (factory as TargetFactory)(options)
}
