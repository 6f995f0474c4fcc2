import { useEffect, useMemo, useState } from 'preact/hooks'
import { Connections } from './lib/connection.js'
import { formatDuration } from './lib/format.js'
import { mayWrite } from './lib/http.js'
import { useLive, useNow } from './lib/hooks.js'
import { Monitor } from './lib/monitor.js'
import { loadToken, saveToken } from './lib/token.js'
import { ClusterView } from './views/cluster.js'
import { KeysView } from './views/keys.js'
import { StoresView } from './views/stores.js'

type Tab = 'cluster' | 'stores' | 'keys'
const tabs: { id: Tab; label: string }[] = [
  { id: 'cluster', label: 'Cluster' },
  { id: 'stores', label: 'Stores' },
  { id: 'keys', label: 'Keys' },
]

function tabFromHash(): Tab {
  const name = location.hash.replace(/^#\/?/, '').split('?')[0]
  return tabs.some((tab) => tab.id === name) ? (name as Tab) : 'cluster'
}

export function App() {
  const [token, setToken] = useState(loadToken())
  const [tab, setTab] = useState<Tab>(tabFromHash())
  const [askToken, setAskToken] = useState(false)
  // One set of connections and one monitor per token: a new token reconnects everything.
  const connections = useMemo(() => new Connections(token), [token])
  const monitor = useMemo(() => new Monitor(connections), [connections])
  useEffect(() => {
    monitor.start()
    return () => {
      monitor.stop()
      void connections.close()
    }
  }, [monitor])
  useEffect(() => {
    const follow = () => setTab(tabFromHash())
    addEventListener('hashchange', follow)
    return () => removeEventListener('hashchange', follow)
  }, [])
  const live = useLive(monitor)
  const now = useNow()

  // The node wants a token (the handshake said UNAUTHENTICATED, or HTTP 401): ask once.
  const needsToken = live.healthError?.needsToken === true || live.sessionError?.needsToken === true || [...live.stores.values()].some((store) => store.statusError?.needsToken === true)
  useEffect(() => {
    if (needsToken) setAskToken(true)
  }, [needsToken])

  const health = live.health
  const stale = live.healthAt === undefined || now - live.healthAt > 5_000
  const storeNames = [...live.stores.keys()].sort()
  const firstStore = health === undefined ? undefined : Object.values(health.stores)[0]
  const go = (next: Tab) => {
    location.hash = `#/${next}`
    setTab(next)
  }

  return (
    <div class="app">
      <header class="topbar">
        <div class="brand">
          <Logo />
          <span class="brand-name">Clustron</span>
          <span class="brand-sub">dashboard</span>
        </div>
        <nav class="tabs" aria-label="Views">
          {tabs.map((one) => (
            <a key={one.id} href={`#/${one.id}`} class={tab === one.id ? 'tab active' : 'tab'} aria-current={tab === one.id ? 'page' : undefined} onClick={(event) => { event.preventDefault(); go(one.id) }}>
              {one.label}
            </a>
          ))}
        </nav>
        <div class="node-info" data-testid="node-info">
          <span class={`dot ${live.healthAt === undefined ? 'idle' : stale ? 'bad' : 'good'}`} />
          <span>
            talking to <b class="mono">{health?.nodeId ?? '…'}</b>
            <span class="muted-light"> at {location.host}</span>
            {firstStore !== undefined && <span class="muted-light"> · {firstStore.role}</span>}
            {stale && live.healthAt !== undefined && <span class="warn-light"> · no answer for {formatDuration(now - live.healthAt)}</span>}
          </span>
          <button class={`button ghost ${token === undefined ? '' : 'token-set'}`} type="button" onClick={() => setAskToken(true)} title={token === undefined ? 'Enter an access token' : `A token is set for this tab${live.session?.auth === 'required' ? ` (subject ${live.session.subject})` : ''}`}>
            <KeyIcon />
            {token === undefined ? 'Token' : live.session?.auth === 'required' ? live.session.subject : 'Token set'}
          </button>
        </div>
      </header>
      <main class="content">
        {tab === 'cluster' && <ClusterView live={live} now={now} onToken={() => setAskToken(true)} />}
        {tab === 'stores' && <StoresView live={live} connections={connections} now={now} onToken={() => setAskToken(true)} />}
        {tab === 'keys' && <KeysView stores={storeNames} connections={connections} now={now} onToken={() => setAskToken(true)} onWrite={() => monitor.refreshStatuses()} canWrite={(store) => mayWrite(live.session, store)} />}
      </main>
      {askToken && (
        <TokenDialog
          required={needsToken}
          hasToken={token !== undefined}
          onCancel={() => setAskToken(false)}
          onSave={(next) => {
            saveToken(next)
            setToken(next)
            setAskToken(false)
          }}
        />
      )}
    </div>
  )
}

function TokenDialog({ required, hasToken, onCancel, onSave }: { required: boolean; hasToken: boolean; onCancel: () => void; onSave: (token: string | undefined) => void }) {
  const [value, setValue] = useState('')
  return (
    <div class="overlay" role="dialog" aria-modal="true" aria-labelledby="token-title" onClick={(event) => event.target === event.currentTarget && onCancel()}>
      <form
        class="dialog"
        onSubmit={(event) => {
          event.preventDefault()
          if (value.trim() !== '') onSave(value.trim())
        }}
      >
        <h2 id="token-title">{required ? 'This node requires a token' : 'Access token'}</h2>
        <p class="muted">
          {required ? 'The node refused the connection without a valid token. ' : ''}
          The token is kept in this tab only (sessionStorage) and sent to the node when connecting. Operators set it with <span class="mono">--token</span>.
        </p>
        <input class="input mono" type="password" autoFocus autoComplete="off" placeholder="token" value={value} onInput={(event) => setValue(event.currentTarget.value)} aria-label="Token" />
        <div class="actions end">
          {hasToken && (
            <button class="button danger-outline" type="button" onClick={() => onSave(undefined)}>
              Forget token
            </button>
          )}
          <button class="button" type="button" onClick={onCancel}>
            Cancel
          </button>
          <button class="button primary" type="submit" disabled={value.trim() === ''}>
            Connect
          </button>
        </div>
      </form>
    </div>
  )
}

/** Drawn, not an emoji: the page must look the same without an emoji font (offline, minimal systems). */
function KeyIcon() {
  return (
    <svg class="icon" width="14" height="14" viewBox="0 0 16 16" aria-hidden="true">
      <circle cx="5" cy="8" r="3.2" stroke="currentColor" stroke-width="1.8" fill="none" />
      <path d="M8.2 8 H15 M12.5 8 V11 M14.5 8 V10.5" stroke="currentColor" stroke-width="1.8" stroke-linecap="round" fill="none" />
    </svg>
  )
}

function Logo() {
  return (
    <svg width="26" height="26" viewBox="0 0 32 32" aria-hidden="true">
      <circle cx="16" cy="7" r="4.5" fill="#f6b73c" />
      <circle cx="7" cy="23" r="4.5" fill="#5eb1ff" />
      <circle cx="25" cy="23" r="4.5" fill="#5eb1ff" />
      <path d="M16 11.5 L8.8 19 M16 11.5 L23.2 19 M11.5 23 H20.5" stroke="#9fb3d1" stroke-width="2" stroke-linecap="round" fill="none" />
    </svg>
  )
}
