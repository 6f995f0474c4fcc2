import { globalOptions } from './args.js'
import type { CommandSpec, GroupSpec, OptionSpec } from './command.js'

/** Shell completion scripts, generated from the same command table as parsing and help. */
export type Shell = 'bash' | 'zsh' | 'fish'
export const shells: readonly Shell[] = ['bash', 'zsh', 'fish']

interface Model {
  /** Top-level words: single commands, groups, help. */
  top: { word: string; summary: string }[]
  groups: { name: string; commands: { word: string; summary: string }[] }[]
  commands: { path: string; options: Option[]; choices: readonly string[]; files: boolean }[]
  globals: Option[]
  /** Options that take a value: the word after them is not a command. */
  valued: string[]
}

interface Option {
  /** With the dashes: --ttl. */
  flag: string
  help: string
  valued: boolean
}

function model(commands: readonly CommandSpec[], groups: readonly GroupSpec[]): Model {
  const groupNames = new Set(groups.map((group) => group.name))
  const top = [
    ...commands.filter((command) => command.path.length === 1).map((command) => ({ word: command.path[0]!, summary: command.summary })),
    ...groups.map((group) => ({ word: group.name, summary: group.summary })),
    { word: 'help', summary: 'show help for a command' },
  ]
  const options = (specs: Readonly<Record<string, OptionSpec>> | undefined): Option[] => Object.entries(specs ?? {}).map(([name, spec]) => ({ flag: `--${name}`, help: spec.help, valued: spec.type === 'string' }))
  const allOptions = [...options(globalOptions), ...commands.flatMap((command) => options(command.options))]
  return {
    top,
    groups: [...groupNames].map((name) => ({ name, commands: commands.filter((command) => command.path[0] === name).map((command) => ({ word: command.path[1]!, summary: command.summary })) })),
    commands: commands.map((command) => ({
      path: command.path.join(' '),
      options: options(command.options),
      choices: command.args.flatMap((arg) => arg.choices ?? []),
      files: command.args.some((arg) => arg.name.includes('file')),
    })),
    globals: options(globalOptions),
    valued: [...new Set(allOptions.filter((option) => option.valued).map((option) => option.flag))],
  }
}

function flags(options: Option[]): string {
  return options.map((option) => option.flag).join(' ')
}

export function completionScript(shell: Shell, commands: readonly CommandSpec[], groups: readonly GroupSpec[]): string {
  const m = model(commands, groups)
  if (shell === 'bash') return bash(m)
  if (shell === 'zsh') return zsh(m)
  return fish(m)
}

/** The words typed so far (commands and arguments, without options and their values), as a case subject. */
function bash(m: Model): string {
  const cases = [
    `    "") candidates="${m.top.map((item) => item.word).join(' ')} ${flags(m.globals)}" ;;`,
    ...m.groups.map((group) => `    "${group.name}") candidates="${group.commands.map((item) => item.word).join(' ')}" ;;`),
    ...m.commands.map((command) => `    "${command.path}"|"${command.path} "*) candidates="${[...command.choices, flags(command.options), flags(m.globals)].join(' ')}"${command.files ? '; files=1' : ''} ;;`),
  ]
  return `# clustron completion for bash. Load it with:
#   source <(clustron completion bash)        # this shell
#   clustron completion bash > /etc/bash_completion.d/clustron
_clustron() {
  local cur="\${COMP_WORDS[COMP_CWORD]}" prev="\${COMP_WORDS[COMP_CWORD-1]}"
  local valued=" ${m.valued.join(' ')} "
  local candidates="" files=0 skip=0 i w
  local -a words=()
  if [[ $valued == *" $prev "* ]]; then COMPREPLY=(); return 0; fi
  for ((i = 1; i < COMP_CWORD; i++)); do
    w="\${COMP_WORDS[i]}"
    if ((skip)); then skip=0; continue; fi
    if [[ $w == -- ]]; then
      # lock <name> -- <cmd> [args...]: a command, then its arguments
      if ((i == COMP_CWORD - 1)); then COMPREPLY=($(compgen -c -- "$cur")); else COMPREPLY=($(compgen -f -- "$cur")); fi
      return 0
    fi
    if [[ $w == -* ]]; then [[ $valued == *" $w "* ]] && skip=1; continue; fi
    words+=("$w")
  done
  case "\${words[*]}" in
${cases.join('\n')}
  esac
  COMPREPLY=($(compgen -W "$candidates" -- "$cur"))
  if ((files)) && [[ $cur != -* ]]; then COMPREPLY+=($(compgen -f -- "$cur")); fi
  return 0
}
complete -F _clustron clustron
`
}

