import { chromium, type Page } from '@playwright/test'

import type { Engine, EnginePage } from './engine'

/** Debian's Chromium headless on a machine with no network (playwright.config.ts uses them too). */
export const CHROMIUM_ARGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
]

/** Debian's Chromium through Playwright: one browser, one context (a fresh, incognito-like profile), pages from it. */
export async function launchChromium(baseURL: string, executablePath: string): Promise<Engine> {
  const browser = await chromium.launch({ executablePath, args: CHROMIUM_ARGS })
  try {
    const context = await browser.newContext({ baseURL })
    return {
      name: 'chromium',
      version: `Chromium ${browser.version()}`,
      async newPage() {
        return wrap(await context.newPage())
      },
      async close() {
        await context.close().catch(() => {})
        await browser.close()
      },
    }
  } catch (error) {
    await browser.close().catch(() => {})
    throw error
  }
}

function wrap(page: Page): EnginePage {
  return {
    // Playwright's generics (handles, serializable args) are wider than this JSON-only contract.
    evaluate: <A, R>(fn: (arg: A) => R | Promise<R>, arg: A) =>
      page.evaluate(fn as (arg: unknown) => R, arg as unknown) as Promise<Awaited<R>>,
    async goto(path) {
      await page.goto(path, { waitUntil: 'load' })
    },
    async reload() {
      await page.reload({ waitUntil: 'load' })
    },
    close: () => page.close(),
  }
}
