import type { Entry, PutOptions, Store } from '@clustron/client'
import { useEffect, useState } from 'preact/hooks'
import { Card, ProblemBanner } from '../components/ui.js'
import { describeError, type Problem } from '../lib/connection.js'
import { editableText, formatBytes, formatCount, formatDuration, formatValue, parseEditorText, valueKind } from '../lib/format.js'

export interface KeyDetailProps {
  keyName: string
  /** The key's entry on the current page (kept live by the watch); undefined once deleted or off the page. */
  entry: Entry | undefined
  store: () => Promise<Store>
  now: number
  onToken: () => void
  onClose: () => void
  onWrite: () => void
  /** The token may change this store's keys: offer edit and delete. */
  writable: boolean
}

/** Shown where a read-only token hides edit and delete. */
export const readOnlyNote = 'Read-only: this token may read this store but not change it.'

type Outcome = { tone: 'good' | 'bad'; text: string } | undefined

/** The selected key: its value (JSON pretty, binary as hex), metadata, and edit/delete when the token allows. */
export function KeyDetail({ keyName, entry: fromPage, store, now, onToken, onClose, onWrite, writable }: KeyDetailProps) {
  const [fetched, setFetched] = useState<Entry | undefined | 'missing'>(undefined)
  const [editing, setEditing] = useState(false)
  const [problem, setProblem] = useState<Problem | undefined>(undefined)
  const [outcome, setOutcome] = useState<Outcome>(undefined)
  const [confirmDelete, setConfirmDelete] = useState(false)

  // Off the page (a link, or the key was pushed to another page): read it directly.
  useEffect(() => {
    if (fromPage !== undefined) return
    let stopped = false
    void (async () => {
      try {
        const entry = await (await store()).get(keyName)
        if (!stopped) setFetched(entry ?? 'missing')
      } catch (error) {
        if (!stopped) setProblem(describeError(error))
      }
    })()
    return () => {
      stopped = true
    }
  }, [keyName, fromPage === undefined])

  const entry = fromPage ?? (fetched === 'missing' ? undefined : fetched)
  const run = async (what: string, action: (store: Store) => Promise<Outcome>) => {
    setProblem(undefined)
    setOutcome(undefined)
    try {
      setOutcome(await action(await store()))
      onWrite()
    } catch (error) {
      const described = describeError(error)
      setProblem({ ...described, title: `${what} failed: ${described.title}` })
    }
  }

  const remove = () =>
    run('Delete', async (handle) => {
      setConfirmDelete(false)
      const deleted = await handle.delete(keyName, entry === undefined ? {} : { ifVersion: entry.version })
      return deleted ? { tone: 'good', text: 'Deleted.' } : { tone: 'bad', text: 'Not deleted: the key changed or was already gone. Look again and retry.' }
    })

  return (
    <Card
      class="detail"
      title={<span class="mono break">{keyName}</span>}
      subtitle={entry === undefined ? (fetched === 'missing' || fromPage === undefined ? 'This key does not exist (any more).' : 'Loading…') : `${valueKind(entry.value)} value`}
      actions={
        <button class="link" type="button" onClick={onClose} aria-label="Close">
          ✕
        </button>
      }
    >
      {problem !== undefined && <ProblemBanner problem={problem} onToken={onToken} />}
      {outcome !== undefined && <div class={`banner ${outcome.tone === 'good' ? 'banner-good' : 'banner-warn'}`}>{outcome.text}</div>}
      {entry !== undefined && (
        <>
          <dl class="meta">
            <div>
              <dt>Version</dt>
              <dd class="mono">{entry.version}</dd>
            </div>
            <div>
              <dt>Created at rev.</dt>
              <dd class="mono">{formatCount(entry.createRevision)}</dd>
            </div>
            <div>
              <dt>Modified at rev.</dt>
              <dd class="mono">{formatCount(entry.modRevision)}</dd>
            </div>
            <div>
              <dt>Lease</dt>
              <dd class="mono">{entry.lease ?? <span class="muted">none</span>}</dd>
            </div>
            <div>
              <dt>TTL</dt>
              <dd class="mono">{entry.expiresAt === undefined ? <span class="muted">none</span> : <span title={new Date(entry.expiresAt).toISOString()}>{formatDuration(entry.expiresAt - now)} left</span>}</dd>
            </div>
            <div>
              <dt>Size</dt>
              <dd class="mono">{entry.value instanceof Uint8Array ? formatBytes(entry.value.length) : typeof entry.value === 'string' ? `${formatCount(entry.value.length)} chars` : valueKind(entry.value)}</dd>
            </div>
          </dl>
          {editing ? (
            <ValueEditor
              entry={entry}
              now={now}
              onCancel={() => setEditing(false)}
              onSave={(value, options) =>
                run('Save', async (handle) => {
                  const result = await handle.put(keyName, value, { ...options, ifVersion: entry.version })
                  if (result.ok) {
                    setEditing(false)
                    return { tone: 'good', text: `Saved: version ${result.version} at revision ${formatCount(result.revision)}.` }
                  }
                  return { tone: 'bad', text: result.reason === 'version-mismatch' ? 'Not saved: someone changed the key since you opened it (the value shown is the current one). Edit again to overwrite.' : `Not saved: ${result.reason}.` }
                })
              }
            />
          ) : (
            <>
              <pre class={`value-view ${entry.value instanceof Uint8Array ? 'hex' : ''}`} data-kind={valueKind(entry.value)}>
                {formatValue(entry.value)}
              </pre>
              {!writable && (
                <p class="muted read-only" data-testid="read-only">
                  {readOnlyNote}
                </p>
              )}
              <div class="actions" hidden={!writable}>
                <button class="button" type="button" disabled={editableText(entry.value) === undefined} title={editableText(entry.value) === undefined ? 'Binary, bigint and date values are edited with the client' : undefined} onClick={() => setEditing(true)}>
                  Edit
                </button>
                {confirmDelete ? (
                  <span class="confirm">
                    Delete <span class="mono">{keyName}</span>?
                    <button class="button danger" type="button" onClick={() => void remove()}>
                      Yes, delete
                    </button>
                    <button class="button" type="button" onClick={() => setConfirmDelete(false)}>
                      Keep
                    </button>
                  </span>
                ) : (
                  <button class="button danger-outline" type="button" onClick={() => setConfirmDelete(true)}>
                    Delete
                  </button>
                )}
              </div>
            </>
          )}
        </>
      )}
    </Card>
  )
}

