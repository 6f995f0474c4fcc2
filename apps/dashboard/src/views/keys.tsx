import { CompactedError, type Entry, type Store, type WatchEvent } from '@clustron/client'
import { useEffect, useState } from 'preact/hooks'
import { Card, Empty, ProblemBanner } from '../components/ui.js'
import { describeError, type Connections, type Problem } from '../lib/connection.js'
import { formatCount, formatDuration, previewValue } from '../lib/format.js'
import { applyEvent, loadPage, nextStart, pageSizes, type KeyPage } from '../lib/key-page.js'
import { KeyDetail, NewKeyForm, readOnlyNote } from './key-detail.js'

export interface KeysViewProps {
  stores: string[]
  connections: Connections
  now: number
  onToken: () => void
  onWrite: () => void
  /** Whether the page's token may change keys of `store` (from /api/session; the node has the last word). */
  canWrite: (store: string) => boolean
}

/** After watch events, re-read the changed keys (lease and expiresAt are not in events) this often at most. */
const refreshDelayMs = 250
/** Keys re-read at once; more changes than this in one burst re-read the page instead. */
const refreshKeysMax = 200
/** A broken watch is set up again after this long. */
const watchRetryMs = 2_000

type Selection = { kind: 'key'; key: string } | { kind: 'new' } | undefined
type LiveStatus = { state: 'connecting' } | { state: 'live'; changes: number; lastRevision?: number } | { state: 'error'; problem: Problem }

function initialParams(): { prefix: string; store?: string } {
  const params = new URLSearchParams(location.hash.split('?')[1] ?? '')
  const store = params.get('store')
  return { prefix: params.get('prefix') ?? '', ...(store === null ? {} : { store }) }
}

