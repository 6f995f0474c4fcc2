import type { ClusterAdmin, Member, StoreStatus } from '@clustron/client'
import { argument, flag, type CommandSpec, type Context } from '../command.js'
import { CliFailure, exitCodes, UsageError } from '../exit-codes.js'
import { formatCount, renderFields, renderTable } from '../format.js'

export const statusCommand: CommandSpec = {
  path: ['status'],
  summary: "show the store's revision, keys, leases, locks, leader and members",
  args: [],
  description: 'Also a health check for scripts: exit 0 when the store answers, 3 when it cannot be reached.',
  examples: ['clustron status', 'clustron status --json | jq .leader', 'clustron status --timeout 2s >/dev/null || echo "store down"'],
  async run(context) {
    const status = await (await context.store()).status()
    if (context.globals.json) {
      context.printJson(JSON.parse(JSON.stringify(status)) as Record<string, never>)
      return exitCodes.ok
    }
    context.print(renderFields(statusFields(status)))
    if (status.members !== undefined && status.members.length > 0) {
      context.print('')
      context.print(membersTable(status.members))
    }
    return exitCodes.ok
  },
}

function statusFields(status: StoreStatus): [string, string][] {
  const fields: [string, string][] = [['store', `${status.store} (${status.mode})`]]
  if (status.node !== undefined) fields.push(['node', `${status.node}${status.role === undefined ? '' : ` (${status.role})`}${status.term === undefined ? '' : `, term ${status.term}`}`])
  if (status.leader !== undefined) fields.push(['leader', status.leader])
  fields.push(['revision', `${status.revision}${status.compactRevision > 0 ? ` (history from ${status.compactRevision})` : ''}`])
  if (status.commitIndex !== undefined) fields.push(['log', `commit ${status.commitIndex}, applied ${status.appliedIndex ?? '?'}`])
  fields.push(['keys', formatCount(status.keys)])
  fields.push(['leases', formatCount(status.leases)])
  fields.push(['locks', `${formatCount(status.locks)} held, ${formatCount(status.lockWaiters)} waiting`])
  fields.push(['elections', formatCount(status.elections)])
  return fields
}

function membersTable(members: readonly Member[]): string {
  return renderTable(['ID', 'ADDRESS', 'ROLE', 'MATCH'], members.map((member) => [member.id, member.address, member.role, member.matchIndex === undefined ? '' : String(member.matchIndex)]), { rightAligned: [3] }).trimEnd()
}

function printMembers(context: Context, members: readonly Member[]): void {
  if (context.globals.json) context.printJson(members.map((member) => ({ ...member })))
  else context.print(membersTable(members))
}

/**
 * The admin connection, once the store says it is replicated. A node that keeps its stores in
 * memory has no Raft group: it refuses membership requests with UNAVAILABLE, which the client
 * would retry until --timeout. Asking status first answers at once.
 */
async function replicatedAdmin(context: Context): Promise<ClusterAdmin> {
  const status = await (await context.store()).status()
  if (status.members === undefined) {
    throw new CliFailure('UNAVAILABLE', `store '${status.store}' on node ${status.node ?? '?'} is not replicated (the node keeps it in memory): membership needs nodes started with --data`, exitCodes.unavailable)
  }
  return context.admin()
}

export const membersGroup = {
  name: 'members',
  summary: "list and change the members of the store's Raft group",
  description: 'Changes go to the leader. Add a new node as a learner first (it catches up without voting),\nthen again with --voter to promote it; remove a member before you retire its node.',
}

export const membersListCommand: CommandSpec = {
  path: ['members', 'list'],
  summary: 'list the members with role and replication progress',
  args: [],
  examples: ['clustron members list', 'clustron members list --json'],
  async run(context) {
    printMembers(context, await (await replicatedAdmin(context)).members())
    return exitCodes.ok
  },
}

export const membersAddCommand: CommandSpec = {
  path: ['members', 'add'],
  summary: 'add a node (as a learner, or --voter to add or promote a voter)',
  args: [
    { name: '<id>', required: true },
    { name: '<host:port>', required: true },
  ],
  options: {
    voter: { type: 'boolean', help: 'add as a voting member, or promote a learner that has caught up' },
  },
  description: 'The node must be running with --join (or be a learner already). Prints the new membership.',
  examples: ['clustron members add n4 10.0.0.4:7861', 'clustron members add n4 10.0.0.4:7861 --voter'],
  async run(context) {
    const id = argument(context, 0)
    const address = argument(context, 1)
    if (!/^(\[[0-9a-fA-F:.]+\]|[^:\s]+):\d{1,5}$/.test(address)) throw new UsageError(`<host:port> must look like 10.0.0.4:7861, got '${address}'`)
    printMembers(context, await (await replicatedAdmin(context)).addMember(id, address, { voter: flag(context, 'voter') }))
    return exitCodes.ok
  },
}

export const membersRemoveCommand: CommandSpec = {
  path: ['members', 'remove'],
  summary: 'remove a member; prints the new membership',
  args: [{ name: '<id>', required: true }],
  description: 'Exits with 1 if there is no such member.',
  examples: ['clustron members remove n2'],
  async run(context) {
    const id = argument(context, 0)
    const admin = await replicatedAdmin(context)
    const before = await admin.members()
    if (!before.some((member) => member.id === id)) {
      if (context.globals.json) context.printJson(null)
      context.warn(`no member '${id}' (members: ${before.map((member) => member.id).join(', ')})`)
      return exitCodes.notFound
    }
    printMembers(context, await admin.removeMember(id))
    return exitCodes.ok
  },
}
