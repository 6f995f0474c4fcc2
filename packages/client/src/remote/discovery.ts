import { UnavailableError, type ClustronError } from '@clustron/core'

/**
 * Store discovery (issue 9): a node that does not host the store a client asked for refuses the
 * handshake with UNAVAILABLE naming, in `details.leader`, a node that does (its catalog knows every
 * store's replicas). The client goes there instead of failing, so `clustron://any-seed/orders`
 * finds the nodes of `orders` from any node of the cluster. A store that exists nowhere is refused
 * with NOT_FOUND, which stays final.
 */
export function handshakeRedirect(error: ClustronError): { address: string; error: UnavailableError } | undefined {
  if (error.code !== 'UNAVAILABLE') return undefined
  const address = error.details.leader
  if (typeof address !== 'string' || address.length === 0) return undefined
  return { address, error: new UnavailableError(error.message, { details: { leader: address }, cause: error }) }
}
