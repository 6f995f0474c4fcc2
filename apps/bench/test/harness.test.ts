import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, describe, expect, it } from 'vitest'
import { UsageError } from '../src/errors.js'
import { loadTarget } from '../src/load-target.js'
import type { Measurement } from '../src/measure.js'
import { parseOptions, type BenchOptions } from '../src/options.js'
import type { BenchReport } from '../src/report-model.js'
import { runBench } from '../src/run.js'
import { TargetUnavailable } from '../src/target.js'

const out = mkdtempSync(join(tmpdir(), 'clustron-bench-test-'))
afterAll(() => rmSync(out, { recursive: true, force: true }))

function options(...args: string[]): BenchOptions {
  const parsed = parseOptions([...args, '--duration', '200ms', '--warmup', '20ms', '--rounds', '1', '--value-bytes', '100', '--keys', '1000', '--out', out, '--quiet'])
  if (parsed === 'help') throw new Error('unexpected help')
  return parsed
}

describe('pnpm bench', () => {
  it('runs map and inproc side by side and writes sane JSON, Markdown and SVG', async () => {
    const { directory, files } = await runBench(options('--targets', 'inproc,map', '--workloads', 'get', '--in-flight', '64'))
    expect(files.map((file) => file.slice(directory.length + 1)).sort()).toEqual(['bench.json', 'bench.md', 'get.svg'])

    const report = JSON.parse(readFileSync(join(directory, 'bench.json'), 'utf8')) as BenchReport
    expect(report.schema).toBe(1)
    expect(report.environment.cores).toBeGreaterThan(0)
    expect(report.environment.node).toBe(process.version)
    expect(report.targets.map((target) => [target.name, target.status])).toEqual([
      ['inproc', 'ran'],
      ['map', 'ran'],
    ])
    expect(report.measurements.map((m: Measurement) => m.target).sort()).toEqual(['inproc', 'map'])
    for (const measurement of report.measurements) {
      expect(measurement).toMatchObject({ workload: 'get', inFlight: 64, valueBytes: 100, errors: 0, extra: { misses: 0 } })
      expect(measurement.operations).toBeGreaterThan(100)
      expect(measurement.opsPerSecond).toBeGreaterThan(0)
      const { p50, p99, p999 } = measurement.latencyMs
      expect(p50).not.toBeNull()
      expect(p50!).toBeLessThanOrEqual(p99!)
      expect(p99!).toBeLessThanOrEqual(p999!)
    }

    const markdown = readFileSync(join(directory, 'bench.md'), 'utf8')
    expect(markdown).toContain('| in flight | value | target | ops/s | p50 | p99 | p99.9 | vs peer | notes |')
    expect(markdown).toMatch(/\| 64 \| 100 B \| inproc \| [\d.]+[kM]? \|.*× map \|/)
    expect(markdown).toContain('![get: ops/s per target](get.svg)')
    expect(markdown).toContain(report.environment.cpuModel)

    const svg = readFileSync(join(directory, 'get.svg'), 'utf8')
    expect(svg.startsWith('<svg xmlns="http://www.w3.org/2000/svg"')).toBe(true)
    expect(svg.trimEnd().endsWith('</svg>')).toBe(true)
    expect(svg).not.toMatch(/NaN|undefined|Infinity|https?:\/\/(?!www\.w3\.org\/2000\/svg)/)
    expect(svg.match(/<rect [^>]*fill="#(?!ffffff)/g)?.length).toBeGreaterThanOrEqual(4) // 2 bars + 2 legend keys
    expect(svg).toContain('inproc')
    expect(svg).toContain('map')
  })

  it('skips an unavailable target with its message, and marks what a target cannot do as n/a', async () => {
    const { report, directory } = await runBench(options('--targets', 'inproc,redis', '--no-peers', '--workloads', 'cas'), {
      loadTarget: async (name, targetOptions) => {
        if (name === 'redis') throw new TargetUnavailable('redis-server is not installed (apt-get install redis-server)')
        const target = await loadTarget(name, targetOptions)
        // A client without the CAS methods: the cas workload is n/a for it.
        return { ...target, name: 'inproc', supports: new Set(['put', 'get'] as const) }
      },
    })
    expect(report.targets.find((target) => target.name === 'redis')).toMatchObject({ status: 'skipped', message: expect.stringContaining('not installed') })
    expect(report.unsupported).toEqual([{ target: 'inproc', workload: 'cas', missing: ['getWithVersion', 'putIfVersion'] }])
    const markdown = readFileSync(join(directory, 'bench.md'), 'utf8')
    expect(markdown).toContain('skipped: redis-server is not installed')
    expect(markdown).toContain('| | | inproc | n/a |')
    expect(existsSync(join(directory, 'cas.svg'))).toBe(false)
  })

  it('rejects unknown targets and workloads, listing the known ones', () => {
    expect(() => parseOptions(['--targets', 'inproc,mongo'])).toThrow(UsageError)
    expect(() => parseOptions(['--targets', 'mongo'])).toThrow(/known: inproc, remote, cluster3, map, redis, etcd/)
    expect(() => parseOptions(['--workloads', 'scan'])).toThrow(/known: put, get, .*memory/)
  })

  it('adds each Clustron target its peer unless --no-peers', () => {
    expect((parseOptions(['--targets', 'inproc']) as BenchOptions).targets).toEqual(['inproc', 'map'])
    expect((parseOptions(['--targets', 'remote,cluster3']) as BenchOptions).targets).toEqual(['remote', 'redis', 'cluster3', 'etcd'])
    expect((parseOptions(['--targets', 'inproc', '--no-peers']) as BenchOptions).targets).toEqual(['inproc'])
  })
})
