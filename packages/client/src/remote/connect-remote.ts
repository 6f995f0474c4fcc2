import { UnavailableError, type Store } from '@clustron/core'
import type { RemoteConnectOptions } from '../connect.js'

/** Remote mode arrives with the wire protocol and the node server; until then it fails loudly. */
export async function connectRemote(options: RemoteConnectOptions): Promise<Store> {
  throw new UnavailableError(
    `remote stores are not available in this build (asked for '${options.store}' at ${options.seeds.join(',')}); use inproc://${options.store} for now`,
  )
}
