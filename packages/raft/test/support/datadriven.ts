/**
 * A minimal etcd-style data-driven test format:
 *
 *   # comment
 *   command arg key=value
 *   ----
 *   expected output
 *   (blank line ends the block)
 *
 * `runDataDrivenFile` runs every command in order and returns the file re-rendered with the actual outputs,
 * so a test compares that with the file's text and UPDATE_TESTDATA=1 simply writes it back.
 */
export interface TestBlock {
  /** Comment and blank lines before the command, kept verbatim. */
  preamble: string[]
  command: string
  expected: string[]
  line: number
}

export interface ParsedCommand {
  name: string
  /** Positional arguments in order. */
  positional: string[]
  /** key=value arguments; `(1,2,3)` and `(1 2 3)` values are lists. */
  named: Map<string, string>
}

export function parseFile(text: string): { blocks: TestBlock[]; trailer: string[] } {
  const lines = text.split('\n')
  if (lines[lines.length - 1] === '') lines.pop()
  const blocks: TestBlock[] = []
  let preamble: string[] = []
  let position = 0
  while (position < lines.length) {
    const line = lines[position]!
    if (line.trim() === '' || line.startsWith('#')) {
      preamble.push(line)
      position++
      continue
    }
    const command = line
    const startLine = position + 1
    position++
    if (lines[position] !== '----') throw new Error(`line ${startLine}: expected '----' after the command '${command}'`)
    position++
    const expected: string[] = []
    while (position < lines.length && lines[position] !== '') {
      expected.push(lines[position]!)
      position++
    }
    blocks.push({ preamble, command, expected, line: startLine })
    preamble = []
  }
  return { blocks, trailer: preamble }
}

export function parseCommand(command: string): ParsedCommand {
  const tokens: string[] = []
  // Split on spaces outside parentheses so that voters=(1 2 3) stays one token.
  let current = ''
  let depth = 0
  for (const character of command.trim()) {
    if (character === '(') depth++
    if (character === ')') depth--
    if (character === ' ' && depth === 0) {
      if (current !== '') tokens.push(current)
      current = ''
    } else {
      current += character
    }
  }
  if (current !== '') tokens.push(current)
  const [name, ...rest] = tokens
  const positional: string[] = []
  const named = new Map<string, string>()
  for (const token of rest) {
    const equals = token.indexOf('=')
    if (equals > 0) named.set(token.slice(0, equals), token.slice(equals + 1))
    else positional.push(token)
  }
  return { name: name ?? '', positional, named }
}

/** Parses `(1,2,3)` or `(1 2 3)` or `1` into its items. */
export function parseList(value: string): string[] {
  const inner = value.startsWith('(') && value.endsWith(')') ? value.slice(1, -1) : value
  return inner.split(/[ ,]+/).filter((item) => item !== '')
}

export function renderFile(blocks: ReadonlyArray<{ block: TestBlock; output: string[] }>, trailer: string[]): string {
  const lines: string[] = []
  for (const { block, output } of blocks) {
    lines.push(...block.preamble, block.command, '----', ...(output.length === 0 ? ['ok'] : output))
  }
  // Blocks are separated by the blank line that starts each next preamble; end the file with one newline.
  const trimmedTrailer = [...trailer]
  while (trimmedTrailer.length > 0 && trimmedTrailer[trimmedTrailer.length - 1]!.trim() === '') trimmedTrailer.pop()
  lines.push(...trimmedTrailer)
  return lines.join('\n') + '\n'
}
