import { argument, flag, type CommandSpec } from '../command.js'
import { formatDuration, parseDuration } from '../duration.js'
import { CliFailure, exitCodes } from '../exit-codes.js'
import { renderFields } from '../format.js'
import { notFound } from './kv.js'
import { untilAborted } from './watch.js'

export const leaseGroup = {
  name: 'lease',
  summary: 'grant, inspect and revoke leases',
  description: 'A lease binds keys (put --lease) and locks to a liveness: when it expires or is revoked, its\nkeys are deleted and its locks released, in one revision.',
}

export const leaseGrantCommand: CommandSpec = {
  path: ['lease', 'grant'],
  summary: 'grant a lease and print its id',
  args: [{ name: '<ttl>', required: true }],
  options: {
    'keep-alive': { type: 'boolean', help: 'stay running and renew it every ttl/3; Ctrl-C revokes it (exit 0)' },
  },
  description:
    'Without --keep-alive the lease lives for <ttl> and then expires (with its keys) unless renewed:\nthe id is printed and clustron exits, leaving it to the store. With --keep-alive clustron keeps\nit alive until Ctrl-C, then revokes it; if it is lost meanwhile (the store was unreachable for\nlonger than <ttl>), clustron exits with 4.',
  examples: ['id=$(clustron lease grant 30s) && clustron put workers/me up --lease "$id"', 'clustron lease grant 10s --keep-alive', 'clustron lease grant 5m --json'],
  handlesInterrupt: true,
  async run(context) {
    const ttlMs = parseDuration(argument(context, 0), '<ttl>')
    const keepAlive = flag(context, 'keep-alive')
    const store = await untilAborted(context.store(), context.signal)
    if (store === undefined) return exitCodes.interrupted
    const lease = await store.leases.grant(ttlMs, { keepAlive })
    if (context.globals.json) context.printJson({ id: lease.id, ttlMs: lease.ttlMs })
    else context.print(lease.id)
    if (!keepAlive) {
      // Closing this connection would revoke the lease (the client ends what its handle granted).
      context.detachStore()
      return exitCodes.ok
    }
    if (context.io.stderrIsTTY === true) context.warn(`keeping lease ${lease.id} alive (renewing every ${formatDuration(lease.ttlMs / 3)}); Ctrl-C revokes it`)
    const outcome = await new Promise<'interrupted' | 'lost'>((resolve) => {
      if (context.signal.aborted) resolve('interrupted')
      context.signal.addEventListener('abort', () => resolve('interrupted'), { once: true })
      lease.signal.addEventListener('abort', () => resolve('lost'), { once: true })
    })
    if (outcome === 'lost') {
      const reason = lease.signal.reason instanceof Error ? `: ${lease.signal.reason.message}` : ''
      throw new CliFailure('LEASE_LOST', `lease '${lease.id}' was lost${reason}; its keys are gone — grant a new one`)
    }
    await lease.revoke()
    return exitCodes.ok
  },
}

export const leaseRevokeCommand: CommandSpec = {
  path: ['lease', 'revoke'],
  summary: 'revoke a lease: delete its keys, release its locks',
  args: [{ name: '<id>', required: true }],
  description: 'Exits with 1 if no such lease exists (already expired or revoked).',
  examples: ['clustron lease revoke 7f3a9c', 'clustron lease revoke "$id" || true'],
  async run(context) {
    const id = argument(context, 0)
    const revoked = await (await context.store()).leases.revoke(id)
    if (context.globals.json) context.printJson({ revoked })
    if (!revoked) {
      context.warn(`lease '${id}' not found (expired or revoked already)`)
      return exitCodes.notFound
    }
    if (!context.globals.json) context.print(`revoked lease ${id}`)
    return exitCodes.ok
  },
}

export const leaseInfoCommand: CommandSpec = {
  path: ['lease', 'info'],
  summary: "show a lease's TTL, time left and keys",
  args: [{ name: '<id>', required: true }],
  description: 'Exits with 1 if no such lease exists.',
  examples: ['clustron lease info 7f3a9c', 'clustron lease info 7f3a9c --json | jq .remainingMs'],
  async run(context) {
    const id = argument(context, 0)
    const info = await (await context.store()).leases.info(id)
    if (info === undefined) return notFound(context, `lease '${id}' not found (expired or revoked)`)
    if (context.globals.json) {
      context.printJson({ id: info.id, ttlMs: info.ttlMs, remainingMs: info.remainingMs, keys: info.keys })
      return exitCodes.ok
    }
    const keys = info.keys.length === 0 ? 'none' : `${info.keys.length}: ${info.keys.slice(0, 20).join(', ')}${info.keys.length > 20 ? ', …' : ''}`
    context.print(renderFields([
      ['id', info.id],
      ['ttl', formatDuration(info.ttlMs)],
      ['remaining', formatDuration(info.remainingMs)],
      ['keys', keys],
    ]))
    return exitCodes.ok
  },
}

export const leaseListCommand: CommandSpec = {
  path: ['lease', 'list'],
  summary: 'list the ids of live leases',
  args: [],
  examples: ['clustron lease list', 'clustron lease list --json'],
  async run(context) {
    const ids = await (await context.store()).leases.list()
    if (context.globals.json) context.printJson(ids)
    else if (ids.length > 0) context.print(ids.join('\n'))
    return exitCodes.ok
  },
}
