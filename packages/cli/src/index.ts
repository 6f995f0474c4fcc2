/**
 * @clustron/cli — the `clustron` command. `main` runs one command line against injected I/O and
 * resolves with the exit code, so the CLI can be embedded and tested in-process.
 *
 * ```ts
 * import { main } from '@clustron/cli'
 * const code = await main({ argv: ['get', 'config/mode'], env: process.env, cwd: process.cwd(),
 *                           stdout: (text) => process.stdout.write(text), stderr: (text) => process.stderr.write(text) })
 * ```
 */
export { main } from './main.js'
export type { CliIo } from './io.js'
export { exitCodes } from './exit-codes.js'
export { formatDuration, parseDuration } from './duration.js'
export { fromTypedJson, toTypedJson } from './typed-json.js'
export type { JsonValue } from './typed-json.js'
