import { execFileSync, spawn } from 'node:child_process'
import { existsSync, mkdtempSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs'
import { createRequire } from 'node:module'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { describe, expect, it } from 'vitest'
import { finished, listening } from './support/bin.js'

/**
 * `npx clustron-server` from the published package shape (spec §10, issue 3): the workspace packages
 * are packed as for publishing (workspace:* becomes a version), installed with npm into an empty
 * directory, and the installed bin serves /health and stops on SIGTERM. Slow (a build when dist is
 * stale, a pack per package, an npm install from the registry), so it has a generous timeout.
 */
const packages = ['core', 'protocol', 'raft', 'server']
const root = fileURLToPath(new URL('../../../', import.meta.url))
const tsc = createRequire(import.meta.url).resolve('typescript/bin/tsc')

function newest(path: string): number {
  let latest = 0
  for (const entry of readdirSync(path, { withFileTypes: true })) {
    const full = join(path, entry.name)
    latest = Math.max(latest, entry.isDirectory() ? newest(full) : statSync(full).mtimeMs)
  }
  return latest
}

/** Builds a package's dist unless it is newer than its sources (a turbo run has just built it). */
function ensureBuilt(name: string): void {
  const directory = join(root, 'packages', name)
  const dist = join(directory, 'dist')
  if (existsSync(dist) && newest(dist) >= newest(join(directory, 'src'))) return
  execFileSync(process.execPath, [tsc, '-p', 'tsconfig.build.json'], { cwd: directory, stdio: 'inherit' })
}

describe('pack and install (slow)', () => {
  it('npx clustron-server runs from packed tarballs installed with npm', { timeout: 240_000 }, async () => {
    for (const name of packages) ensureBuilt(name)
    const tarballs = mkdtempSync(join(tmpdir(), 'clustron-pack-'))
    for (const name of packages) execFileSync('pnpm', ['pack', '--pack-destination', tarballs], { cwd: join(root, 'packages', name), stdio: 'ignore' })
    const files = readdirSync(tarballs).filter((file) => file.endsWith('.tgz'))
    expect(files).toHaveLength(packages.length)

    const app = mkdtempSync(join(tmpdir(), 'clustron-install-'))
    writeFileSync(join(app, 'package.json'), JSON.stringify({ name: 'install-check', private: true }))
    execFileSync('npm', ['install', '--no-audit', '--no-fund', '--loglevel=error', ...files.map((file) => join(tarballs, file))], { cwd: app, stdio: 'ignore' })

    // npx finds the installed bin...
    const version = execFileSync('npx', ['--no-install', 'clustron-server', '--version'], { cwd: app, encoding: 'utf8' })
    const { version: expected } = JSON.parse(readFileSync(join(root, 'packages/server/package.json'), 'utf8')) as { version: string }
    expect(version.trim()).toBe(expected)
    // ...which is the shebang'd dist/bin.js linked into node_modules/.bin (run directly, so SIGTERM reaches the node itself).
    const bin = join(app, 'node_modules', '.bin', 'clustron-server')
    const child = spawn(bin, ['--port', '0', '--data', join(app, 'data')], { cwd: app, stdio: ['ignore', 'pipe', 'pipe'] })
    const done = finished(child)
    const port = await listening(child)
    const health = (await (await fetch(`http://127.0.0.1:${port}/health`)).json()) as { nodeId: string; status: string; stores: Record<string, { role: string }> }
    expect(health).toMatchObject({ nodeId: 'n1', status: 'ok', stores: { default: { role: 'leader' } } })
    expect(existsSync(join(app, 'data'))).toBe(true)
    child.kill('SIGTERM')
    expect((await done).code).toBe(0)
  })
})
