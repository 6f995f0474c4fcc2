import { argument, type CommandSpec, type GroupSpec } from '../command.js'
import { completionScript, shells, type Shell } from '../completion.js'
import { exitCodes } from '../exit-codes.js'
import { benchCommand } from './bench.js'
import { membersAddCommand, membersGroup, membersListCommand, membersRemoveCommand, statusCommand } from './cluster.js'
import { counterAddCommand, counterGetCommand, counterGroup, counterSetCommand } from './counter.js'
import { delCommand, getCommand, listCommand, putCommand } from './kv.js'
import { leaseGrantCommand, leaseGroup, leaseInfoCommand, leaseListCommand, leaseRevokeCommand } from './lease.js'
import { lockCommand } from './lock.js'
import { snapshotGroup, snapshotRestoreCommand, snapshotSaveCommand } from './snapshot.js'
import { txnCommand } from './txn.js'
import { watchCommand } from './watch.js'

const completionCommand: CommandSpec = {
  path: ['completion'],
  summary: 'print a shell completion script',
  args: [{ name: '<shell>', required: true, choices: shells }],
  description: 'Completes commands, subcommands, options, and file names where a command takes a file.',
  examples: ['source <(clustron completion bash)', 'clustron completion zsh > "${fpath[1]}/_clustron"', 'clustron completion fish > ~/.config/fish/completions/clustron.fish'],
  run(context) {
    context.io.stdout(completionScript(argument(context, 0) as Shell, commands, groups))
    return Promise.resolve(exitCodes.ok)
  },
}

/** Every command, in the order help lists them. */
export const commands: readonly CommandSpec[] = [
  getCommand,
  putCommand,
  delCommand,
  listCommand,
  watchCommand,
  txnCommand,
  lockCommand,
  leaseGrantCommand,
  leaseRevokeCommand,
  leaseInfoCommand,
  leaseListCommand,
  counterAddCommand,
  counterGetCommand,
  counterSetCommand,
  statusCommand,
  membersListCommand,
  membersAddCommand,
  membersRemoveCommand,
  snapshotSaveCommand,
  snapshotRestoreCommand,
  benchCommand,
  completionCommand,
]

export const groups: readonly GroupSpec[] = [leaseGroup, counterGroup, membersGroup, snapshotGroup]
