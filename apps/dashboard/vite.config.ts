import { fileURLToPath } from 'node:url'
import { defineConfig } from 'vitest/config'

/** Where the node serves the dashboard from: the server package ships these files (static-files.ts). */
const outDir = fileURLToPath(new URL('../../packages/server/dashboard', import.meta.url))

export default defineConfig({
  // Relative asset URLs: the page works wherever a node (or a proxy in front of it) mounts it.
  base: './',
  esbuild: { jsx: 'automatic', jsxImportSource: 'preact' },
  build: {
    outDir,
    emptyOutDir: true,
    assetsDir: 'assets',
    target: 'es2022',
    // The files ship inside @clustron/server: no source maps (they would be four times the bundle).
    sourcemap: false,
    chunkSizeWarningLimit: 400,
    rollupOptions: {
      onwarn(warning, warn) {
        // zod's sources carry comments Rollup cannot place; they are dropped, harmlessly.
        if (warning.code === 'INVALID_ANNOTATION' && warning.id?.includes('node_modules') === true) return
        warn(warning)
      },
    },
  },
  server: {
    // `pnpm dev` against a running node: CLUSTRON_NODE=127.0.0.1:7861 pnpm --filter @clustron/dashboard dev
    proxy: Object.fromEntries(['/health', '/api', '/metrics', '/v1'].map((path) => [path, { target: `http://${process.env.CLUSTRON_NODE ?? '127.0.0.1:7861'}`, ws: path === '/v1' }])),
  },
  test: {
    include: ['test/**/*.test.ts'],
    reporters: ['default', ['json', { outputFile: 'test-results/vitest.json' }]],
  },
})
