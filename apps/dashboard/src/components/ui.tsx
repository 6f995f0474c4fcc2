import type { ComponentChildren } from 'preact'
import type { Problem } from '../lib/connection.js'
import type { MemberHealth } from '../lib/members.js'

export function RoleBadge({ role }: { role: string | undefined }) {
  const known = role === 'leader' || role === 'follower' || role === 'learner' || role === 'candidate'
  return <span class={`badge role-${known ? role : 'unknown'}`}>{role === 'leader' ? '★ leader' : (role ?? 'unknown')}</span>
}

const healthText: Record<MemberHealth, string> = {
  leader: 'leading',
  'in-sync': 'in sync',
  'catching-up': 'catching up',
  stalled: 'not replicating',
  inactive: 'not responding',
  unknown: 'unknown',
}

const healthTone: Record<MemberHealth, 'good' | 'warn' | 'bad' | 'idle'> = {
  leader: 'good',
  'in-sync': 'good',
  'catching-up': 'warn',
  stalled: 'bad',
  inactive: 'bad',
  unknown: 'idle',
}

export function HealthDot({ health, title }: { health: MemberHealth; title?: string | undefined }) {
  return (
    <span class={`health tone-${healthTone[health]}`} title={title}>
      <i />
      {healthText[health]}
    </span>
  )
}

export function Card({ title, subtitle, actions, children, class: className }: { title?: ComponentChildren; subtitle?: ComponentChildren; actions?: ComponentChildren; children: ComponentChildren; class?: string }) {
  return (
    <section class={`card ${className ?? ''}`}>
      {(title !== undefined || actions !== undefined) && (
        <header class="card-header">
          <div>
            {title !== undefined && <h2>{title}</h2>}
            {subtitle !== undefined && <p class="subtitle">{subtitle}</p>}
          </div>
          {actions !== undefined && <div class="card-actions">{actions}</div>}
        </header>
      )}
      {children}
    </section>
  )
}

export function Stat({ label, value, hint, tone }: { label: string; value: ComponentChildren; hint?: ComponentChildren | undefined; tone?: 'good' | 'warn' | 'bad' | undefined }) {
  return (
    <div class={`stat ${tone === undefined ? '' : `tone-${tone}`}`}>
      <div class="stat-label">{label}</div>
      <div class="stat-value">{value}</div>
      {hint !== undefined && <div class="stat-hint">{hint}</div>}
    </div>
  )
}

export function ProblemBanner({ problem, onToken }: { problem: Problem; onToken?: () => void }) {
  return (
    <div class={`banner ${problem.denied ? 'banner-warn' : 'banner-bad'}`} role="alert">
      <strong>{problem.title}</strong>
      <span>{problem.message}</span>
      {problem.needsToken && onToken !== undefined && (
        <button type="button" class="button small" onClick={onToken}>
          Enter token
        </button>
      )}
    </div>
  )
}

export function Empty({ children }: { children: ComponentChildren }) {
  return <div class="empty">{children}</div>
}