export function KeysView({ stores, connections, now, onToken, onWrite, canWrite }: KeysViewProps) {
  const initial = initialParams()
  const [storeName, setStoreName] = useState(initial.store !== undefined && stores.includes(initial.store) ? initial.store : (stores.includes('default') ? 'default' : stores[0]))
  const [draft, setDraft] = useState(initial.prefix)
  const [prefix, setPrefix] = useState(initial.prefix)
  const [limit, setLimit] = useState<number>(pageSizes[0])
  // Start keys of the pages before the current one (Previous pops), and the current page's start.
  const [starts, setStarts] = useState<(string | undefined)[]>([undefined])
  const [page, setPage] = useState<KeyPage | undefined>(undefined)
  const [problem, setProblem] = useState<Problem | undefined>(undefined)
  const [loading, setLoading] = useState(false)
  const [selection, setSelection] = useState<Selection>(undefined)
  const [live, setLive] = useState<LiveStatus>({ state: 'connecting' })
  const [flash, setFlash] = useState<ReadonlyMap<string, number>>(new Map())
  const [reloads, setReloads] = useState(0)
  const start = starts.at(-1)
  const writable = storeName === undefined || canWrite(storeName)

  useEffect(() => {
    if (storeName === undefined && stores.length > 0) setStoreName(stores.includes('default') ? 'default' : stores[0])
  }, [stores.join(',')])

  // Keep the view in the address so a reload (or a shared link) shows the same keys.
  useEffect(() => {
    const params = new URLSearchParams()
    if (storeName !== undefined && storeName !== 'default') params.set('store', storeName)
    if (prefix !== '') params.set('prefix', prefix)
    const query = params.toString()
    history.replaceState(null, '', `#/keys${query === '' ? '' : `?${query}`}`)
  }, [storeName, prefix])

  // Debounced search while typing.
  useEffect(() => {
    if (draft === prefix) return
    const timer = setTimeout(() => search(draft), 350)
    return () => clearTimeout(timer)
  }, [draft])

  const search = (next: string) => {
    setPrefix(next)
    setStarts([undefined])
  }

  // Load the page, then follow it live: the watch starts right after the revision the page was read at.
  useEffect(() => {
    if (storeName === undefined) return
    let stopped = false
    let watch: ReturnType<Store['watch']> | undefined
    let retry: ReturnType<typeof setTimeout> | undefined
    const pending = new Set<string>()
    let refreshTimer: ReturnType<typeof setTimeout> | undefined
    setLoading(true)
    setLive({ state: 'connecting' })
    const refresh = async (store: Store) => {
      refreshTimer = undefined
      const keys = [...pending].slice(0, refreshKeysMax)
      pending.clear()
      if (keys.length === 0 || stopped) return
      try {
        const entries = await store.getMany(keys)
        if (stopped) return
        setPage((current) => (current === undefined ? current : mergeEntries(current, keys, entries)))
      } catch {
        // The next event or reload tries again; the rows already show the event's data.
      }
    }
    let pageLoaded = false
    const run = async () => {
      try {
        const store = await connections.store(storeName)
        const loaded = await loadPage(store, prefix, start, limit)
        if (stopped) return
        setPage(loaded)
        pageLoaded = true
        setProblem(undefined)
        setLoading(false)
        watch = store.watch(prefix, { prefix: true, fromRevision: loaded.revision + 1 })
        await watch.ready
        if (stopped) return
        setLive({ state: 'live', changes: 0 })
        for await (const event of watch) {
          if (stopped) return
          onEvent(event)
          pending.add(event.key)
          refreshTimer ??= setTimeout(() => void refresh(store), refreshDelayMs)
        }
      } catch (error) {
        if (stopped) return
        const described = describeError(error)
        setLoading(false)
        if (error instanceof CompactedError) {
          // The page is older than the watch history: read it again.
          retry = setTimeout(() => setReloads((value) => value + 1), 0)
          return
        }
        setLive({ state: 'error', problem: described })
        // Reading the page failed, or the node wants a token: say so above the table.
        if (!pageLoaded || described.needsToken || described.denied) setProblem(described)
        retry = setTimeout(() => setReloads((value) => value + 1), watchRetryMs)
      }
    }
    const onEvent = (event: WatchEvent) => {
      setPage((current) => (current === undefined ? current : applyEvent(current, event)))
      setLive((current) => ({ state: 'live', changes: (current.state === 'live' ? current.changes : 0) + 1, lastRevision: event.revision }))
      setFlash((current) => new Map(current).set(event.key, Date.now()))
    }
    void run()
    return () => {
      stopped = true
      watch?.close()
      if (retry !== undefined) clearTimeout(retry)
      if (refreshTimer !== undefined) clearTimeout(refreshTimer)
    }
  }, [storeName, prefix, start, limit, connections, reloads])

  const selected = selection?.kind === 'key' ? page?.entries.find((entry) => entry.key === selection.key) : undefined
  const next = page === undefined ? undefined : nextStart(page)
  const pageNumber = starts.length

  return (
    <div class="view keys-view">
      <Card class="toolbar-card">
        <form
          class="toolbar"
          onSubmit={(event) => {
            event.preventDefault()
            search(draft)
          }}
        >
          {stores.length > 1 && (
            <label class="field">
              <span>Store</span>
              <select class="input" value={storeName} onChange={(event) => { setStoreName(event.currentTarget.value); setStarts([undefined]); setSelection(undefined) }}>
                {stores.map((name) => (
                  <option key={name} value={name}>
                    {name}
                  </option>
                ))}
              </select>
            </label>
          )}
          <label class="field grow">
            <span>Key prefix</span>
            <input class="input mono" name="prefix" placeholder="all keys — type a prefix, e.g. config/" value={draft} onInput={(event) => setDraft(event.currentTarget.value)} autoComplete="off" spellcheck={false} />
          </label>
          <label class="field">
            <span>Per page</span>
            <select class="input" value={String(limit)} onChange={(event) => { setLimit(Number(event.currentTarget.value)); setStarts([undefined]) }}>
              {[...pageSizes].sort((a, b) => a - b).map((size) => (
                <option key={size} value={String(size)}>
                  {size}
                </option>
              ))}
            </select>
          </label>
          <button class="button" type="submit">
            Search
          </button>
          <button class="button primary" type="button" disabled={!writable} title={writable ? undefined : readOnlyNote} onClick={() => setSelection({ kind: 'new' })}>
            + New key
          </button>
        </form>
      </Card>
      {problem !== undefined && <ProblemBanner problem={problem} onToken={onToken} />}
      <div class="browser">
        <Card
          class="key-list"
          title={
            <>
              Keys{prefix !== '' && <span class="mono muted"> {prefix}*</span>}
            </>
          }
          subtitle={page === undefined ? (loading ? 'Loading…' : ' ') : `Page ${pageNumber} · ${page.entries.length}${page.more ? '+' : ''} ${page.entries.length === 1 && !page.more ? 'key' : 'keys'} · read at revision ${formatCount(page.revision)}`}
          actions={<LiveIndicator live={live} />}
        >
          {page === undefined ? (
            <Empty>{loading ? 'Loading keys…' : 'No page loaded.'}</Empty>
          ) : page.entries.length === 0 ? (
            <Empty>{prefix === '' ? 'The store is empty. Add a key with “New key”, or write one with the client; it shows up here live.' : `No keys start with “${prefix}”. New ones show up here live.`}</Empty>
          ) : (
            <table class="table keys">
              <thead>
                <tr>
                  <th>Key</th>
                  <th>Value</th>
                  <th class="num">Ver.</th>
                  <th class="num">Mod rev.</th>
                  <th>Expires</th>
                </tr>
              </thead>
              <tbody>
                {page.entries.map((entry) => (
                  <KeyRow key={entry.key} entry={entry} now={now} selected={selection?.kind === 'key' && selection.key === entry.key} flashedAt={flash.get(entry.key)} onSelect={() => setSelection({ kind: 'key', key: entry.key })} />
                ))}
              </tbody>
            </table>
          )}
          <div class="pager">
            <button class="button" type="button" disabled={starts.length <= 1} onClick={() => setStarts(starts.slice(0, -1))}>
              ← Previous
            </button>
            <span class="muted">Page {pageNumber}</span>
            <button class="button" type="button" disabled={next === undefined} onClick={() => next !== undefined && setStarts([...starts, next])}>
              Next →
            </button>
          </div>
        </Card>
        <div class="detail-column">
          {selection?.kind === 'new' && storeName !== undefined && writable ? (
            <NewKeyForm
              prefix={prefix}
              store={() => connections.store(storeName)}
              onToken={onToken}
              onCancel={() => setSelection(undefined)}
              onSaved={(key) => {
                onWrite()
                setSelection({ kind: 'key', key })
              }}
            />
          ) : selection?.kind === 'key' && storeName !== undefined ? (
            <KeyDetail
              key={selection.key}
              keyName={selection.key}
              entry={selected}
              store={() => connections.store(storeName)}
              now={now}
              onToken={onToken}
              onClose={() => setSelection(undefined)}
              onWrite={onWrite}
              writable={writable}
            />
          ) : (
            <Card title="Value">
              <Empty>Select a key to see its value, version, revisions and TTL, and to edit or delete it.</Empty>
            </Card>
          )}
        </div>
      </div>
    </div>
  )
}

