import { connect } from '@clustron/client'

/**
 * Memory per key: loads N keys of `valueBytes` into an in-process store in batches and reports the
 * growth of heap + external memory per key, minus the key and value bytes themselves.
 */
async function main(): Promise<void> {
  const keys = Number(process.argv[2] ?? 1_000_000)
  const valueBytes = Number(process.argv[3] ?? 100)
  const gc = (globalThis as { gc?: () => void }).gc
  if (gc === undefined) throw new Error('run with --expose-gc')
  const store = await connect('inproc://memory-probe')
  const value = 'x'.repeat(Math.max(0, valueBytes - 2)) // msgpack adds a 2-byte header for this length
  gc()
  const before = process.memoryUsage()
  const batch = 1000
  let keyBytes = 0
  for (let start = 0; start < keys; start += batch) {
    const entries: [string, string][] = []
    for (let index = start; index < Math.min(keys, start + batch); index++) {
      const key = `key:${index.toString().padStart(8, '0')}`
      keyBytes += key.length
      entries.push([key, value])
    }
    await store.putMany(entries)
    if (start % 100_000 === 0) process.stderr.write(`\rmemory probe: ${start}/${keys} keys`)
  }
  gc()
  const after = process.memoryUsage()
  const grown = after.heapUsed + after.external - (before.heapUsed + before.external)
  const status = await store.status()
  const payload = keyBytes + keys * valueBytes
  const perKey = grown / keys
  const overhead = (grown - payload) / keys
  process.stderr.write('\n')
  console.log(
    `memory: ${status.keys} keys of ${valueBytes} B values: ${perKey.toFixed(0)} B per key in heap+external, ` +
      `${overhead.toFixed(0)} B per key over key + value size (target ≤ 250), rss ${(after.rss / 2 ** 20).toFixed(0)} MiB`,
  )
}

main().catch((error: unknown) => {
  console.error(error)
  process.exit(1)
})
