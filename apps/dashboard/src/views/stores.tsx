import type { LeaseInfo, Store } from '@clustron/client'
import { useState } from 'preact/hooks'
import { LineChart } from '../components/chart.js'
import { Card, Empty, ProblemBanner, Stat } from '../components/ui.js'
import { describeError, type Connections } from '../lib/connection.js'
import { formatCount, formatDuration, formatRate, formatSeconds } from '../lib/format.js'
import { usePoll } from '../lib/hooks.js'
import { historySamplesMax, statsPeriodMs, type LiveState, type StoreLive } from '../lib/monitor.js'
import type { StatsSample } from '../lib/stats.js'

export interface StoresViewProps {
  live: LiveState
  connections: Connections
  now: number
  onToken: () => void
}

const windowMs = historySamplesMax * statsPeriodMs
/** Leases looked up in detail per refresh (the list may be long; the rest are counted). */
export const leasesShownMax = 25
const leasesPeriodMs = 3_000
const locksPeriodMs = 2_000

export function StoresView({ live, connections, now, onToken }: StoresViewProps) {
  const names = [...live.stores.keys()].sort()
  if (names.length === 0) return live.healthError !== undefined ? <ProblemBanner problem={live.healthError} onToken={onToken} /> : <Empty>Waiting for the node to list its stores…</Empty>
  return (
    <div class="view">
      {names.map((name) => (
        <StoreSection key={name} name={name} live={live.stores.get(name)!} nodeId={live.health?.nodeId} connections={connections} now={now} onToken={onToken} />
      ))}
    </div>
  )
}

function StoreSection({ name, live, nodeId, connections, now, onToken }: { name: string; live: StoreLive; nodeId: string | undefined; connections: Connections; now: number; onToken: () => void }) {
  const status = live.status
  const samples = live.samples
  const recent = average(samples.slice(-10))
  const leaderHint = status?.leader !== undefined && nodeId !== undefined && status.leader !== nodeId ? `Clients talk to the leader ${status.leader}: its node counts their requests.` : undefined
  return (
    <section class="store-section" data-store={name}>
      <h1 class="section-title">
        Store <span class="mono">{name}</span>
        {status?.revision !== undefined && <span class="pill">revision {formatCount(status.revision)}</span>}
      </h1>
      {live.statusError !== undefined && <ProblemBanner problem={live.statusError} onToken={onToken} />}
      <div class="stats-row">
        <Stat label="Keys" value={formatCount(status?.keys)} />
        <Stat label="Revision" value={formatCount(status?.revision)} hint={status === undefined ? undefined : `compacted to ${formatCount(status.compactRevision)}`} />
        <Stat label="Ops/s" value={formatRate(recent?.opsPerSecond)} hint={recent === undefined ? 'collecting' : `${formatRate(recent.errorsPerSecond)} errors/s · 10s avg`} tone={recent !== undefined && recent.errorsPerSecond > 0 ? 'warn' : undefined} />
        <Stat label="Active leases" value={formatCount(status?.leases)} />
        <Stat label="Locks held" value={formatCount(status?.locks)} hint={status === undefined ? undefined : `${formatCount(status.lockWaiters)} waiting · ${formatCount(status.elections)} elections`} tone={status !== undefined && status.lockWaiters > 0 ? 'warn' : undefined} />
        <Stat label="Watchers" value={formatCount(live.watchers)} hint={`registered on ${nodeId ?? 'this node'}`} />
      </div>
      <Card title="Traffic" subtitle={`Requests served by ${nodeId ?? 'this node'}, from /api/stats once a second.${leaderHint === undefined ? '' : ` ${leaderHint}`}`}>
        <div class="charts">
          <LineChart
            title="Operations per second"
            times={samples.map((sample) => sample.at)}
            windowMs={windowMs}
            format={formatRate}
            series={[
              { name: 'ops/s', color: 'var(--chart-1)', values: samples.map((sample) => sample.opsPerSecond) },
              { name: 'errors/s', color: 'var(--chart-bad)', values: samples.map((sample) => sample.errorsPerSecond) },
            ]}
          />
          <LineChart
            title="Latency at the node"
            times={samples.map((sample) => sample.at)}
            windowMs={windowMs}
            format={formatSeconds}
            series={[
              { name: 'p50', color: 'var(--chart-2)', values: samples.map((sample) => sample.p50) },
              { name: 'p99', color: 'var(--chart-3)', values: samples.map((sample) => sample.p99) },
            ]}
          />
        </div>
        <OpsTable sample={recent} />
      </Card>
      <div class="two-columns">
        <LeasesCard name={name} connections={connections} count={status?.leases} now={now} />
        <LocksCard name={name} connections={connections} held={status?.locks} waiters={status?.lockWaiters} elections={status?.elections} now={now} />
      </div>
    </section>
  )
}