function mergeEntries(page: KeyPage, keys: readonly string[], entries: readonly (Entry | undefined)[]): KeyPage {
  const fresh = new Map<string, Entry>()
  keys.forEach((key, index) => {
    const entry = entries[index]
    if (entry !== undefined) fresh.set(key, entry)
  })
  let changed = false
  const merged = page.entries.map((entry) => {
    const newer = fresh.get(entry.key)
    if (newer === undefined || newer.modRevision < entry.modRevision) return entry
    changed = true
    return newer
  })
  return changed ? { ...page, entries: merged } : page
}

function LiveIndicator({ live }: { live: LiveStatus }) {
  if (live.state === 'connecting') return <span class="live live-idle">connecting…</span>
  if (live.state === 'error') return <span class="live live-bad" title={live.problem.message}>live updates stopped — retrying</span>
  return (
    <span class="live live-on" title={live.lastRevision === undefined ? 'Watching the prefix' : `Last change at revision ${live.lastRevision}`}>
      <i />
      live{live.changes > 0 ? ` · ${formatCount(live.changes)} change${live.changes === 1 ? '' : 's'}` : ''}
    </span>
  )
}

function KeyRow({ entry, now, selected, flashedAt, onSelect }: { entry: Entry; now: number; selected: boolean; flashedAt: number | undefined; onSelect: () => void }) {
  const recent = flashedAt !== undefined && now - flashedAt < 3_000
  return (
    <tr class={`${selected ? 'selected' : ''} ${recent ? 'flash' : ''}`} onClick={onSelect} data-key={entry.key} tabIndex={0} onKeyDown={(event) => event.key === 'Enter' && onSelect()}>
      <td class="mono key-cell" title={entry.key}>
        {entry.key}
      </td>
      <td class="mono value-cell">{previewValue(entry.value, 80)}</td>
      <td class="num mono">{entry.version}</td>
      <td class="num mono">{formatCount(entry.modRevision)}</td>
      <td class="mono">{entry.expiresAt !== undefined ? formatDuration(entry.expiresAt - now) : entry.lease !== undefined ? <span class="tag">lease</span> : <span class="muted">—</span>}</td>
    </tr>
  )
}
