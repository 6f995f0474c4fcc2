import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { availableParallelism, tmpdir } from 'node:os'
import { join, relative, resolve } from 'node:path'
import { parseArgs } from 'node:util'
import { ClusterAdmin, connect, type Store } from '@clustron/client'
import { UsageError } from './errors.js'
import { defaultOut } from './options.js'
import { ClustronProcessCluster } from './targets/cluster3.js'
import { waitUntil } from './targets/processes.js'

const usage = `pnpm bench:scale [options]

Scale-out by stores: three clustron-server processes (durable, fsync per batch); 4 stores created
through the catalog (3 replicas each, leaders spread by placement); then the aggregate put
throughput of 1, 2 and 4 stores written at once (each store: --workers loops of sequential puts of
100 B over one connection, for --seconds).

  --seconds <n>   measured seconds per step (default 5)
  --workers <n>   concurrent put loops per store (default 32)
  --out <dir>     results directory (default apps/bench/results/)
  --help`

interface Step {
  stores: number
  opsPerSecond: number
  perStore: number[]
  leaders: string[]
  errors: number
}

const storeCounts = [1, 2, 4] as const
const valueText = 'x'.repeat(100)

function parse(argv: string[]): { seconds: number; workers: number; out: string } | 'help' {
  const { values } = parseArgs({ args: argv[0] === '--' ? argv.slice(1) : argv, options: { seconds: { type: 'string' }, workers: { type: 'string' }, out: { type: 'string' }, help: { type: 'boolean' } }, strict: true })
  if (values.help === true) return 'help'
  const seconds = Number(values.seconds ?? 5)
  const workers = Number(values.workers ?? 32)
  if (!Number.isInteger(seconds) || seconds < 1 || seconds > 600) throw new UsageError('--seconds must be a whole number from 1 to 600')
  if (!Number.isInteger(workers) || workers < 1 || workers > 1_000) throw new UsageError('--workers must be a whole number from 1 to 1000')
  return { seconds, workers, out: values.out === undefined ? defaultOut : resolve(values.out) }
}

/** Which node leads each store, from the nodes' /health. */
async function leaders(cluster: ClustronProcessCluster, names: readonly string[]): Promise<Map<string, string>> {
  const out = new Map<string, string>()
  for (const id of ['n1', 'n2', 'n3']) {
    const health = await cluster.health(id)
    for (const name of names) if (health?.stores[name]?.role === 'leader') out.set(name, id)
  }
  return out
}

/** `workers` loops of sequential puts on `store` until `deadline`; counts acknowledged puts. */
async function drive(store: Store, workers: number, deadline: number): Promise<{ ops: number; errors: number }> {
  let ops = 0
  let errors = 0
  await Promise.all(
    Array.from({ length: workers }, async (_, worker) => {
      for (let i = 0; performance.now() < deadline; i++) {
        try {
          await store.put(`w${worker}/k${i % 1_000}`, valueText)
          ops++
        } catch {
          errors++
        }
      }
    }),
  )
  return { ops, errors }
}

async function measure(stores: Store[], workers: number, seconds: number): Promise<{ perStore: number[]; errors: number }> {
  // A short warm-up (JIT, connections, leader caches) that is not counted.
  await Promise.all(stores.map((store) => drive(store, workers, performance.now() + 1_000)))
  const startedAt = performance.now()
  const results = await Promise.all(stores.map((store) => drive(store, workers, startedAt + seconds * 1_000)))
  const elapsedSeconds = (performance.now() - startedAt) / 1_000
  return { perStore: results.map((result) => result.ops / elapsedSeconds), errors: results.reduce((sum, result) => sum + result.errors, 0) }
}

function render(steps: Step[], settings: { seconds: number; workers: number }): string {
  const base = steps[0]?.opsPerSecond ?? 0
  const lines = [
    `Three clustron-server processes on one machine (${availableParallelism()} CPUs), --data (fsync per batch). Each store: 3 replicas, its own Raft group; ${settings.workers} put loops (100 B values) per store over one connection, ${settings.seconds} s per step.`,
    '',
    '| stores written | aggregate puts/s | × one store | per store puts/s | leaders | errors |',
    '|---:|---:|---:|---|---|---:|',
  ]
  for (const step of steps) {
    const scale = base > 0 ? (step.opsPerSecond / base).toFixed(2) : '–'
    lines.push(`| ${step.stores} | ${Math.round(step.opsPerSecond)} | ${scale}× | ${step.perStore.map((value) => Math.round(value)).join(', ')} | ${step.leaders.join(', ')} | ${step.errors} |`)
  }
  lines.push('', 'All processes share this machine\'s CPUs and disk, so the numbers show what spreading leaders buys on one host; on separate machines each leader also gets its own CPU, disk and NIC.')
  return `${lines.join('\n')}\n`
}

async function main(): Promise<void> {
  let parsed
  try {
    parsed = parse(process.argv.slice(2))
  } catch (error) {
    process.stderr.write(`${(error as Error).message}\n\n${usage}\n`)
    process.exit(2)
  }
  if (parsed === 'help') {
    process.stdout.write(`${usage}\n`)
    return
  }
  const dataDirectory = mkdtempSync(join(tmpdir(), 'clustron-scale-'))
  const cluster = new ClustronProcessCluster({ dataDirectory })
  const clients: { close(): Promise<void> }[] = []
  try {
    await cluster.start()
    const seeds = cluster.seeds()
    const admin = await ClusterAdmin.connect({ mode: 'remote', seeds, store: '_system' })
    clients.push(admin)
    const names = Array.from({ length: Math.max(...storeCounts) }, (_, index) => `scale-${index + 1}`)
    const preferred = new Map<string, string>()
    for (const name of names) preferred.set(name, (await admin.createStore(name, { replicas: 3 })).preferredLeader ?? '')
    // Wait until every store is led by its preferred node (placement spreads them; the catalog steers leadership there).
    await waitUntil(async () => {
      const led = await leaders(cluster, names)
      return names.every((name) => led.get(name) !== undefined && led.get(name) === preferred.get(name))
    }, 'every store to be led by its preferred node', 60_000)
    const stores: Store[] = []
    for (const name of names) {
      const store = await connect({ mode: 'remote', seeds, store: name })
      clients.push(store)
      stores.push(store)
    }
    const steps: Step[] = []
    for (const count of storeCounts) {
      const chosen = stores.slice(0, count)
      const led = await leaders(cluster, names.slice(0, count))
      const { perStore, errors } = await measure(chosen, parsed.workers, parsed.seconds)
      const step = { stores: count, opsPerSecond: perStore.reduce((sum, value) => sum + value, 0), perStore, leaders: names.slice(0, count).map((name) => led.get(name) ?? '?'), errors }
      steps.push(step)
      process.stderr.write(`${count} store(s): ${Math.round(step.opsPerSecond)} puts/s (leaders ${step.leaders.join(', ')})\n`)
    }
    const markdown = render(steps, parsed)
    mkdirSync(parsed.out, { recursive: true })
    const file = join(parsed.out, 'scale-out.md')
    writeFileSync(file, markdown)
    writeFileSync(join(parsed.out, 'scale-out.json'), `${JSON.stringify({ settings: { seconds: parsed.seconds, workers: parsed.workers }, steps }, null, 2)}\n`)
    process.stdout.write(markdown)
    process.stderr.write(`\nwritten to ${relative(process.cwd(), file)}\n`)
  } finally {
    await Promise.allSettled(clients.map((client) => client.close()))
    await cluster.stop()
    rmSync(dataDirectory, { recursive: true, force: true })
  }
}

await main()
