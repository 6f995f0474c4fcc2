/**
 * The etcd-style data-driven file format of testdata/*.txt:
 *
 *   # comment (kept verbatim)
 *   command arg key=value
 *   ----
 *   expected output
 *   (a blank line ends the block)
 *
 * A run re-renders the file with the actual outputs; the test compares that with the file's text,
 * and UPDATE_TESTDATA=1 writes it back.
 */
export interface TestBlock {
  /** Comment and blank lines before the command, kept verbatim. */
  preamble: string[]
  command: string
  expected: string[]
  /** 1-based line of the command, for messages. */
  line: number
}

export interface Token {
  /** Set for `name=value` tokens whose name is an identifier. */
  name?: string
  /** The value (the whole token when unnamed). */
  text: string
}

export interface ParsedCommand {
  name: string
  tokens: Token[]
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
    const startLine = position + 1
    position++
    if (lines[position] !== '----') throw new Error(`line ${startLine}: expected '----' after the command '${line}'`)
    position++
    const expected: string[] = []
    while (position < lines.length && lines[position] !== '') expected.push(lines[position++]!)
    blocks.push({ preamble, command: line, expected, line: startLine })
    preamble = []
  }
  return { blocks, trailer: preamble }
}

export function renderFile(blocks: ReadonlyArray<{ block: TestBlock; output: string[] }>, trailer: string[]): string {
  const lines: string[] = []
  for (const { block, output } of blocks) lines.push(...block.preamble, block.command, '----', ...(output.length === 0 ? ['ok'] : output))
  const rest = [...trailer]
  while (rest.length > 0 && rest[rest.length - 1]!.trim() === '') rest.pop()
  lines.push(...rest)
  return lines.join('\n') + '\n'
}

/**
 * Splits a command line on spaces outside double quotes and outside (), [], {} (so JSON and
 * `value="a b"` stay one token). `name=value` with an identifier name becomes a named token.
 */
export function parseCommand(line: string): ParsedCommand {
  const raw: string[] = []
  let current = ''
  let depth = 0
  let inString = false
  for (let index = 0; index < line.length; index++) {
    const character = line[index]!
    if (inString) {
      current += character
      if (character === '\\') current += line[++index] ?? ''
      else if (character === '"') inString = false
      continue
    }
    if (character === '"') inString = true
    else if ('([{'.includes(character)) depth++
    else if (')]}'.includes(character)) depth--
    if (character === ' ' && depth === 0) {
      if (current !== '') raw.push(current)
      current = ''
    } else {
      current += character
    }
  }
  if (inString || depth !== 0) throw new Error(`unbalanced quotes or brackets in '${line}'`)
  if (current !== '') raw.push(current)
  const [name, ...rest] = raw
  const tokens = rest.map((token): Token => {
    const match = /^([A-Za-z][A-Za-z0-9]*)=(.*)$/s.exec(token)
    return match === null ? { text: token } : { name: match[1]!, text: match[2]! }
  })
  return { name: name ?? '', tokens }
}
