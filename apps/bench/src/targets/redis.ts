import { spawn, spawnSync, type ChildProcess } from 'node:child_process'
import { createServer } from 'node:net'
import { Redis } from 'ioredis'
import { TargetUnavailable, type BenchClient, type BenchTarget, type MemoryReading, type TargetOptions } from '../target.js'
import { residentBytes } from './remote.js'

/**
 * Redis as the peer of the remote target: Debian's `redis-server`, started by the bench on a free
 * loopback port with persistence off (`--save '' --appendonly no`), driven through ioredis (the
 * bench's one extra dependency, for this target only) with the same workloads. When redis-server
 * is missing the target is skipped with the command that installs it.
 */
export function redisTarget(options: TargetOptions): BenchTarget {
  let server: ChildProcess | undefined
  let port = 0
  let control: Redis | undefined
  return {
    name: 'redis',
    async version() {
      return spawnSync('redis-server', ['--version'], { encoding: 'utf8' }).stdout.split(' ').slice(0, 3).join(' ').trim()
    },
    async start() {
      const probe = spawnSync('redis-server', ['--version'], { encoding: 'utf8' })
      if (probe.error !== undefined || probe.status !== 0) {
        throw new TargetUnavailable('redis-server is not installed; install it with: apt-get install -y redis-server')
      }
      port = await freePort()
      server = spawn('redis-server', ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no', '--dir', options.dataDirectory, '--protected-mode', 'no'], {
        stdio: 'ignore',
      })
      control = new Redis({ port, host: '127.0.0.1', retryStrategy: (times) => (times > 50 ? null : 50), maxRetriesPerRequest: null })
      // Refused connections while redis-server starts are expected: the retry strategy waits for it.
      control.on('error', () => undefined)
      await control.ping()
    },
    async client() {
      const redis = new Redis({ port, host: '127.0.0.1', lazyConnect: true })
      await redis.connect()
      return redisClient(redis)
    },
    async memory(): Promise<MemoryReading> {
      const info = (await control?.info('memory')) ?? ''
      const used = /used_memory:(\d+)/.exec(info)
      return used === null ? { rssBytes: residentBytes(server?.pid) } : { rssBytes: residentBytes(server?.pid), heapBytes: Number(used[1]) }
    },
    async stop() {
      control?.disconnect()
      if (server === undefined || server.exitCode !== null) return
      const exited = new Promise<void>((resolve) => server!.once('exit', () => resolve()))
      server.kill('SIGTERM')
      const timer = setTimeout(() => server?.kill('SIGKILL'), 5_000)
      await exited
      clearTimeout(timer)
    },
  }
}

/** Lua: set KEYS[2..5] to ARGV[1] if KEYS[1] exists (the txn workload's compare-then-put, atomic in Redis). */
const txnScript = "if redis.call('exists', KEYS[1]) == 1 then for i = 1, 4 do redis.call('set', KEYS[i], ARGV[1]) end end return 1"

function redisClient(redis: Redis): BenchClient {
  return {
    async put(key, value) {
      await redis.set(key, Buffer.from(value.buffer, value.byteOffset, value.byteLength))
    },
    async get(key) {
      return redis.getBuffer(key)
    },
    async putMany(entries) {
      const pipeline = redis.pipeline()
      for (const [key, value] of entries) pipeline.set(key, Buffer.from(value.buffer, value.byteOffset, value.byteLength))
      await pipeline.exec()
    },
    async counterAdd(key, delta) {
      return redis.incrby(key, delta)
    },
    async txn(keys, value) {
      await redis.eval(txnScript, 4, ...keys, Buffer.from(value.buffer, value.byteOffset, value.byteLength))
    },
    async close() {
      redis.disconnect()
    },
  }
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const probe = createServer()
    probe.once('error', reject)
    probe.listen(0, '127.0.0.1', () => {
      const { port } = probe.address() as { port: number }
      probe.close(() => resolve(port))
    })
  })
}
