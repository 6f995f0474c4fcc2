import { connect, type Store } from '@clustron/client'
import { existsSync, mkdirSync, mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { chromium, type BrowserContext, type Page } from 'playwright-core'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { ProcessCluster } from '../../src/cluster/process-cluster.js'

/**
 * Issue 7's dashboard in a real browser: Debian's Chromium, driven by playwright-core, loads the
 * dashboard from a live three-process cluster, checks the members table, sees a key written through
 * the client appear in the key browser without a reload, edits it from the page, and saves
 * screenshots under test-results/dashboard/ (CI keeps them as artifacts).
 */
const chromiumPath = '/usr/bin/chromium'
const chromiumFlags = ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync']
const dashboardIndex = fileURLToPath(new URL('../../../server/dashboard/index.html', import.meta.url))
const screenshots = fileURLToPath(new URL('../../test-results/dashboard/', import.meta.url))
const haveChromium = existsSync(chromiumPath)

if (!haveChromium) console.warn(`dashboard browser test skipped: ${chromiumPath} is missing (apt-get install -y chromium)`)

describe.skipIf(!haveChromium)('the dashboard, served by a live 3-node cluster, in Chromium', { timeout: 180_000 }, () => {
  let cluster: ProcessCluster
  let store: Store
  let context: BrowserContext
  let page: Page
  let profile: string
  let leader: string
  const pageErrors: string[] = []

  beforeAll(async () => {
    if (!existsSync(dashboardIndex)) throw new Error(`${dashboardIndex} is missing: build the dashboard first (pnpm build, or pnpm --filter @clustron/dashboard build)`)
    mkdirSync(screenshots, { recursive: true })
    cluster = new ProcessCluster({ size: 3 })
    await cluster.start()
    leader = await cluster.waitForLeader()
    store = await connect(cluster.url())
    profile = mkdtempSync(join(tmpdir(), 'clustron-chromium-'))
    // A fresh profile per run (launchPersistentContext is how Playwright takes --user-data-dir).
    context = await chromium.launchPersistentContext(profile, { executablePath: chromiumPath, headless: true, args: chromiumFlags, viewport: { width: 1440, height: 900 }, colorScheme: 'light' })
    page = context.pages()[0] ?? (await context.newPage())
    page.on('pageerror', (error) => pageErrors.push(error.message))
  }, 120_000)

  afterAll(async () => {
    await context?.close()
    await store?.close()
    await cluster?.close()
    if (profile !== undefined) rmSync(profile, { recursive: true, force: true })
  })

  it('shows the members of the cluster, one of them the leader', async () => {
    // The page comes from the leader's node: its traffic charts then show the clients' requests.
    await page.goto(`http://${cluster.address(leader)}/`)
    await expect.poll(() => page.locator('[data-testid="node-info"]').innerText(), { timeout: 15_000 }).toContain(leader)
    const rows = page.locator('table.members[data-store="default"] tbody tr')
    await expect.poll(() => rows.count(), { timeout: 15_000 }).toBe(3)
    await expect.poll(() => page.locator('table.members tbody tr[data-role="leader"]').count()).toBe(1)
    expect(await page.locator('table.members tbody tr[data-role="leader"]').getAttribute('data-member')).toBe(leader)
    const members = await rows.evaluateAll((elements) => elements.map((element) => element.getAttribute('data-member')))
    expect(members.sort()).toEqual(['n1', 'n2', 'n3'])
    // Followers are in sync (matchIndex from the leader, lag 0).
    await expect.poll(() => page.locator('table.members .health').allInnerTexts(), { timeout: 15_000 }).toEqual(['leading', 'in sync', 'in sync'])
    await page.screenshot({ path: join(screenshots, 'cluster.png'), fullPage: true })
  })

  it('charts the traffic of each store', async () => {
    // A few seconds of writes and reads so that ops/s and the latency percentiles have something to draw.
    const until = Date.now() + 4_000
    for (let index = 0; Date.now() < until; index++) {
      await Promise.all(Array.from({ length: 8 }, (_, offset) => store.put(`load/${String(index * 8 + offset).padStart(4, '0')}`, { index: index * 8 + offset, at: Date.now() })))
      await store.get(`load/${String(index * 8).padStart(4, '0')}`)
    }
    await store.put('config/limits', { maxConnections: 512, regions: ['eu-west', 'us-east'], burst: { perSecond: 200 } })
    await store.put('session/alice', 'logged-in', { ttlMs: 600_000 })
    await store.put('blob/avatar', new Uint8Array([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 0, 0, 0, 13, 0x49, 0x48, 0x44, 0x52]))
    const lease = await store.leases.grant(30_000)
    await store.put('workers/w1', { host: 'worker-1', pid: 4242 }, { lease })
    const lock = await store.locks.acquire('jobs/nightly-report')
    await page.locator('a.tab', { hasText: 'Stores' }).click()
    await expect.poll(() => page.locator('.chart path.line').count(), { timeout: 15_000 }).toBeGreaterThan(0)
    await expect.poll(async () => Number((await page.locator('.stat', { hasText: 'Keys' }).locator('.stat-value').innerText()).replace(/,/g, '')), { timeout: 10_000 }).toBeGreaterThan(10)
    // Look up a lock by name: the page shows its holder and fencing token.
    await page.locator('input[aria-label="Lock name"]').fill('jobs/nightly-report')
    await page.locator('button', { hasText: 'Look up' }).click()
    await expect.poll(() => page.locator('.card', { hasText: 'Locks' }).locator('tbody').innerText(), { timeout: 10_000 }).toContain(String(lock.token))
    await expect.poll(() => page.locator('.card', { hasText: 'Leases' }).locator('tbody').innerText(), { timeout: 10_000 }).toContain(lease.id)
    await page.waitForTimeout(1_500)
    await page.screenshot({ path: join(screenshots, 'stores.png'), fullPage: true })
  })

  it('shows a key written through the API in the key browser, live, and edits it', async () => {
    await page.locator('a.tab', { hasText: 'Keys' }).click()
    await page.locator('input[name="prefix"]').fill('')
    await expect.poll(() => page.locator('.live-on').count(), { timeout: 15_000 }).toBe(1)
    const row = page.locator('tr[data-key="app/greeting"]')
    expect(await row.count()).toBe(0)
    // Written by another client while the page is open: it must appear without a reload.
    const written = await store.put('app/greeting', { hello: 'world', from: 'the test' })
    expect(written.ok).toBe(true)
    await expect.poll(() => row.count(), { timeout: 10_000 }).toBe(1)
    await row.click()
    const value = page.locator('.detail pre.value-view')
    await expect.poll(() => value.innerText()).toContain('"hello": "world"')
    await page.screenshot({ path: join(screenshots, 'keys.png'), fullPage: true })

    // Edit from the page; the client reads the new value.
    await page.locator('.detail button', { hasText: 'Edit' }).click()
    await page.locator('.detail textarea').fill('{ "hello": "dashboard" }')
    await page.locator('.detail button', { hasText: 'Save' }).click()
    await expect.poll(async () => (await store.get('app/greeting'))?.value, { timeout: 10_000 }).toEqual({ hello: 'dashboard' })
    await expect.poll(() => value.innerText(), { timeout: 10_000 }).toContain('"hello": "dashboard"')

    // A binary value shows as a hex dump.
    await page.locator('tr[data-key="blob/avatar"]').click()
    await expect.poll(() => value.innerText()).toContain('89 50 4e 47 0d 0a 1a 0a')
    await page.screenshot({ path: join(screenshots, 'keys-binary.png'), fullPage: true })

    // Deleted by another client: the row goes away live.
    await store.delete('app/greeting')
    await expect.poll(() => row.count(), { timeout: 10_000 }).toBe(0)
    expect(pageErrors).toEqual([])
  })
})
