import { Card, Empty, HealthDot, ProblemBanner, RoleBadge, Stat } from '../components/ui.js'
import { formatCount, formatDuration } from '../lib/format.js'
import type { Health } from '../lib/http.js'
import { memberViews, sortMembers, type MemberView } from '../lib/members.js'
import type { LiveState, StoreLive } from '../lib/monitor.js'

export interface ClusterViewProps {
  live: LiveState
  now: number
  onToken: () => void
}

/** Members of each store's Raft group, as the page's node and the leader (through the client) report them. */
export function ClusterView({ live, now, onToken }: ClusterViewProps) {
  const health = live.health
  if (health === undefined) {
    return live.healthError !== undefined ? <ProblemBanner problem={live.healthError} onToken={onToken} /> : <Empty>Asking the node for its health…</Empty>
  }
  const names = Object.keys(health.stores).sort()
  const first = names[0] === undefined ? undefined : health.stores[names[0]]
  const stale = live.healthAt !== undefined && now - live.healthAt > 5_000
  return (
    <div class="view">
      {live.healthError !== undefined && <ProblemBanner problem={{ ...live.healthError, title: `${live.healthError.title} (showing what it said ${formatDuration(now - (live.healthAt ?? now))} ago)` }} onToken={onToken} />}
      <div class="stats-row">
        <Stat label="This page's node" value={<span class="mono">{health.nodeId}</span>} hint={<span>{location.host}</span>} tone={stale ? 'bad' : health.status === 'ok' ? 'good' : 'warn'} />
        <Stat label="Status" value={stale ? 'unreachable' : health.status === 'ok' ? 'serving' : 'stopping'} hint={`up ${formatDuration(health.uptimeMs)}`} tone={stale ? 'bad' : health.status === 'ok' ? 'good' : 'warn'} />
        <Stat label="Leader" value={<span class="mono">{first?.leader === undefined || first.leader === '' ? 'none' : first.leader}</span>} hint={names.length > 1 ? `of ${names[0]}` : 'of the store'} tone={first?.leader === undefined || first.leader === '' ? 'bad' : undefined} />
        <Stat label="Term" value={formatCount(first?.term)} hint="Raft election term" />
        <Stat label="Stores" value={names.length} hint={names.join(', ')} />
        <Stat label="Client connections" value={formatCount(live.connections)} hint="open on this node" />
      </div>
      {names.map((name) => (
        <StoreMembers key={name} name={name} health={health} store={live.stores.get(name)} now={now} onToken={onToken} />
      ))}
    </div>
  )
}

function StoreMembers({ name, health, store, now, onToken }: { name: string; health: Health; store: StoreLive | undefined; now: number; onToken: () => void }) {
  const local = health.stores[name]!
  const status = store?.status
  // The client follows the leader, so its status carries the leader's view (matchIndex per member).
  const fromLeader = status !== undefined && status.role === 'leader'
  const members = fromLeader && status.members !== undefined ? status.members : (local.members ?? status?.members ?? [])
  const leaderCommit = fromLeader ? status.commitIndex : local.role === 'leader' ? local.commitIndex : undefined
  const views = sortMembers(memberViews(members, leaderCommit, store?.progress ?? new Map(), now))
  const source = fromLeader ? `the leader ${status.node ?? ''} (through the client connection)` : `${health.nodeId} (this page's node)`
  return (
    <Card
      title={
        <>
          Raft group <span class="mono muted">{name}</span>
        </>
      }
      subtitle={`Members and replication progress as reported by ${source}.`}
      actions={<span class="pill">term {formatCount(local.term)}</span>}
    >
      {store?.statusError !== undefined && <ProblemBanner problem={store.statusError} onToken={onToken} />}
      <div class="index-strip">
        <span>
          commit index <b>{formatCount(local.commitIndex)}</b>
        </span>
        <span>
          applied index <b>{formatCount(local.appliedIndex)}</b>
        </span>
        <span>
          revision <b>{formatCount(local.revision)}</b>
        </span>
        <span class="muted">on {health.nodeId}</span>
        {leaderCommit !== undefined && (
          <span>
            leader commit index <b>{formatCount(leaderCommit)}</b>
          </span>
        )}
      </div>
      {views.length === 0 ? (
        <Empty>This store is not replicated (the node runs it in memory): it has no members to show.</Empty>
      ) : (
        <table class="table members" data-store={name}>
          <thead>
            <tr>
              <th>Member</th>
              <th>Address</th>
              <th>Role</th>
              <th class="num">Match index</th>
              <th>Lag behind leader</th>
              <th>Health</th>
            </tr>
          </thead>
          <tbody>
            {views.map((member) => (
              <MemberRow key={member.id} member={member} pageNode={health.nodeId} clientNode={status?.node} leaderCommit={leaderCommit} />
            ))}
          </tbody>
        </table>
      )}
    </Card>
  )
}

function MemberRow({ member, pageNode, clientNode, leaderCommit }: { member: MemberView; pageNode: string; clientNode: string | undefined; leaderCommit: number | undefined }) {
  const lagShare = member.lag === undefined || leaderCommit === undefined || leaderCommit === 0 ? 0 : Math.min(1, member.lag / Math.max(64, leaderCommit * 0.05))
  const elsewhere = member.address !== '' && member.address !== location.host
  return (
    <tr data-member={member.id} data-role={member.role}>
      <td>
        <span class="mono strong">{member.id}</span>
        {member.id === pageNode && <span class="tag">this page</span>}
        {member.id === clientNode && <span class="tag tag-alt">client</span>}
      </td>
      <td class="mono">
        {member.address === '' ? (
          <span class="muted">unknown</span>
        ) : elsewhere ? (
          <a href={`${location.protocol}//${member.address}/`} title="Open the dashboard served by this member">
            {member.address} ↗
          </a>
        ) : (
          member.address
        )}
      </td>
      <td>
        <RoleBadge role={member.role} />
      </td>
      <td class="num mono">{formatCount(member.matchIndex)}</td>
      <td>
        {member.lag === undefined ? (
          <span class="muted">—</span>
        ) : (
          <span class="lag">
            <span class="lag-bar">
              <i style={{ width: `${Math.max(member.lag > 0 ? 4 : 0, lagShare * 100)}%` }} class={member.health === 'stalled' ? 'bad' : member.lag > 0 ? 'warn' : ''} />
            </span>
            <span class="mono">{member.lag === 0 ? '0' : `${formatCount(member.lag)} entries`}</span>
          </span>
        )}
      </td>
      <td>
        <HealthDot health={member.health} title={member.health === 'unknown' ? 'Only the leader knows how far each member got; no leader answered.' : undefined} />
      </td>
    </tr>
  )
}
