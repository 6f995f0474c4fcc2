import type { StoreReplica } from './store-replica.js'

/**
 * Test and diagnostics access to the bytes of a replica's machine state (StoreMachine.snapshot),
 * outside the StoreReplica interface: the fuzz tests compare a store's state before and after
 * hostile input byte for byte. Reached through `@clustron/server/internal` only.
 */
export const machineSnapshots = new WeakMap<StoreReplica, () => Uint8Array>()
