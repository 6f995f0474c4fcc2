import type { Command } from '@clustron/core/internal'

/**
 * A store's default TTL (per-store config `defaultTtlMs`): puts that name neither a TTL nor a
 * lease — `put`, `putMany` and the puts of a `txn` — get it. Applied where the command is
 * proposed, so every replica applies the same command. Other commands are returned unchanged.
 */
export function withDefaultTtl<C extends Command>(command: C, ttlMs: number): C {
  switch (command.type) {
    case 'put':
    case 'putMany':
      return command.ttlMs === undefined && command.lease === undefined ? { ...command, ttlMs } : command
    case 'txn': {
      const fill = (ops: typeof command.then) => ops.map((op) => (op.op === 'put' && op.ttlMs === undefined && op.lease === undefined ? { ...op, ttlMs } : op))
      return { ...command, then: fill(command.then), else: fill(command.else) }
    }
    default:
      return command
  }
}
