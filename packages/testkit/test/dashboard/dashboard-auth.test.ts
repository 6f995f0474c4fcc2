import { connect, type Store } from '@clustron/client'
import { startNode, type ClustronNode } from '@clustron/server'
import { existsSync, mkdirSync, mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { chromium, type BrowserContext, type Page } from 'playwright-core'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'

/**
 * The dashboard on a node that requires a token: the page asks for one, a read-only token browses
 * keys without edit or delete, a writing token may delete from the page. One in-process node (the
 * cluster views are covered by dashboard.test.ts); Chromium as there.
 */
const chromiumPath = '/usr/bin/chromium'
const chromiumFlags = ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync']
const dashboardIndex = fileURLToPath(new URL('../../../server/dashboard/index.html', import.meta.url))
const screenshots = fileURLToPath(new URL('../../test-results/dashboard/', import.meta.url))
const haveChromium = existsSync(chromiumPath)
const writerToken = 'dashboard-writer-token-0001'
const readerToken = 'dashboard-reader-token-0001'

if (!haveChromium) console.warn(`dashboard auth browser test skipped: ${chromiumPath} is missing (apt-get install -y chromium)`)

describe.skipIf(!haveChromium)('the dashboard on a node that requires a token, in Chromium', { timeout: 60_000 }, () => {
  let node: ClustronNode
  let store: Store
  let context: BrowserContext
  let page: Page
  let profile: string
  const pageErrors: string[] = []

  beforeAll(async () => {
    if (!existsSync(dashboardIndex)) throw new Error(`${dashboardIndex} is missing: build the dashboard first (pnpm build, or pnpm --filter @clustron/dashboard build)`)
    mkdirSync(screenshots, { recursive: true })
    node = await startNode({
      port: 0,
      nodeId: 'secure1',
      tokens: [
        { token: writerToken, subject: 'ops', stores: { '*': 'write' } },
        { token: readerToken, subject: 'viewer', stores: { '*': 'read' } },
      ],
    })
    store = await connect({ mode: 'remote', seeds: [`127.0.0.1:${node.port}`], store: 'default', token: writerToken })
    profile = mkdtempSync(join(tmpdir(), 'clustron-chromium-'))
    context = await chromium.launchPersistentContext(profile, { executablePath: chromiumPath, headless: true, args: chromiumFlags, viewport: { width: 1280, height: 800 }, colorScheme: 'light' })
    page = context.pages()[0] ?? (await context.newPage())
    page.on('pageerror', (error) => pageErrors.push(error.message))
  }, 60_000)

  afterAll(async () => {
    await context?.close()
    await store?.close()
    await node?.close()
    if (profile !== undefined) rmSync(profile, { recursive: true, force: true })
  })

  it('asks for a token, then shows keys read-only to a reader', async () => {
    expect((await store.put('app/motd', { text: 'hello, operators' })).ok).toBe(true)
    await page.goto(`http://127.0.0.1:${node.port}/#/keys`)
    const title = page.locator('#token-title')
    await expect.poll(() => title.count(), { timeout: 10_000 }).toBe(1)
    expect(await title.innerText()).toContain('requires a token')
    await page.screenshot({ path: join(screenshots, 'auth-token.png') })

    await page.locator('input[aria-label="Token"]').fill(readerToken)
    await page.locator('button', { hasText: 'Connect' }).click()
    await expect.poll(() => title.count()).toBe(0)
    const row = page.locator('tr[data-key="app/motd"]')
    await expect.poll(() => row.count(), { timeout: 10_000 }).toBe(1)
    await expect.poll(() => page.locator('[data-testid="node-info"] button').innerText(), { timeout: 15_000 }).toContain('viewer')
    await row.click()
    await expect.poll(() => page.locator('.detail pre.value-view').innerText(), { timeout: 10_000 }).toContain('"text": "hello, operators"')
    expect(await page.locator('[data-testid="read-only"]').isVisible()).toBe(true)
    expect(await page.locator('.detail button', { hasText: 'Edit' }).isVisible()).toBe(false)
    expect(await page.locator('.detail button', { hasText: 'Delete' }).isVisible()).toBe(false)
    expect(await page.locator('button', { hasText: 'New key' }).isDisabled()).toBe(true)
    await page.screenshot({ path: join(screenshots, 'auth-read-only.png') })
  })

  it('lets a writing token delete a key from the page', async () => {
    await page.locator('[data-testid="node-info"] button').click()
    await page.locator('input[aria-label="Token"]').fill(writerToken)
    await page.locator('button', { hasText: 'Connect' }).click()
    await expect.poll(() => page.locator('[data-testid="node-info"] button').innerText(), { timeout: 15_000 }).toContain('ops')
    const row = page.locator('tr[data-key="app/motd"]')
    await expect.poll(() => row.count(), { timeout: 10_000 }).toBe(1)
    await row.click()
    const remove = page.locator('.detail button', { hasText: 'Delete' })
    await expect.poll(() => remove.isVisible(), { timeout: 10_000 }).toBe(true)
    expect(await page.locator('[data-testid="read-only"]').count()).toBe(0)
    await remove.click()
    await page.locator('.detail button', { hasText: 'Yes, delete' }).click()
    await expect.poll(async () => store.get('app/motd'), { timeout: 10_000 }).toBeUndefined()
    await expect.poll(() => row.count(), { timeout: 10_000 }).toBe(0)
    expect(pageErrors).toEqual([])
  })
})
