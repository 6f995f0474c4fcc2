/**
 * Failure output: every failure names its seed and the exact command that replays it, and leaves
 * a report under test-results/sim/: the failures, the run's configuration and counts, the last
 * events of the trace, and for a linearizability failure the checker's own report (text + HTML).
 */
import { mkdir, writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import type { SimulationResult } from './result.js'

/** packages/testkit/test-results/sim, wherever the process runs from. */
export const defaultReportDir = fileURLToPath(new URL('../../test-results/sim', import.meta.url))

export function describeFailure(result: SimulationResult): string {
  const lines = [`FAILED seed=${result.seed} nodes=${result.nodes} — replay: ${result.replay}`]
  for (const failure of result.failures) lines.push(`  [${failure.kind}] at ${failure.timeMs.toFixed(1)} ms: ${failure.message}`)
  return lines.join('\n')
}

/** Writes the run's report files; returns their paths. */
export async function writeFailureReport(result: SimulationResult, dir = defaultReportDir): Promise<string[]> {
  await mkdir(dir, { recursive: true })
  const name = `seed-${result.seed}-nodes-${result.nodes}`
  const paths: string[] = []
  for (const check of result.modelChecks) {
    if (check.outcome !== 'illegal') continue
    const written = await check.writeReport(dir, `${name}-${check.name}`)
    paths.push(written.textPath, written.htmlPath)
  }
  const textPath = join(dir, `${name}.txt`)
  const body = [
    describeFailure(result),
    '',
    `trace ${result.traceHash}, ${result.events} events, ${(result.virtualMs / 1000).toFixed(1)} s virtual`,
    result.configDescription,
    '',
    `operations: ${JSON.stringify(result.operations)}`,
    `faults: ${JSON.stringify(result.faults)}`,
    `cluster: ${JSON.stringify(result.cluster)}`,
    `disk: ${JSON.stringify(result.disk)}`,
    `network: ${JSON.stringify(result.network)}`,
    `checks: ${JSON.stringify(result.checks)}`,
    ...(paths.length > 0 ? ['', 'checker reports:', ...paths.map((path) => `  ${path}`)] : []),
    '',
    `last ${result.traceTail.length} events:`,
    ...result.traceTail,
  ]
  await writeFile(textPath, `${body.join('\n')}\n`, 'utf8')
  return [textPath, ...paths]
}
