import { describe, expect, it } from 'vitest'
import { editableText, formatDuration, hexDump, parseEditorText, previewValue, valueKind } from '../src/lib/format.js'
import { gaugeByStore, parseMetrics } from '../src/lib/prometheus.js'

describe('value formatting', () => {
  it('edits plain JSON and strings, never binary, dates or bigints', () => {
    expect(editableText({ a: [1, 2] })).toEqual({ text: '{\n  "a": [\n    1,\n    2\n  ]\n}', mode: 'json' })
    expect(editableText('hello')).toEqual({ text: 'hello', mode: 'text' })
    expect(editableText(new Uint8Array([1]))).toBeUndefined()
    expect(editableText({ at: new Date(0) })).toBeUndefined()
    expect(editableText(1n)).toBeUndefined()
    expect(parseEditorText('{"a":1}', 'json')).toEqual({ ok: true, value: { a: 1 } })
    expect(parseEditorText('{a:1}', 'json').ok).toBe(false)
    expect(parseEditorText('{a:1}', 'text')).toEqual({ ok: true, value: '{a:1}' })
  })

  it('previews binary as hex and cuts long values', () => {
    expect(hexDump(new Uint8Array([0x89, 0x50, 0x4e, 0x47]))).toContain('89 50 4e 47')
    expect(previewValue('x'.repeat(500), 20)).toHaveLength(20)
    expect(valueKind(new Uint8Array(2))).not.toBe(valueKind({}))
    expect(formatDuration(90_000)).toMatch(/1m\s*30s|1\.5m|90s/)
  })
})

describe('parseMetrics', () => {
  it('reads the wanted samples with their labels and skips everything else', () => {
    const text = [
      '# HELP clustron_store_keys Keys in the store',
      '# TYPE clustron_store_keys gauge',
      'clustron_store_keys{store="orders",node="n1"} 42',
      'clustron_store_keys{store="a\\"b",node="n1"} 7',
      'clustron_store_leases{store="orders",node="n1"} 3',
      'clustron_request_duration_seconds_bucket{le="+Inf",store="orders"} 9',
    ].join('\n')
    const samples = parseMetrics(text, new Set(['clustron_store_keys']))
    expect(samples).toHaveLength(2)
    expect(gaugeByStore(samples, 'clustron_store_keys')).toEqual(new Map([['orders', 42], ['a"b', 7]]))
  })
})
