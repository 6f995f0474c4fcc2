import { execFileSync } from 'node:child_process'
import { createServer } from 'node:net'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { commands, groups } from '../src/commands/index.js'
import { exitCodes } from '../src/index.js'
import { runBin, runCli } from './support/cli.js'
import { startTestNode, type TestNode } from './support/node.js'

let node: TestNode
beforeAll(async () => {
  node = await startTestNode()
})
afterAll(async () => {
  await node.close()
})

describe('usage errors exit with 2 and send nothing', () => {
  const cases: [string, string[], RegExp][] = [
    ['no command', [], /no command given/],
    ['an unknown command, with a suggestion', ['gett', 'k'], /unknown command 'gett' \(did you mean 'get'\?\)/],
    ['a missing argument', ['put', 'only-key'], /missing <value>; usage: clustron put <key> <value>/],
    ['too many arguments', ['get', 'a', 'b'], /too many arguments/],
    ['an unknown option', ['get', 'k', '--frobnicate'], /unknown option '--frobnicate'/],
    ['a duration without a unit', ['put', 'k', 'v', '--ttl', '30'], /has no unit; write 30s/],
    ['a bad duration', ['put', 'k', 'v', '--ttl', 'soon'], /is not a duration/],
    ['a non-integer version', ['put', 'k', 'v', '--if-version', 'x'], /--if-version must be an integer/],
    ['a group without a subcommand', ['lease'], /'clustron lease' needs a command: grant, revoke, info, list/],
    ['an unknown subcommand', ['counter', 'mul', 'k'], /unknown command 'clustron counter mul'/],
    ['lock without a command', ['lock', 'job'], /give the command to run after --/],
    ['a bad shell', ['completion', 'tcsh'], /must be one of bash, zsh, fish/],
    ['a bad member address', ['members', 'add', 'n4', 'nowhere'], /<host:port> must look like/],
    ['--tls-ca with a plain URL', ['get', 'k', '--tls-ca', 'ca.pem'], /use a clustrons:\/\/ URL/],
  ]
  it.each(cases)('%s', async (_name, argv, message) => {
    const result = await runCli([...argv, '--url', node.url])
    expect(result.code).toBe(exitCodes.usage)
    expect(result.stderr).toMatch(message)
    expect(result.stdout).toBe('')
    expect(await (await node.store()).count()).toBe(0)
  })

  it('a txn file that is wrong is refused before anything is sent', async () => {
    const result = await runCli(['txn', '-', '--url', node.url], { stdin: '{"then":[{"op":"put","key":"k"}]}' })
    expect(result.code).toBe(exitCodes.usage)
    expect(result.stderr).toContain('then[0] needs a "value"')
    expect(await (await node.store()).count()).toBe(0)
  })
})

describe('help', () => {
  it('lists every command', async () => {
    const result = await runCli(['--help'])
    expect(result.code).toBe(0)
    for (const command of commands) expect(result.stdout).toContain(command.path.join(' '))
    expect(result.stdout).toContain('Exit codes:')
  })

  it.each(commands.map((command) => [command.path.join(' ')]))('clustron %s --help shows usage and examples', async (path) => {
    const result = await runCli([...path.split(' '), '--help'])
    expect(result.code).toBe(0)
    expect(result.stdout).toMatch(new RegExp(`^Usage: clustron ${path}`))
    expect(result.stdout).toMatch(/\nExamples:\n {2}\S*.*clustron /)
  })

  it.each(groups.map((group) => [group.name]))('clustron %s --help lists its commands', async (name) => {
    const result = await runCli([name, '--help'])
    expect(result.code).toBe(0)
    for (const command of commands.filter((candidate) => candidate.path[0] === name)) expect(result.stdout).toContain(`clustron ${command.path.join(' ')}`)
  })

  it('help <command> is the same as <command> --help', async () => {
    expect((await runCli(['help', 'lease', 'grant'])).stdout).toBe((await runCli(['lease', 'grant', '--help'])).stdout)
  })

  it('prints the version', async () => {
    expect((await runCli(['--version'])).stdout).toMatch(/^\d+\.\d+\.\d+/)
  })
})

describe('the store cannot be reached: exit 3', () => {
  it('when nothing listens on the port', async () => {
    const port = await closedPort()
    const result = await runCli(['get', 'k', '--timeout', '500ms'], { env: { CLUSTRON_URL: `clustron://127.0.0.1:${port}/default` } })
    expect(result.code).toBe(exitCodes.unavailable)
    expect(result.stderr).toMatch(/^clustron: UNAVAILABLE: /)
  })

  it('--url wins over CLUSTRON_URL', async () => {
    const port = await closedPort()
    const result = await runCli(['status', '--url', node.url], { env: { CLUSTRON_URL: `clustron://127.0.0.1:${port}/default` } })
    expect(result.code).toBe(0)
    expect(result.stdout).toMatch(/store\s+default \(remote\)/)
  })
})

describe('the bin', () => {
  it('runs as a process and exits with the codes of the contract', async () => {
    const env = { CLUSTRON_URL: node.url }
    expect(await runBin(['put', 'bin/k', '{"a":1}'], { env })).toMatchObject({ code: 0 })
    expect(await runBin(['get', 'bin/k'], { env })).toMatchObject({ code: 0, stdout: '{"a":1}\n' })
    expect(await runBin(['get', 'bin/missing'], { env })).toMatchObject({ code: 1 })
    expect(await runBin(['get'], { env })).toMatchObject({ code: 2 })
    await (await node.store()).delete('bin/k')
  })
})

describe('shell completion', () => {
  it('bash completes commands, subcommands and options', async () => {
    const script = (await runCli(['completion', 'bash'])).stdout
    const complete = (...words: string[]) =>
      execFileSync('bash', ['-c', `${script}\nCOMP_WORDS=(${words.map((word) => `'${word}'`).join(' ')}); COMP_CWORD=${words.length - 1}; _clustron; printf '%s\\n' "\${COMPREPLY[@]}"`], { encoding: 'utf8' })
        .trim()
        .split('\n')
    expect(complete('clustron', 'le')).toEqual(['lease'])
    expect(complete('clustron', 'lease', '')).toEqual(expect.arrayContaining(['grant', 'revoke', 'info', 'list']))
    expect(complete('clustron', 'put', 'k', 'v', '--tt')).toEqual(['--ttl'])
    expect(complete('clustron', 'completion', '')).toEqual(expect.arrayContaining(['bash', 'zsh', 'fish']))
    expect(complete('clustron', 'token', '')).toEqual(['create'])
  })

  it('zsh and fish scripts are generated for every command', async () => {
    const zsh = (await runCli(['completion', 'zsh'])).stdout
    expect(zsh).toMatch(/^#compdef clustron/)
    for (const command of commands) expect(zsh).toContain(`"${command.path.join(' ')}"`)
    const fish = (await runCli(['completion', 'fish'])).stdout
    expect(fish).toContain('complete -c clustron -n __fish_use_subcommand -a lease')
  })
})

/** A port nothing listens on: bound, then closed. */
async function closedPort(): Promise<number> {
  const server = createServer()
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  const port = (server.address() as { port: number }).port
  await new Promise<void>((resolve) => server.close(() => resolve()))
  return port
}