interface EditorProps {
  entry: Entry
  now: number
  onCancel: () => void
  onSave: (value: unknown, options: PutOptions) => void
}

/** Edits a value as JSON or text; keeps the key's lease, or sets a TTL (empty: none). */
function ValueEditor({ entry, now, onCancel, onSave }: EditorProps) {
  const start = editableText(entry.value) ?? { text: '', mode: 'json' as const }
  const [text, setText] = useState(start.text)
  const [mode, setMode] = useState<'json' | 'text'>(start.mode)
  const [ttlSeconds, setTtlSeconds] = useState(entry.expiresAt === undefined ? '' : String(Math.max(1, Math.ceil((entry.expiresAt - now) / 1000))))
  const [keepLease, setKeepLease] = useState(entry.lease !== undefined)
  const parsed = parseEditorText(text, mode)
  const ttl = ttlSeconds.trim() === '' ? undefined : Number(ttlSeconds)
  const ttlValid = ttl === undefined || (Number.isFinite(ttl) && ttl > 0)
  return (
    <form
      class="editor"
      onSubmit={(event) => {
        event.preventDefault()
        if (!parsed.ok || !ttlValid) return
        const options: PutOptions = {}
        if (keepLease && entry.lease !== undefined) options.lease = entry.lease
        else if (ttl !== undefined) options.ttlMs = Math.round(ttl * 1000)
        onSave(parsed.value, options)
      }}
    >
      <div class="editor-bar">
        <div class="segmented" role="radiogroup" aria-label="Value type">
          <button type="button" class={mode === 'json' ? 'on' : ''} onClick={() => setMode('json')}>
            JSON
          </button>
          <button type="button" class={mode === 'text' ? 'on' : ''} onClick={() => setMode('text')}>
            Text
          </button>
        </div>
        {entry.lease !== undefined ? (
          <label class="check">
            <input type="checkbox" checked={keepLease} onChange={(event) => setKeepLease(event.currentTarget.checked)} /> keep lease <span class="mono">{entry.lease}</span>
          </label>
        ) : null}
        {!(keepLease && entry.lease !== undefined) && (
          <label class="field inline">
            <span>TTL (s)</span>
            <input class={`input small-input ${ttlValid ? '' : 'invalid'}`} value={ttlSeconds} placeholder="none" onInput={(event) => setTtlSeconds(event.currentTarget.value)} />
          </label>
        )}
      </div>
      <textarea class="input mono value-input" rows={12} value={text} onInput={(event) => setText(event.currentTarget.value)} spellcheck={false} aria-label="Value" />
      {!parsed.ok && <p class="field-error">{parsed.error}</p>}
      <div class="actions">
        <button class="button primary" type="submit" disabled={!parsed.ok || !ttlValid}>
          Save
        </button>
        <button class="button" type="button" onClick={onCancel}>
          Cancel
        </button>
        <span class="muted small">Saves only if the key is still at version {entry.version}.</span>
      </div>
    </form>
  )
}

