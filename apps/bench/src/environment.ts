import { execFileSync } from 'node:child_process'
import { readFileSync } from 'node:fs'
import { arch, cpus, loadavg, platform, release, totalmem } from 'node:os'
import { fileURLToPath } from 'node:url'

/** The machine and software a run measured, so numbers are never quoted without them. */
export interface Environment {
  cpuModel: string
  cores: number
  memoryBytes: number
  os: string
  node: string
  v8: string
  clustron: string
  /** The commit of the workspace; `+dirty` when it has uncommitted changes. */
  commit: string
  /** 1-minute load average when the run started: a hint of how busy the shared machine was. */
  loadAverage: number
}

const repositoryRoot = fileURLToPath(new URL('../../../', import.meta.url))

function clustronVersion(): string {
  try {
    const manifest = JSON.parse(readFileSync(`${repositoryRoot}packages/core/package.json`, 'utf8')) as { version?: string }
    return manifest.version ?? 'unknown'
  } catch {
    return 'unknown'
  }
}

/** Read-only git queries (rev-parse, status); 'unknown' outside a checkout. */
function commit(): string {
  const git = (args: string[]) => execFileSync('git', args, { cwd: repositoryRoot, encoding: 'utf8', timeout: 5_000, stdio: ['ignore', 'pipe', 'ignore'] }).trim()
  try {
    const head = git(['rev-parse', '--short', 'HEAD'])
    return git(['status', '--porcelain', '--untracked-files=no']) === '' ? head : `${head}+dirty`
  } catch {
    return 'unknown'
  }
}

export function collectEnvironment(): Environment {
  const processors = cpus()
  return {
    cpuModel: processors[0]?.model.trim() ?? 'unknown',
    cores: processors.length,
    memoryBytes: totalmem(),
    os: `${platform()} ${release()} ${arch()}`,
    node: process.version,
    v8: process.versions.v8,
    clustron: clustronVersion(),
    commit: commit(),
    loadAverage: loadavg()[0] ?? 0,
  }
}
