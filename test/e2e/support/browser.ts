/**
 * The browser of the end-to-end tests: Debian's Chromium (`apt-get install -y chromium`, which
 * `.ci/run` does when it is missing), driven by playwright-core. Never a downloaded browser: the
 * machines that run these tests have no internet access.
 */
import { existsSync } from 'node:fs'
import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { type BrowserContext, chromium, type Page } from 'playwright-core'

export const CHROMIUM = '/usr/bin/chromium'

const FLAGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
]

export interface Browser {
  page: Page
  close(): Promise<void>
}

/** Starts Chromium with a fresh profile and opens one page of `width`×`height`. */
export async function openBrowser(viewport = { width: 1680, height: 1050 }): Promise<Browser> {
  if (!existsSync(CHROMIUM)) {
    throw new Error(
      `The end-to-end tests need Debian's Chromium at ${CHROMIUM}: install it with \`apt-get install -y chromium\` ` +
        '(.ci/run does). Do not let playwright download a browser.',
    )
  }
  const profile = await mkdtemp(join(tmpdir(), 'inspector-e2e-'))
  let context: BrowserContext
  try {
    context = await chromium.launchPersistentContext(profile, {
      executablePath: CHROMIUM,
      headless: true,
      args: FLAGS,
      viewport,
    })
  } catch (error) {
    await rm(profile, { recursive: true, force: true })
    throw error
  }
  const page = context.pages()[0] ?? (await context.newPage())
  return {
    page,
    async close() {
      await context.close()
      await rm(profile, { recursive: true, force: true })
    },
  }
}
