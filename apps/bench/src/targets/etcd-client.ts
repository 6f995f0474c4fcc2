import { Etcd3, EtcdLeaseInvalidError, type IDuplexStream, type ILeaseKeepAliveRequest, type ILeaseKeepAliveResponse, type IKeyValue } from 'etcd3'
import type { BenchClient, BenchLease, BenchLock, BenchWatch } from '../target.js'

/**
 * The bench's operations through the `etcd3` npm client, each mapped to what an etcd user would
 * write (etcd has no counters, FIFO locks or per-call leases of its own beyond its primitives):
 *
 * - put / get: Put, Range (linearizable); getSerializable: Range with serializable=true (any member).
 * - putMany: Txn batches of at most 128 puts (etcd's default --max-txn-ops).
 * - counterAdd: a compare-and-swap loop on the key's mod revision (serializable read — the compare
 *   makes a stale read cost a retry, never a wrong count — then Txn if mod == read mod then put).
 *   etcd has no increment, so one counter add is at least 2 round trips and a Raft write.
 * - getWithVersion / putIfVersion: Range, then Txn if version == v then put (etcd's `version` is
 *   the number of puts since creation, 0 when absent: the same contract as Clustron's ifVersion).
 * - txn: Txn if version(k0) > 0 then 4 puts.
 * - lock: etcd's own mutex recipe (Go clientv3/concurrency.Mutex, what `etcdctl lock` runs): a
 *   session lease per client, a key `<lock>/<lease>` created under it, the lock is the key with the
 *   lowest create revision, a waiter watches only the key just before it (FIFO, no herd). The
 *   `etcd3` package's own `Lock` is try-once (it throws when held) and cannot wait in line.
 * - watch: a Watch of one key; the `etcd3` client multiplexes a client's watches on one stream.
 * - leaseGrant: LeaseGrant (TTL in whole seconds, rounded up); renew = one LeaseKeepAlive on a
 *   stream shared by the client's leases (as etcd's Go client does); revoke = LeaseRevoke.
 */
export async function etcdClient(hosts: readonly string[]): Promise<BenchClient> {
  const client = new Etcd3({
    hosts: [...hosts],
    // Every unary call has a deadline, as Clustron's client has (requestTimeoutMs, 10 s by default).
    defaultCallOptions: (context) => (context.isStream ? {} : { deadline: Date.now() + callTimeoutMs }),
  })
  await connectToEveryMember(client, hosts.length)
  const session = new LockSession(client)
  const keepAlive = new KeepAliveStream(client)
  return {
    async put(key, value) {
      await client.put(key).value(bytes(value)).exec()
    },
    async get(key) {
      return (await client.get(key).exec()).kvs[0]?.value
    },
    async getSerializable(key) {
      return (await client.get(key).serializable(true).exec()).kvs[0]?.value
    },
    async putMany(entries) {
      for (let start = 0; start < entries.length; start += txnOpsMax) {
        const success = entries.slice(start, start + txnOpsMax).map(([key, value]) => ({ request_put: { key: Buffer.from(key), value: bytes(value) } }))
        await client.kv.txn({ compare: [], success, failure: [] })
      }
    },
    async counterAdd(key, delta) {
      for (let attempt = 0; attempt < casAttemptsMax; attempt++) {
        const current = (await client.get(key).serializable(true).exec()).kvs[0]
        const next = (current === undefined ? 0 : Number(current.value.toString())) + delta
        const written = await client
          .if(key, 'Mod', '==', current?.mod_revision ?? 0)
          .then(client.put(key).value(String(next)))
          .commit()
        if (written.succeeded) return next
      }
      throw new Error(`etcd counter ${key}: no successful compare-and-swap in ${casAttemptsMax} attempts`)
    },
    async getWithVersion(key) {
      const current = (await client.get(key).exec()).kvs[0]
      return { value: current?.value, version: current === undefined ? 0 : Number(current.version) }
    },
    async putIfVersion(key, value, version) {
      const result = await client.if(key, 'Version', '==', version).then(client.put(key).value(bytes(value))).commit()
      return result.succeeded
    },
    async txn(keys, value) {
      const data = bytes(value)
      await client
        .if(keys[0], 'Version', '>', 0)
        .then(...keys.map((key) => client.put(key).value(data)))
        .commit()
    },
    lock: (name, waitMs) => session.lock(name, waitMs),
    async watch(key, onValue) {
      const watcher = await client.watch().key(key).create()
      watcher.on('put', (kv: IKeyValue) => onValue(kv.value))
      // A broken stream is retried by the client; deliveries it misses count as missed.
      watcher.on('error', () => undefined)
      return { close: () => watcher.cancel() } satisfies BenchWatch
    },
    async leaseGrant(ttlMs) {
      const { ID: id } = await client.leaseClient.leaseGrant({ TTL: Math.ceil(ttlMs / 1000), ID: 0 })
      const lease: BenchLease = {
        renew: () => keepAlive.renew(id),
        async revoke() {
          await client.leaseClient.leaseRevoke({ ID: id })
        },
      }
      return lease
    },
    async close() {
      keepAlive.close()
      await session.close()
      client.close()
    },
  }
}

/**
 * `new Etcd3()` connects lazily, one channel per member, and picks a member at random per call;
 * Clustron's `connect()` resolves once connected. So that neither pays for connecting inside a
 * measured cell, ask members for their status until each has answered once (bounded).
 */