function zsh(m: Model): string {
  const quote = (text: string) => `'${text.replace(/'/g, `'\\''`)}'`
  const describe = (items: { word: string; summary: string }[]) => items.map((item) => quote(`${item.word}:${item.summary.replace(/:/g, '\\:')}`)).join(' ')
  const optionSpec = (option: Option) => quote(`${option.flag}[${option.help.replace(/[[\]:]/g, ' ')}]${option.valued ? ':value: ' : ''}`)
  const cases = [
    `    "") local -a top=(${describe(m.top)}); _describe -t commands 'clustron command' top ;;`,
    ...m.groups.map((group) => `    "${group.name}") local -a sub=(${describe(group.commands)}); _describe -t commands '${group.name} command' sub ;;`),
    ...m.commands.map((command) => {
      const actions = [`_arguments -s ${[...command.options, ...m.globals].map(optionSpec).join(' ')}${command.files ? " '*:file:_files'" : ''}`]
      if (command.choices.length > 0) actions.unshift(`compadd -- ${command.choices.join(' ')}`)
      return `    "${command.path}"|"${command.path} "*) ${actions.join('; ')} ;;`
    }),
  ]
  return `#compdef clustron
# clustron completion for zsh. Load it with:
#   source <(clustron completion zsh)          # this shell
#   clustron completion zsh > "\${fpath[1]}/_clustron"
_clustron() {
  local -a typed valued
  valued=(${m.valued.join(' ')})
  local i w skip=0
  for ((i = 2; i < CURRENT; i++)); do
    w=\${words[i]}
    if ((skip)); then skip=0; continue; fi
    if [[ $w == -- ]]; then
      if ((i == CURRENT - 1)); then _command_names -e; else _files; fi
      return
    fi
    if [[ $w == -* ]]; then (( \${valued[(Ie)$w]} )) && skip=1; continue; fi
    typed+=("$w")
  done
  case "\${typed[*]}" in
${cases.join('\n')}
  esac
}
if [[ "\${zsh_eval_context[-1]}" == loadautofunc ]]; then _clustron "$@"; else compdef _clustron clustron; fi
`
}

function fish(m: Model): string {
  const quote = (text: string) => `'${text.replace(/\\/g, '\\\\').replace(/'/g, "\\'")}'`
  const lines = ['# clustron completion for fish. Load it with:', '#   clustron completion fish > ~/.config/fish/completions/clustron.fish', 'complete -c clustron -f']
  for (const item of m.top) lines.push(`complete -c clustron -n __fish_use_subcommand -a ${item.word} -d ${quote(item.summary)}`)
  for (const group of m.groups) {
    const words = group.commands.map((item) => item.word).join(' ')
    for (const item of group.commands) lines.push(`complete -c clustron -n ${quote(`__fish_seen_subcommand_from ${group.name}; and not __fish_seen_subcommand_from ${words}`)} -a ${item.word} -d ${quote(item.summary)}`)
  }
  for (const option of m.globals) lines.push(`complete -c clustron -l ${option.flag.slice(2)}${option.valued ? ' -r' : ''} -d ${quote(option.help)}`)
  for (const command of m.commands) {
    const words = command.path.split(' ')
    const condition = words.map((word) => `__fish_seen_subcommand_from ${word}`).join('; and ')
    for (const option of command.options) lines.push(`complete -c clustron -n ${quote(condition)} -l ${option.flag.slice(2)}${option.valued ? ' -r' : ''} -d ${quote(option.help)}`)
    if (command.choices.length > 0) lines.push(`complete -c clustron -n ${quote(condition)} -a ${quote(command.choices.join(' '))}`)
    if (command.files) lines.push(`complete -c clustron -n ${quote(condition)} -F`)
  }
  return `${lines.join('\n')}\n`
}
