/**
 * `pnpm test:faults`: runs the full fault suite (about 5 minutes) against real processes and prints
 * a table per workload: operations ok / failed / unknown, faults injected, anomalies (must be 0),
 * recovery time after the heal. Exit code 1 on any anomaly or failed scenario.
 *
 * `--ci` runs the CI subset instead; `--seed N` overrides every scenario's seed; `--only NAME`
 * runs one scenario; `--kinds a,b` and `--duration-ms MS` override the fault kinds and the fault
 * time; `--verbose` echoes the node output.
 */
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { anomaliesOf, formatTable, runScenario, type ScenarioResult } from './scenario.js'
import { allFaultKinds, type FaultKind } from './nemesis.js'
import { ciSuite, fullSuite } from './suites.js'

const reportDirectory = fileURLToPath(new URL('../../test-results/faults', import.meta.url))

async function main(argv: readonly string[]): Promise<number> {
  let suite = fullSuite
  let seed: number | undefined
  let only: string | undefined
  let verbose = false
  let kinds: FaultKind[] | undefined
  let durationMs: number | undefined
  for (let index = 0; index < argv.length; index++) {
    const argument = argv[index]
    if (argument === '--ci') suite = ciSuite
    else if (argument === '--seed') seed = Number(argv[++index])
    else if (argument === '--only') only = argv[++index]
    else if (argument === '--verbose') verbose = true
    else if (argument === '--duration-ms') durationMs = Number(argv[++index])
    else if (argument === '--kinds') {
      kinds = (argv[++index] ?? '').split(',') as FaultKind[]
      for (const kind of kinds) if (!allFaultKinds.includes(kind)) throw new Error(`unknown fault kind ${kind} (kinds: ${allFaultKinds.join(', ')})`)
    } else if (argument !== '--') throw new Error(`unknown argument ${argument} (usage: [--ci] [--seed N] [--only NAME] [--kinds a,b] [--duration-ms MS] [--verbose])`)
  }
  const results: ScenarioResult[] = []
  let failed = 0
  for (const spec of suite.filter((candidate) => only === undefined || candidate.name === only)) {
    const nemesis = { ...spec.nemesis, ...(kinds === undefined ? {} : { kinds }), ...(durationMs === undefined ? {} : { durationMs }) }
    const options = { ...spec, nemesis, seed: seed ?? spec.seed, reportDirectory, verbose, log: (line: string) => console.log(`  ${line}`) }
    console.log(`== ${spec.name}: ${spec.nodes} nodes, seed ${options.seed}, faults for ${nemesis.durationMs / 1000} s (${nemesis.kinds.join(', ')})`)
    try {
      const result = await runScenario(options)
      results.push(result)
      for (const anomaly of anomaliesOf(result)) console.log(`  ANOMALY ${anomaly.workload} ${anomaly.kind}: ${anomaly.detail}${anomaly.report === undefined ? '' : ` (${anomaly.report})`}`)
      console.log(`  done in ${(result.durationMs / 1000).toFixed(0)} s; faults: ${Object.entries(result.nemesis.byKind).map(([kind, count]) => `${kind} ${count}`).join(', ')}`)
    } catch (error) {
      failed++
      console.log(`  FAILED: ${error instanceof Error ? error.message : String(error)} (logs in ${join(reportDirectory)})`)
    }
  }
  console.log(`\n${formatTable(results)}`)
  const anomalies = results.reduce((sum, result) => sum + anomaliesOf(result).length + result.unidentifiedConnections, 0)
  console.log(`\n${results.length} scenarios run, ${failed} failed to complete, ${anomalies} anomalies${anomalies + failed > 0 ? ` (reports in ${reportDirectory})` : ''}`)
  return anomalies + failed === 0 ? 0 : 1
}

process.exitCode = await main(process.argv.slice(2))
