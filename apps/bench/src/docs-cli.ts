import { resolve } from 'node:path'
import { parseArgs } from 'node:util'
import { latestRun, writeDocs } from './docs.js'
import { defaultOut } from './options.js'

/** `pnpm bench:docs [--from <run directory>] [--out <results directory>]`: regenerates docs/benchmarks.md. */
function main(): void {
  const { values } = parseArgs({ options: { from: { type: 'string' }, out: { type: 'string' }, help: { type: 'boolean' } } })
  if (values.help === true) {
    console.log('pnpm bench:docs [--from <run directory>] [--out <results directory, default apps/bench/results/>]\n\nWrites docs/benchmarks.md and docs/benchmarks/*.svg from a run (the newest by default).')
    return
  }
  const run = values.from === undefined ? latestRun(values.out === undefined ? defaultOut : resolve(values.out)) : resolve(values.from)
  const files = writeDocs(run)
  console.log(`from ${run}:\n${files.map((file) => `  wrote ${file}`).join('\n')}`)
}

try {
  main()
} catch (error) {
  console.error(error instanceof Error ? error.message : error)
  process.exit(1)
}
