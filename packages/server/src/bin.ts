#!/usr/bin/env node
import { runCli } from './cli.js'

/** The `clustron-server` command: start a node, stop it gracefully on SIGTERM/SIGINT. */
const { code, node } = await runCli({
  argv: process.argv.slice(2),
  env: process.env,
  cwd: process.cwd(),
  stdout: (text) => process.stdout.write(text),
  stderr: (text) => process.stderr.write(text),
})
if (node === undefined) process.exit(code)
else {
  let stopping = false
  const stop = (signal: NodeJS.Signals) => {
    if (stopping) {
      process.stderr.write(`clustron-server: ${signal} again, exiting now\n`)
      process.exit(1)
    }
    stopping = true
    node.close().then(
      () => process.exit(0),
      (error: unknown) => {
        process.stderr.write(`clustron-server: shutdown failed: ${(error as Error).message}\n`)
        process.exit(1)
      },
    )
  }
  process.on('SIGTERM', stop)
  process.on('SIGINT', stop)
}