/** The mean of the last samples (rates average; latencies average the per-second estimates). */
function average(samples: readonly StatsSample[]): StatsSample | undefined {
  if (samples.length === 0) return undefined
  const byOp: Record<string, number> = {}
  for (const sample of samples) for (const [op, rate] of Object.entries(sample.byOp)) byOp[op] = (byOp[op] ?? 0) + rate / samples.length
  const mean = (pick: (sample: StatsSample) => number | undefined) => {
    const values = samples.map(pick).filter((value): value is number => value !== undefined)
    return values.length === 0 ? undefined : values.reduce((sum, value) => sum + value, 0) / values.length
  }
  const out: StatsSample = { at: samples.at(-1)!.at, opsPerSecond: mean((sample) => sample.opsPerSecond) ?? 0, errorsPerSecond: mean((sample) => sample.errorsPerSecond) ?? 0, byOp }
  const p50 = mean((sample) => sample.p50)
  const p99 = mean((sample) => sample.p99)
  if (p50 !== undefined) out.p50 = p50
  if (p99 !== undefined) out.p99 = p99
  return out
}

function OpsTable({ sample }: { sample: StatsSample | undefined }) {
  const ops = Object.entries(sample?.byOp ?? {}).sort((a, b) => b[1] - a[1])
  if (ops.length === 0) return <p class="muted small">No requests in the last 10 seconds.</p>
  const top = ops[0]![1]
  return (
    <div class="ops">
      {ops.map(([op, rate]) => (
        <div class="op" key={op}>
          <span class="mono">{op}</span>
          <span class="op-bar">
            <i style={{ width: `${Math.max(2, (rate / top) * 100)}%` }} />
          </span>
          <span class="num mono">{formatRate(rate)}/s</span>
        </div>
      ))}
    </div>
  )
}

async function loadLeases(store: Store): Promise<{ ids: string[]; infos: LeaseInfo[] }> {
  const ids = await store.leases.list()
  const infos = await Promise.all(ids.slice(0, leasesShownMax).map((id) => store.leases.info(id)))
  return { ids, infos: infos.filter((info): info is LeaseInfo => info !== undefined) }
}

