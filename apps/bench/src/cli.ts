import { mkdirSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { parseArgs } from 'node:util'
import { measure, preload, seededRandom, type Measurement, type WorkloadSpec } from './measure.js'
import { runMemory } from './memory-runner.js'
import { renderTable } from './report.js'
import { TargetUnavailable, type BenchOperation, type BenchTarget } from './target.js'

/** Workloads by name: the operation each runs. */
const workloads: Record<string, BenchOperation> = {
  put: 'put',
  get: 'get',
  'get-serializable': 'getSerializable',
  counter: 'counterAdd',
  txn: 'txn',
}

/** The peer each target is compared with in the ratio column. */
export const baselines: Record<string, string> = { inproc: 'map', remote: 'redis', cluster3: 'etcd' }

async function loadTarget(name: string): Promise<BenchTarget> {
  if (name === 'map') return (await import('./targets/map.js')).mapTarget()
  if (name === 'inproc') return (await import('./targets/clustron.js')).inprocTarget()
  // Other targets live in their own modules, loaded only when asked for.
  const module = (await import(`./targets/${name}.js`)) as Record<string, () => BenchTarget>
  const factory = module[`${name}Target`]
  if (factory === undefined) throw new Error(`apps/bench/src/targets/${name}.ts exports no ${name}Target()`)
  return factory()
}

function parseDuration(text: string): number {
  const match = /^(\d+(?:\.\d+)?)(ms|s|m)?$/.exec(text)
  if (match === null) throw new Error(`'${text}' is not a duration (e.g. 500ms, 10s, 1m)`)
  const amount = Number(match[1])
  return match[2] === 'ms' ? amount : match[2] === 'm' ? amount * 60_000 : amount * 1000
}

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      targets: { type: 'string', default: 'map,inproc' },
      workloads: { type: 'string', default: 'put,get,counter,txn' },
      duration: { type: 'string', default: '3s' },
      'in-flight': { type: 'string', default: '1,64' },
      'value-bytes': { type: 'string', default: '100' },
      keys: { type: 'string', default: '100000' },
      rounds: { type: 'string', default: '2' },
      out: { type: 'string', default: 'results' },
      memory: { type: 'boolean', default: false },
      'memory-keys': { type: 'string', default: '1000000' },
      help: { type: 'boolean', default: false },
    },
  })
  if (values.help) {
    console.log(`pnpm bench [--targets map,inproc,remote,redis] [--workloads put,get,counter,txn] [--duration 3s]
           [--in-flight 1,64] [--value-bytes 100] [--keys 100000] [--rounds 2] [--out results/] [--memory]`)
    return
  }
  const durationMs = parseDuration(values.duration)
  const rounds = Number(values.rounds)
  const keys = Number(values.keys)
  const targetNames = values.targets.split(',').filter(Boolean)
  const results: Measurement[] = []
  const notes: string[] = []

  if (values.memory) {
    const memory = await runMemory(Number(values['memory-keys']), Number(values['value-bytes'].split(',')[0]))
    notes.push(memory)
  }

  const targets: BenchTarget[] = []
  for (const name of targetNames) {
    const target = await loadTarget(name)
    try {
      await target.start()
      targets.push(target)
    } catch (error) {
      if (!(error instanceof TargetUnavailable)) throw error
      notes.push(`${name}: skipped — ${error.message}`)
      process.stderr.write(`skipping ${name}: ${error.message}\n`)
    }
  }
  try {
    for (const valueBytes of values['value-bytes'].split(',').map(Number)) {
      for (const target of targets) {
        const client = await target.client()
        process.stderr.write(`${target.name}: preloading ${keys} keys of ${valueBytes} B\n`)
        await preload(client, keys, valueBytes)
        await client.close()
      }
      const specs: WorkloadSpec[] = []
      for (const workload of values.workloads.split(',').filter(Boolean)) {
        const operation = workloads[workload]
        if (operation === undefined) throw new Error(`unknown workload '${workload}'; known: ${Object.keys(workloads).join(', ')}`)
        for (const inFlight of values['in-flight'].split(',').map(Number)) specs.push({ workload, operation, inFlight, valueBytes, keys, durationMs })
      }
      const total = specs.length * rounds * targets.length
      let done = 0
      for (const spec of specs) {
        // Alternate targets round by round (A B A B) so machine drift hits all of them alike.
        for (let round = 0; round < rounds; round++) {
          for (const target of targets) {
            if (!target.supports.has(spec.operation)) continue
            const client = await target.client()
            const random = seededRandom(1234 + round)
            progress(++done, total, `${target.name} ${spec.workload} x${spec.inFlight}`)
            results.push(await measure(target.name, client, spec, random))
            await client.close()
          }
        }
      }
    }
  } finally {
    for (const target of targets) await target.stop().catch(() => undefined)
    process.stderr.write('\n')
  }
  const table = renderTable(results, baselines)
  console.log(table)
  for (const note of notes) console.log(note)
  mkdirSync(values.out, { recursive: true })
  const stamp = new Date().toISOString().replace(/[:.]/g, '-')
  writeFileSync(join(values.out, `bench-${stamp}.json`), JSON.stringify({ results, notes }, null, 2))
  writeFileSync(join(values.out, `bench-${stamp}.md`), `${table}\n\n${notes.join('\n')}\n`)
}

function progress(done: number, total: number, label: string): void {
  const width = 30
  const filled = Math.round((done / Math.max(1, total)) * width)
  process.stderr.write(`\r[${'#'.repeat(filled)}${'.'.repeat(width - filled)}] ${done}/${total} ${label.padEnd(40)}`)
}

main().catch((error: unknown) => {
  console.error(error)
  process.exit(1)
})
