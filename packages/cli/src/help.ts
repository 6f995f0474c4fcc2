import { globalOptions } from './args.js'
import type { CommandSpec, GroupSpec, OptionSpec } from './command.js'
import { UsageError } from './exit-codes.js'

const exitCodeLines = [
  '  0    ok',
  '  1    not found, or a condition did not hold (put --if-version/--if-absent, txn, counter bounds, lock --wait)',
  '  2    usage error: fix the command line (nothing was sent)',
  '  3    unavailable: the store could not be reached or did not answer in time (UNAVAILABLE, TIMEOUT)',
  '  4    any other error (refused, corrupt snapshot, lock or lease lost, ...)',
  '  130  interrupted by Ctrl-C (watch and lease grant --keep-alive end with 0 instead)',
]

/** Help for a topic: [] (everything), a group (['lease']) or a command (['lease', 'grant']). */
export function helpText(topic: readonly string[], commands: readonly CommandSpec[], groups: readonly GroupSpec[]): string {
  if (topic.length === 0) return generalHelp(commands)
  const command = commands.find((candidate) => candidate.path.join(' ') === topic.join(' '))
  if (command !== undefined) return commandHelp(command)
  const group = groups.find((candidate) => candidate.name === topic[0])
  if (group !== undefined && topic.length === 1) return groupHelp(group, commands.filter((candidate) => candidate.path[0] === group.name))
  throw new UsageError(`no help for '${topic.join(' ')}': no such command; run clustron --help`)
}

export function usageLine(command: CommandSpec): string {
  const parts = ['clustron', ...command.path, ...command.args.map((arg) => (arg.choices === undefined ? arg.name : (arg.required ? '' : '[') + arg.choices.join('|') + (arg.required ? '' : ']')))]
  if (Object.keys(command.options ?? {}).length > 0) parts.push('[options]')
  if (command.passthrough !== undefined) parts.push('--', command.passthrough)
  return parts.join(' ')
}

function generalHelp(commands: readonly CommandSpec[]): string {
  const rows = commands.map((command) => [usageLine(command).replace(/^clustron /, '').replace(' [options]', ''), command.summary] as const)
  const width = Math.min(40, Math.max(...rows.map(([usage]) => usage.length)))
  const lines = rows.map(([usage, summary]) => (usage.length > width ? `  ${usage}\n  ${' '.repeat(width)}  ${summary}` : `  ${usage.padEnd(width)}  ${summary}`))
  return `clustron — the command-line client of a Clustron store

Usage: clustron <command> [arguments] [options]

Commands:
${lines.join('\n')}

Global options (before or after the command):
${optionLines(globalOptions)}
  -V, --version          print the version

Durations are written with a unit: 250ms, 30s, 5m, 1h, 1m30s.

Exit codes:
${exitCodeLines.join('\n')}

Run 'clustron <command> --help' for a command's options and examples.
`
}

function groupHelp(group: GroupSpec, members: readonly CommandSpec[]): string {
  const width = Math.max(...members.map((command) => usageLine(command).length))
  return `clustron ${group.name} — ${group.summary}
${group.description === undefined ? '' : `\n${indent(group.description)}\n`}
Commands:
${members.map((command) => `  ${usageLine(command).padEnd(width)}  ${command.summary}`).join('\n')}

Run 'clustron ${group.name} <command> --help' for its options and examples.
`
}

function commandHelp(command: CommandSpec): string {
  const sections = [`Usage: ${usageLine(command)}`, `${command.summary[0]!.toUpperCase()}${command.summary.slice(1)}.`]
  if (command.description !== undefined) sections.push(indent(command.description))
  if (Object.keys(command.options ?? {}).length > 0) sections.push(`Options:\n${optionLines(command.options!)}`)
  sections.push(`Global options:\n${optionLines(globalOptions)}`)
  sections.push(`Examples:\n${command.examples.map((example) => `  ${example}`).join('\n')}`)
  return `${sections.join('\n\n')}\n`
}

function optionLines(options: Readonly<Record<string, OptionSpec>>): string {
  const entries = Object.entries(options).map(([name, spec]) => {
    const short = spec.short === undefined ? '    ' : `-${spec.short}, `
    return [`${short}--${name}${spec.value === undefined ? '' : ` ${spec.value}`}`, spec.help] as const
  })
  const width = Math.max(20, ...entries.map(([usage]) => usage.length))
  return entries.map(([usage, help]) => `  ${usage.padEnd(width)}  ${help}`).join('\n')
}

function indent(text: string): string {
  return text
    .split('\n')
    .map((line) => (line === '' ? '' : `  ${line}`))
    .join('\n')
}

export { exitCodeLines }
