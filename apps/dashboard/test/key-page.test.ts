import type { Entry } from '@clustron/client'
import { describe, expect, it } from 'vitest'
import { prefixEnd } from '../src/lib/format.js'
import { applyEvent, nextStart, onPage, type KeyPage } from '../src/lib/key-page.js'

const entry = (key: string, revision: number): Entry => ({ key, value: key, version: 1, createRevision: revision, modRevision: revision })
const page: KeyPage = { prefix: 'app/', start: 'app/', limit: 3, entries: [entry('app/a', 1), entry('app/c', 2), entry('app/e', 3)], more: true, revision: 10 }

describe('the key page under live events', () => {
  it('inserts a new key in order and pushes the last one off a full page', () => {
    const next = applyEvent(page, { type: 'put', key: 'app/b', value: 1, version: 1, revision: 11 })
    expect(next.entries.map((one) => one.key)).toEqual(['app/a', 'app/b', 'app/c'])
    expect(next.more).toBe(true)
    expect(next.entries[1]).toMatchObject({ createRevision: 11, modRevision: 11, version: 1 })
  })

  it('updates in place, removes on delete, and ignores events the page already holds or keys off the page', () => {
    const updated = applyEvent(page, { type: 'put', key: 'app/c', value: 'new', version: 2, revision: 12 })
    expect(updated.entries[1]).toMatchObject({ key: 'app/c', value: 'new', version: 2, createRevision: 2, modRevision: 12 })
    expect(applyEvent(page, { type: 'delete', key: 'app/a', version: 0, revision: 12 }).entries.map((one) => one.key)).toEqual(['app/c', 'app/e'])
    expect(applyEvent(page, { type: 'put', key: 'app/c', value: 'old', version: 2, revision: 10 })).toBe(page)
    expect(applyEvent(page, { type: 'put', key: 'other/x', value: 1, version: 1, revision: 13 })).toBe(page)
    expect(applyEvent(page, { type: 'put', key: 'app/z', value: 1, version: 1, revision: 13 })).toBe(page)
  })

  it('pages on just past the last key and bounds prefixes', () => {
    expect(nextStart(page)).toBe('app/e\u0000')
    expect(nextStart({ ...page, more: false })).toBeUndefined()
    expect(onPage(page, 'app/d')).toBe(true)
    expect(onPage(page, 'app/f')).toBe(false)
    expect(prefixEnd('app/')).toBe('app0')
    expect(prefixEnd('')).toBeUndefined()
  })
})