async function connectToEveryMember(client: Etcd3, members: number): Promise<void> {
  const answered = new Set<string>()
  for (let batch = 0; batch < connectBatchesMax && answered.size < members; batch++) {
    const statuses = await Promise.all(Array.from({ length: 2 * members }, () => client.maintenance.status()))
    for (const status of statuses) answered.add(status.header.member_id)
  }
}

/** Batches of status calls `connectToEveryMember` makes at most (a member missed by 48 random picks: p ≈ 1e-8). */
const connectBatchesMax = 8
/** A unary etcd call fails after this long (Clustron's client: requestTimeoutMs = 10 s). */
const callTimeoutMs = 10_000
/** etcd's default --max-txn-ops. */
const txnOpsMax = 128
/** Attempts of one counter add before it gives up. */
const casAttemptsMax = 1_000
/** TTL of a client's lock session lease (kept alive by the etcd3 client while the client lives). */
const sessionTtlSeconds = 60

/** Zero-copy view of bench bytes as the Buffer the etcd3 client wants. */
const bytes = (value: Uint8Array) => Buffer.from(value.buffer, value.byteOffset, value.byteLength)

/**
 * etcd's mutex (clientv3/concurrency.Mutex) over the etcd3 client's primitives: a session lease,
 * created once per client like a Go `concurrency.Session`, owns this client's lock keys.
 */
class LockSession {
  #lease: ReturnType<Etcd3['lease']> | undefined

  constructor(private readonly client: Etcd3) {}

  async lock(name: string, waitMs: number): Promise<BenchLock> {
    const client = this.client
    if (this.#lease === undefined) {
      this.#lease = client.lease(sessionTtlSeconds)
      // Lost (etcd unreachable past the TTL): the next lock call fails, which the workload counts.
      this.#lease.on('lost', () => undefined)
    }
    const leaseId = await this.#lease.grant()
    const prefix = `bench-lock/${name}/`
    const key = `${prefix}${BigInt(leaseId).toString(16)}`
    const created = await client.if(key, 'Create', '==', 0).then(client.put(key).value('').lease(leaseId)).else(client.get(key)).commit()
    const myRevision = created.succeeded ? BigInt(created.header.revision) : BigInt(created.responses[0]!.response_range.kvs[0]!.create_revision)
    const release = async () => void (await client.delete().key(key).exec())
    const deadline = Date.now() + waitMs
    try {
      // Wait for every key created before ours to go, one at a time (its deletion, or its lease's expiry).
      for (;;) {
        const before = await client.getAll().prefix(prefix).maxCreateRevision((myRevision - 1n).toString()).sort('Create', 'Descend').limit(1).exec()
        const previous = before.kvs[0]
        if (previous === undefined) return { release }
        await waitForDelete(client, previous.key, BigInt(before.header.revision) + 1n, deadline - Date.now(), name)
      }
    } catch (error) {
      await release().catch(() => undefined)
      throw error
    }
  }

  async close(): Promise<void> {
    const lease = this.#lease
    this.#lease = undefined
    await lease?.revoke().catch(() => undefined)
  }
}

/** Resolves when `key` is deleted at or after `fromRevision`; rejects after `timeoutMs`. */
async function waitForDelete(client: Etcd3, key: Buffer, fromRevision: bigint, timeoutMs: number, lockName: string): Promise<void> {
  if (timeoutMs <= 0) throw new Error(`etcd lock '${lockName}' not granted in time`)
  const watcher = await client.watch().key(key).startRevision(fromRevision.toString()).create()
  let timer: NodeJS.Timeout | undefined
  try {
    await new Promise<void>((resolve, reject) => {
      watcher.on('delete', () => resolve())
      watcher.on('error', reject)
      timer = setTimeout(() => reject(new Error(`etcd lock '${lockName}' not granted within the wait`)), timeoutMs)
    })
  } finally {
    clearTimeout(timer)
    await watcher.cancel().catch(() => undefined)
  }
}

/**
 * One LeaseKeepAlive stream per client for explicit renewals: each renew writes the lease id and
 * waits for the answer for that id (answers for one id come in order).
 */
class KeepAliveStream {
  #stream: Promise<IDuplexStream<ILeaseKeepAliveRequest, ILeaseKeepAliveResponse>> | undefined
  readonly #pending = new Map<string, { resolve: () => void; reject: (error: Error) => void }[]>()

  constructor(private readonly client: Etcd3) {}

  async renew(id: string): Promise<void> {
    const stream = await (this.#stream ??= this.#open())
    await new Promise<void>((resolve, reject) => {
      let waiting = this.#pending.get(id)
      if (waiting === undefined) this.#pending.set(id, (waiting = []))
      waiting.push({ resolve, reject })
      stream.write({ ID: id })
    })
  }

  close(): void {
    const stream = this.#stream
    this.#stream = undefined
    void stream?.then((open) => open.cancel()).catch(() => undefined)
    this.#failAll(new Error('etcd client closed'))
  }

  async #open(): Promise<IDuplexStream<ILeaseKeepAliveRequest, ILeaseKeepAliveResponse>> {
    const stream = await this.client.leaseClient.leaseKeepAlive()
    stream.on('data', (response) => {
      const waiting = this.#pending.get(response.ID)
      const next = waiting?.shift()
      if (waiting?.length === 0) this.#pending.delete(response.ID)
      if (Number(response.TTL) > 0) next?.resolve()
      else next?.reject(new EtcdLeaseInvalidError(response.ID))
    })
    stream.on('error', (error) => {
      this.#stream = undefined
      this.#failAll(error)
    })
    return stream
  }

  #failAll(error: Error): void {
    for (const waiting of this.#pending.values()) for (const { reject } of waiting) reject(error)
    this.#pending.clear()
  }
}
