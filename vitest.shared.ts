import { fileURLToPath } from 'node:url'
import { defineConfig, type UserConfig } from 'vitest/config'

const root = fileURLToPath(new URL('.', import.meta.url))
const packages = ['core', 'protocol', 'raft', 'server', 'client', 'cli', 'testkit']

/**
 * Tests run against the TypeScript sources of sibling packages (no build needed between edits):
 * `@clustron/x` and `@clustron/x/internal` resolve to `packages/x/src`.
 */
export const sourceAliases = packages.flatMap((name) => [
  { find: new RegExp(`^@clustron/${name}/internal$`), replacement: `${root}packages/${name}/src/internal.ts` },
  { find: new RegExp(`^@clustron/${name}$`), replacement: `${root}packages/${name}/src/index.ts` },
])

export function packageConfig(overrides: UserConfig['test'] = {}): UserConfig {
  return defineConfig({
    resolve: { alias: sourceAliases },
    test: {
      include: ['test/**/*.test.ts'],
      testTimeout: 30_000,
      hookTimeout: 30_000,
      // The JSON report is what .ci/run totals into its 'N passed, N failed' line.
      reporters: ['default', ['json', { outputFile: 'test-results/vitest.json' }]],
      ...overrides,
    },
  })
}
