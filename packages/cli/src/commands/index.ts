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
import { certsCreateCommand, certsGroup, tokenCreateCommand, tokenGroup } from './security.js'
import { storesModule } from './stores.js'
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

/** A group of subcommands (`lease grant|revoke|...`) or loose top-level commands, as one unit. */
export interface CommandModule {
  group?: GroupSpec
  commands: readonly CommandSpec[]
}

/**
 * Every command, in the order help lists them. To add commands, export a CommandModule from a file
 * in this directory and add it here with one line (e.g. `storesModule,`): parsing, help and shell
 * completion all read this list.
 */
export const modules: readonly CommandModule[] = [
  { commands: [getCommand, putCommand, delCommand, listCommand, watchCommand, txnCommand, lockCommand] },
  { group: leaseGroup, commands: [leaseGrantCommand, leaseRevokeCommand, leaseInfoCommand, leaseListCommand] },
  { group: counterGroup, commands: [counterAddCommand, counterGetCommand, counterSetCommand] },
  { commands: [statusCommand] },
  { group: membersGroup, commands: [membersListCommand, membersAddCommand, membersRemoveCommand] },
  { group: snapshotGroup, commands: [snapshotSaveCommand, snapshotRestoreCommand] },
  { commands: [benchCommand] },
  { group: tokenGroup, commands: [tokenCreateCommand] },
  { group: certsGroup, commands: [certsCreateCommand] },
  storesModule,
  { commands: [completionCommand] },
]

export const commands: readonly CommandSpec[] = modules.flatMap((module) => module.commands)

export const groups: readonly GroupSpec[] = modules.flatMap((module) => (module.group === undefined ? [] : [module.group]))