/** Creates a key (only if absent), as JSON or text, with an optional TTL. */
export function NewKeyForm({ prefix, store, onToken, onCancel, onSaved }: { prefix: string; store: () => Promise<Store>; onToken: () => void; onCancel: () => void; onSaved: (key: string) => void }) {
  const [key, setKey] = useState(prefix)
  const [text, setText] = useState('')
  const [mode, setMode] = useState<'json' | 'text'>('text')
  const [ttlSeconds, setTtlSeconds] = useState('')
  const [problem, setProblem] = useState<Problem | undefined>(undefined)
  const [busy, setBusy] = useState(false)
  const parsed = parseEditorText(text, mode)
  const ttl = ttlSeconds.trim() === '' ? undefined : Number(ttlSeconds)
  const ttlValid = ttl === undefined || (Number.isFinite(ttl) && ttl > 0)
  const submit = async (event: Event) => {
    event.preventDefault()
    if (!parsed.ok || !ttlValid || key === '') return
    setBusy(true)
    setProblem(undefined)
    try {
      const result = await (await store()).put(key, parsed.value, ttl === undefined ? { ifAbsent: true } : { ifAbsent: true, ttlMs: Math.round(ttl * 1000) })
      if (result.ok) onSaved(key)
      else setProblem({ title: 'Not created', message: 'A key with this name exists already: open it to edit.', needsToken: false, denied: false })
    } catch (error) {
      const described = describeError(error)
      setProblem({ ...described, title: `Create failed: ${described.title}` })
    } finally {
      setBusy(false)
    }
  }
  return (
    <Card title="New key" actions={<button class="link" type="button" onClick={onCancel} aria-label="Close">✕</button>}>
      {problem !== undefined && <ProblemBanner problem={problem} onToken={onToken} />}
      <form class="editor" onSubmit={(event) => void submit(event)}>
        <label class="field">
          <span>Key</span>
          <input class="input mono" value={key} onInput={(event) => setKey(event.currentTarget.value)} placeholder="config/feature-x" autoFocus spellcheck={false} />
        </label>
        <div class="editor-bar">
          <div class="segmented" role="radiogroup" aria-label="Value type">
            <button type="button" class={mode === 'json' ? 'on' : ''} onClick={() => setMode('json')}>
              JSON
            </button>
            <button type="button" class={mode === 'text' ? 'on' : ''} onClick={() => setMode('text')}>
              Text
            </button>
          </div>
          <label class="field inline">
            <span>TTL (s)</span>
            <input class={`input small-input ${ttlValid ? '' : 'invalid'}`} value={ttlSeconds} placeholder="none" onInput={(event) => setTtlSeconds(event.currentTarget.value)} />
          </label>
        </div>
        <textarea class="input mono value-input" rows={8} value={text} onInput={(event) => setText(event.currentTarget.value)} placeholder={mode === 'json' ? '{ "enabled": true }' : 'any text'} spellcheck={false} aria-label="Value" />
        {!parsed.ok && text !== '' && <p class="field-error">{parsed.error}</p>}
        <div class="actions">
          <button class="button primary" type="submit" disabled={busy || key === '' || !parsed.ok || !ttlValid}>
            Create
          </button>
          <button class="button" type="button" onClick={onCancel}>
            Cancel
          </button>
        </div>
      </form>
    </Card>
  )
}
