import { connect } from '@clustron/client'
import { expect, it } from 'vitest'
import { tour } from '../src/quickstart.js'

it('the quickstart tour runs and reports each step', async () => {
  const store = await connect('inproc://quickstart-test')
  const lines: string[] = []
  await tour(store, (line) => lines.push(line))
  await store.close()
  expect(lines[0]).toBe('put greeting → revision 1')
  expect(lines[1]).toBe('get greeting → {"text":"hello"} (version 1)')
  expect(lines[2]).toBe('put with ifVersion 99 → version-mismatch')
  expect(lines).toContain('watch saw put jobs/1 at revision 4')
  expect(lines.at(-1)).toBe('revoked the lease: workers/me is gone')
})
