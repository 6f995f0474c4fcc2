// Sums the vitest JSON reports of every package into the line CI reads: "N passed, N failed".
import { readdirSync, readFileSync, statSync } from 'node:fs'
import { join } from 'node:path'

const roots = ['packages', 'apps']
let passed = 0
let failed = 0
let skipped = 0
let reports = 0
for (const root of roots) {
  for (const name of readdirSync(root)) {
    const file = join(root, name, 'test-results', 'vitest.json')
    try {
      statSync(file)
    } catch {
      continue
    }
    const report = JSON.parse(readFileSync(file, 'utf8'))
    reports++
    passed += report.numPassedTests ?? 0
    failed += (report.numFailedTests ?? 0) + (report.numFailedTestSuites ?? 0)
    skipped += (report.numPendingTests ?? 0) + (report.numTodoTests ?? 0)
    if ((report.numFailedTests ?? 0) + (report.numFailedTestSuites ?? 0) > 0) console.error(`failures in ${file}`)
  }
}
if (reports === 0) failed++
console.log(`${passed} passed, ${failed} failed, ${skipped} skipped`)
