// @ts-check
import js from '@eslint/js'
import tseslint from 'typescript-eslint'
import globals from 'globals'

/** Packages that each package may import (the dependency direction of architecture.md). */
const allowed = {
  core: [],
  protocol: ['core'],
  raft: [],
  server: ['core', 'protocol', 'raft'],
  client: ['core', 'protocol'],
  cli: ['client', 'core', 'protocol', 'server'],
  testkit: ['core', 'protocol', 'raft', 'server', 'client', 'cli'],
}
const all = Object.keys(allowed)

/** Restricted imports for one package: other packages outside its allowed list, deep imports, node:* where pure. */
function boundaryRule(pkg, extraPatterns = []) {
  const forbidden = all.filter((p) => p !== pkg && !allowed[pkg].includes(p))
  return {
    'no-restricted-imports': ['error', {
      patterns: [
        ...forbidden.map((p) => ({ group: [`@clustron/${p}`, `@clustron/${p}/*`], message: `@clustron/${pkg} must not depend on @clustron/${p} (see architecture.md: dependencies point one way).` })),
        { group: ['@clustron/*/src/*', '@clustron/*/dist/*'], message: 'Import other packages through their public entry (or ./internal), never their files.' },
        { group: ['../../*/src/*', '../../../*/src/*'], message: 'Import other packages by name, not by relative path.' },
        ...extraPatterns,
      ],
    }],
  }
}

/** The pure-core rule: no clock, randomness, timers or I/O. */
const pureGlobals = {
  'no-restricted-globals': ['error',
    { name: 'setTimeout', message: 'Pure code takes time as a value (ctx.now / tick()); use the injected Clock.' },
    { name: 'setInterval', message: 'Pure code takes time as a value; use the injected Clock.' },
    { name: 'setImmediate', message: 'Pure code has no timers.' },
    { name: 'clearTimeout', message: 'Pure code has no timers.' },
    { name: 'clearInterval', message: 'Pure code has no timers.' },
    { name: 'performance', message: 'Pure code reads no clock.' },
    { name: 'process', message: 'Pure code does no I/O.' },
    { name: 'Buffer', message: 'Use Uint8Array: this code also runs in browsers.' },
    { name: 'fetch', message: 'Pure code does no I/O.' },
    { name: 'WebSocket', message: 'Pure code does no I/O.' },
  ],
  'no-restricted-properties': ['error',
    { object: 'Date', property: 'now', message: 'Pure code takes time as a value (ctx.now); use the injected Clock.' },
    { object: 'Math', property: 'random', message: 'Pure code uses a seeded PRNG passed in.' },
    { object: 'crypto', property: 'randomUUID', message: 'Pure code uses ids passed in.' },
    { object: 'crypto', property: 'getRandomValues', message: 'Pure code uses a seeded PRNG passed in.' },
  ],
  'no-restricted-syntax': ['error',
    { selector: "NewExpression[callee.name='Date'][arguments.length=0]", message: 'new Date() reads the clock; pure code takes time as a value.' },
  ],
}
const nodeImports = [{ group: ['node:*', 'fs', 'path', 'net', 'http', 'https', 'os', 'child_process', 'crypto', 'ws'], message: 'Pure code does no I/O and imports no Node built-ins.' }]

export default tseslint.config(
  { ignores: ['**/dist/**', '**/node_modules/**', '**/.turbo/**', 'apps/dashboard/public/**', 'packages/server/dashboard/**', '**/*.d.ts'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    languageOptions: { globals: { ...globals.node, ...globals.browser } },
    rules: {
      '@typescript-eslint/no-explicit-any': 'error',
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_', caughtErrors: 'none' }],
      '@typescript-eslint/consistent-type-imports': ['error', { fixStyle: 'inline-type-imports' }],
      'no-constant-condition': ['error', { checkLoops: false }],
      eqeqeq: ['error', 'always', { null: 'ignore' }],
    },
  },
  ...Object.keys(allowed).map((pkg) => ({ files: [`packages/${pkg}/**/*.ts`], rules: boundaryRule(pkg) })),
  // @clustron/core and @clustron/raft are pure: time, randomness and I/O come in from outside.
  { files: ['packages/core/src/**/*.ts'], ignores: ['packages/core/src/inproc/system-env.ts'], rules: { ...pureGlobals, ...boundaryRule('core', nodeImports) } },
  { files: ['packages/raft/src/**/*.ts'], rules: { ...pureGlobals, ...boundaryRule('raft', nodeImports) } },
  // Client code that also runs in browsers: no Node-only imports outside the Node transport adapter.
  { files: ['packages/client/src/**/*.ts'], ignores: ['packages/client/src/transport/node-*.ts'], rules: boundaryRule('client', [{ group: ['node:*', 'ws'], message: 'The client runs in browsers: Node-only modules belong in transport/node-*.ts.' }]) },
  { files: ['**/test/**/*.ts', 'apps/**/*.ts'], rules: { '@typescript-eslint/no-non-null-assertion': 'off' } },
)
