import { readdirSync, readFileSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { parseCommand, parseFile, renderFile } from './support/datadriven.js'
import { ScriptEnv } from './support/script-env.js'

const testdataDirectory = join(import.meta.dirname, '..', 'testdata')
const update = process.env['UPDATE_TESTDATA'] === '1'

/**
 * Runs every testdata/*.txt script against a fresh StoreMachine and compares the whole rendered
 * trace with the file (format: testdata/README.md). `UPDATE_TESTDATA=1 npx vitest run
 * test/script.test.ts` rewrites the files with the actual traces: review the diff, it is the test.
 */
describe('state machine scripts (testdata/*.txt)', () => {
  const files = readdirSync(testdataDirectory)
    .filter((name) => name.endsWith('.txt'))
    .sort()

  it('has scripts', () => {
    expect(files.length).toBeGreaterThanOrEqual(10)
  })

  for (const file of files) {
    it(file, () => {
      const path = join(testdataDirectory, file)
      const text = readFileSync(path, 'utf8')
      const { blocks, trailer } = parseFile(text)
      const env = new ScriptEnv()
      const results = blocks.map((block) => {
        try {
          return { block, output: env.run(parseCommand(block.command)) }
        } catch (error) {
          throw new Error(`${file}:${block.line}: '${block.command}' failed: ${String(error)}`, { cause: error })
        }
      })
      const actual = renderFile(results, trailer)
      if (update) {
        writeFileSync(path, actual)
        return
      }
      expect(actual).toBe(text)
    })
  }
})
