#!/usr/bin/env node
import { main } from './main.js'

/**
 * The `clustron` command. Ctrl-C / SIGTERM abort the running command (watch ends with 0, others
 * with 130); a second one exits at once. The process exits when main resolves, which also drops a
 * connection kept open on purpose (`lease grant` without --keep-alive must not revoke its lease).
 */
const interrupt = new AbortController()
const onSignal = (signal: NodeJS.Signals) => {
  if (interrupt.signal.aborted) process.exit(128 + (signal === 'SIGINT' ? 2 : 15))
  interrupt.abort(signal)
}
process.on('SIGINT', onSignal)
process.on('SIGTERM', onSignal)
// `clustron list | head`: the reader went away; that is not an error worth a stack trace.
for (const stream of [process.stdout, process.stderr]) {
  stream.on('error', (error: NodeJS.ErrnoException) => {
    if (error.code === 'EPIPE') process.exit(0)
    throw error
  })
}

const code = await main({
  argv: process.argv.slice(2),
  env: process.env,
  cwd: process.cwd(),
  stdout: (text) => process.stdout.write(text),
  stderr: (text) => process.stderr.write(text),
  stderrIsTTY: process.stderr.isTTY === true,
  signal: interrupt.signal,
  childStdio: 'inherit',
  readStdin: async () => {
    const chunks: Buffer[] = []
    for await (const chunk of process.stdin) chunks.push(chunk as Buffer)
    return Buffer.concat(chunks).toString('utf8')
  },
})
// Exit once everything written has been flushed (a pipe may still be draining).
process.stdout.write('', () => process.stderr.write('', () => process.exit(code)))
