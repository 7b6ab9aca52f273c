/**
 * The inspector's page in a real browser: Debian's Chromium driven by playwright-core, against
 * the dev server, with locks acquired through the library and inspected by `createInspector()`.
 * Screenshots go to `test/e2e/__screenshots__/` (ignored by git) for a look by eye.
 */
import { randomUUID } from 'node:crypto'
import { mkdir } from 'node:fs/promises'
import { join } from 'node:path'
import type { Page } from 'playwright-core'
import { afterAll, beforeAll, describe, expect, test } from 'vitest'
import { Consul } from '../../src/client.js'
import { type DevServer, startDevServer } from '../../src/devserver/index.js'
import { createInspector, type Inspector } from '../../src/inspect/inspector.js'
import type { Lock } from '../../src/lock.js'
import { type Browser, openBrowser } from './support/browser.js'

const SCREENSHOTS = join(import.meta.dirname, '__screenshots__')

let server: DevServer
let consul: Consul
let inspector: Inspector
let browser: Browser
const locks: Lock[] = []

beforeAll(async () => {
  await mkdir(SCREENSHOTS, { recursive: true })
  server = await startDevServer({ port: 0, host: '127.0.0.1' })
  consul = new Consul({ env: {}, address: server.address })
  inspector = await createInspector()
  browser = await openBrowser()
}, 60_000)

afterAll(async () => {
  await browser?.close()
  for (const lock of locks) await lock[Symbol.asyncDispose]()
  await inspector?.close()
  await consul?.close()
  await server?.close()
})

/** A lock inspected by the current inspector, disposed after the suite. */
function inspectedLock(key: string): Lock {
  const lock = consul.lock({ key }, { inspect: inspector.inspect })
  locks.push(lock)
  return lock
}

const stateBox = (id: string) => `[data-state-id="${id}"]`

async function classesOf(page: Page, selector: string): Promise<string[]> {
  return page.$eval(selector, (element) => [...element.classList])
}

/** Opens the page on `lock`'s actor. */
async function showActor(page: Page, lock: Lock): Promise<void> {
  const item = `[data-actor-id="${lock.actor.sessionId}"]`
  await page.waitForSelector(item)
  await page.click(item)
  await page.waitForSelector(`${item}.selected`)
}

describe('the inspector page in Chromium', () => {
  test('highlights held while the lock is held and idle after its release, with a timeline', async () => {
    const key = `e2e/${randomUUID()}/leader`
    const lock = inspectedLock(key)
    const { page } = browser
    await page.goto(inspector.url)
    await page.waitForSelector('#connection.connection-live')
    await showActor(page, lock)
    await page.waitForSelector(`${stateBox('lock.idle')}.active`)

    await lock.acquire()
    await page.waitForSelector(`${stateBox('lock.session.lock.held')}.active`)
    expect(await classesOf(page, stateBox('lock.session.lock.held'))).toContain('active')
    expect(await classesOf(page, stateBox('lock.session.lock.held.monitoring.watching'))).toContain(
      'active-leaf',
    )
    expect(await classesOf(page, stateBox('lock.idle'))).not.toContain('active')
    expect(await page.textContent('#selected-summary')).toMatch(
      new RegExp(`^lock ${key} — held: watching \\(blocking read on index \\d+\\) for \\d+ (ms|s)$`),
    )
    await page.screenshot({ path: join(SCREENSHOTS, 'inspector-held.png') })

    await lock.release()
    await page.waitForSelector(`${stateBox('lock.idle')}.active-leaf`)
    expect(await classesOf(page, stateBox('lock.session.lock.held'))).not.toContain('active')

    const timeline = await page.$$eval('#timeline li.entry', (rows) =>
      rows.map((row) => row.textContent ?? ''),
    )
    expect(timeline.length).toBeGreaterThan(0)
    expect(timeline.some((row) => row.includes('ACQUIRE'))).toBe(true)
    expect(timeline.some((row) => row.includes('RELEASE'))).toBe(true)
    // Newest on top: the release comes before the acquire.
    const release = timeline.findIndex((row) => row.includes('RELEASE'))
    const acquire = timeline.findIndex((row) => row.includes('ACQUIRE'))
    expect(release).toBeLessThan(acquire)
    await page.screenshot({ path: join(SCREENSHOTS, 'inspector-idle.png') })
  })

  test('says which lock waits on which key, and comes back after the inspector restarts', async () => {
    const key = `e2e/${randomUUID()}/leader`
    const holder = inspectedLock(key)
    const waiter = inspectedLock(key)
    const { page } = browser
    await page.goto(inspector.url)
    await holder.acquire()
    const waiting = waiter.acquire()
    await showActor(page, waiter)
    await page.waitForSelector(`${stateBox('lock.session.lock.pending.waiting')}.active-leaf`)
    const waiterLine = `[data-actor-id="${waiter.actor.sessionId}"] .actor-line`
    await page.waitForFunction(
      (selector) => /blocking read on index [1-9]/.test(document.querySelector(selector)?.textContent ?? ''),
      waiterLine,
    )
    expect(await page.textContent(waiterLine)).toMatch(
      new RegExp(
        `^lock ${key} — pending: waiting \\(blocking read on index \\d+\\) for \\d+ (ms|s); held here by ${holder.actor.id}$`,
      ),
    )
    expect(await page.textContent(`[data-actor-id="${holder.actor.sessionId}"] .actor-line`)).toMatch(
      new RegExp(`^lock ${key} — held: `),
    )
    await page.screenshot({ path: join(SCREENSHOTS, 'inspector-waiting.png') })
    await page.emulateMedia({ colorScheme: 'dark' })
    await page.screenshot({ path: join(SCREENSHOTS, 'inspector-waiting-dark.png') })
    await page.emulateMedia({ colorScheme: 'light' })

    // A restart: the page says it is reconnecting, then shows what the new inspector has.
    const port = Number(new URL(inspector.url).port)
    await inspector.close()
    await page.waitForSelector('#connection.connection-reconnecting')
    inspector = await createInspector({ port })
    const after = inspectedLock(`${key}-after`)
    await page.waitForSelector('#connection.connection-live')
    await showActor(page, after)
    await page.waitForSelector(`${stateBox('lock.idle')}.active-leaf`)
    expect(await page.$(`[data-actor-id="${waiter.actor.sessionId}"]`)).toBeNull()

    await holder.release()
    await waiting
    await waiter.release()
  })
})
