import { relative } from 'node:path'
import { writeDocs } from './docs.js'
import { UsageError } from './errors.js'
import { parseOptions, usage, type BenchOptions } from './options.js'
import { renderSummaryTable } from './report.js'
import { runBench } from './run.js'

async function main(): Promise<void> {
  let options: BenchOptions | 'help'
  try {
    options = parseOptions(process.argv.slice(2))
  } catch (error) {
    // parseArgs throws TypeErrors with a code for unknown or malformed flags: a usage mistake too.
    if (!(error instanceof UsageError) && (error as { code?: string }).code?.startsWith('ERR_PARSE_ARGS') !== true) throw error
    console.error(`${(error as Error).message}\n(pnpm bench --help lists the options)`)
    process.exit(2)
  }
  if (options === 'help') {
    console.log(usage)
    return
  }
  // First Ctrl-C: finish the cell under way, stop the targets, write what ran. Second: leave now.
  const interrupt = new AbortController()
  process.on('SIGINT', () => {
    if (interrupt.signal.aborted) process.exit(130)
    process.stderr.write('\ninterrupted: stopping after this cell (Ctrl-C again to quit at once)\n')
    interrupt.abort()
  })
  const { report, directory, files } = await runBench(options, { signal: interrupt.signal })
  console.log(report.measurements.length === 0 ? 'nothing was measured' : renderSummaryTable(report))
  for (const target of report.targets) if (target.status === 'skipped') console.log(`\n${target.name}: skipped — ${target.message ?? ''}`)
  for (const failure of report.failures) console.log(`\nfailed: ${failure.target} ${failure.workload} x${failure.inFlight} ${failure.valueBytes} B: ${failure.message}`)
  if (options.profile && report.profiles.length === 0) console.log('\n--profile: none of these targets can be profiled (inproc can; remote and cluster3 when their targets support it)')
  if (report.profiles.length > 0) console.log(`\nCPU profiles (open in Chrome DevTools → Performance, or VS Code):\n${report.profiles.map((file) => `  ${file}`).join('\n')}`)
  const charts = files.filter((file) => file.endsWith('.svg')).length
  console.log(`\nwrote ${relative(process.cwd(), directory) || '.'}/ (bench.md, bench.json, ${charts} charts)`)
  if (options.docs) for (const file of writeDocs(directory)) console.log(`wrote ${relative(process.cwd(), file)}`)
  // Targets are stopped; should one still hold a handle (a socket, a timer), do not hang on it.
  setTimeout(() => process.exit(0), 5_000).unref()
}

main().catch((error: unknown) => {
  console.error(error)
  process.exit(1)
})