function LeasesCard({ name, connections, count, now }: { name: string; connections: Connections; count: number | undefined; now: number }) {
  const leases = usePoll(async () => ({ ...(await loadLeases(await connections.store(name))), at: Date.now() }), leasesPeriodMs, `${name}:${String(connections.token)}`)
  const value = leases.value
  return (
    <Card title="Leases" subtitle={`${formatCount(count)} active · refreshed every ${leasesPeriodMs / 1000}s`}>
      {leases.error !== undefined && <ProblemBanner problem={describeError(leases.error)} />}
      {value === undefined ? (
        <Empty>Loading leases…</Empty>
      ) : value.infos.length === 0 ? (
        <Empty>No active leases.</Empty>
      ) : (
        <table class="table compact">
          <thead>
            <tr>
              <th>Lease</th>
              <th class="num">TTL</th>
              <th>Remaining</th>
              <th>Keys</th>
            </tr>
          </thead>
          <tbody>
            {value.infos.map((lease) => {
              const remainingMs = lease.remainingMs - (now - value.at)
              return (
                <tr key={lease.id}>
                  <td class="mono">{lease.id}</td>
                  <td class="num">{formatDuration(lease.ttlMs)}</td>
                  <td>
                    <span class="lag">
                      <span class="lag-bar">
                        <i style={{ width: `${Math.max(0, Math.min(100, (remainingMs / lease.ttlMs) * 100))}%` }} class={remainingMs < lease.ttlMs / 3 ? 'warn' : 'good'} />
                      </span>
                      <span class="mono">{formatDuration(Math.max(0, remainingMs))}</span>
                    </span>
                  </td>
                  <td class="mono ellipsis" title={lease.keys.join('\n')}>
                    {lease.keys.length === 0 ? <span class="muted">none</span> : `${lease.keys.slice(0, 3).join(', ')}${lease.keys.length > 3 ? ` +${lease.keys.length - 3}` : ''}`}
                  </td>
                </tr>
              )
            })}
          </tbody>
        </table>
      )}
      {value !== undefined && value.ids.length > value.infos.length && <p class="muted small">Showing {value.infos.length} of {formatCount(value.ids.length)} leases.</p>}
    </Card>
  )
}

/** Lock names looked up in this tab (there is no list of lock names in the API), remembered per store. */
function LocksCard({ name, connections, held, waiters, elections, now }: { name: string; connections: Connections; held: number | undefined; waiters: number | undefined; elections: number | undefined; now: number }) {
  const [names, setNames] = useState<string[]>([])
  const [draft, setDraft] = useState('')
  const holders = usePoll(
    async () => {
      const store = await connections.store(name)
      return Promise.all(names.map(async (lock) => ({ lock, holder: await store.locks.holder(lock) })))
    },
    locksPeriodMs,
    `${name}:${names.join('\0')}:${String(connections.token)}`,
    names.length > 0,
  )
  const add = (event: Event) => {
    event.preventDefault()
    const lock = draft.trim()
    if (lock !== '' && !names.includes(lock)) setNames([lock, ...names].slice(0, 20))
    setDraft('')
  }
  return (
    <Card title="Locks" subtitle={`${formatCount(held)} held · ${formatCount(waiters)} waiters · ${formatCount(elections)} elections`}>
      <form class="inline-form" onSubmit={add}>
        <input class="input" placeholder="Look up a lock by name, e.g. jobs/42" value={draft} onInput={(event) => setDraft(event.currentTarget.value)} aria-label="Lock name" />
        <button class="button" type="submit">
          Look up
        </button>
      </form>
      {holders.error !== undefined && <ProblemBanner problem={describeError(holders.error)} />}
      {names.length === 0 ? (
        <Empty>The API has no list of lock names: look one up to follow its holder.</Empty>
      ) : (
        <table class="table compact">
          <thead>
            <tr>
              <th>Lock</th>
              <th>Holder</th>
              <th class="num">Fencing token</th>
              <th />
            </tr>
          </thead>
          <tbody>
            {names.map((lock) => {
              const found = holders.value?.find((entry) => entry.lock === lock)
              return (
                <tr key={lock}>
                  <td class="mono">{lock}</td>
                  <td>{found === undefined ? <span class="muted">…</span> : found.holder === undefined ? <span class="muted">free</span> : <span class="badge role-leader">held {formatDuration(now - found.holder.since)}</span>}</td>
                  <td class="num mono">{found?.holder?.token ?? '—'}</td>
                  <td class="num">
                    <button class="link" type="button" onClick={() => setNames(names.filter((other) => other !== lock))} aria-label={`Stop following ${lock}`}>
                      ✕
                    </button>
                  </td>
                </tr>
              )
            })}
          </tbody>
        </table>
      )}
    </Card>
  )
}
