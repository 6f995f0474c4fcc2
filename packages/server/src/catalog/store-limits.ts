import { InvalidArgumentError, resolveLimits, type Limits } from '@clustron/core'
import type { StoreConfig } from '@clustron/protocol'

/** A catalog store's limits: the node's, overridden by the store's config (value size, key quota, watch history). */
export function catalogStoreLimits(nodeLimits: Partial<Limits> | undefined, name: string, config: StoreConfig): Limits {
  try {
    return resolveLimits({
      ...nodeLimits,
      ...(config.valueBytesMax === undefined ? {} : { valueBytesMax: config.valueBytesMax }),
      ...(config.keysMax === undefined ? {} : { keysMax: config.keysMax }),
      ...(config.watchHistory === undefined ? {} : { watchHistoryRevisions: config.watchHistory }),
    })
  } catch (error) {
    throw new InvalidArgumentError(`store '${name}': ${(error as Error).message}`)
  }
}
