import { execFileSync } from 'node:child_process'

import puppeteer, { type Page } from 'puppeteer-core'

import type { Engine, EnginePage } from './engine'

/**
 * Debian's firefox-esr through puppeteer-core over WebDriver BiDi (no geckodriver). Puppeteer makes a fresh temporary
 * profile per launch and deletes it on close; pages are tabs of its default context, so they share storage.
 */
export async function launchFirefox(baseURL: string, executablePath: string): Promise<Engine> {
  const browser = await puppeteer.launch({ browser: 'firefox', executablePath, headless: true })
  try {
    // BiDi reports "firefox/153.7.0" (no channel suffix); `firefox --version` says "Mozilla Firefox 153.7.0esr" (17 ms).
    const version = firefoxVersion(executablePath) ?? (await browser.version()).replace(/^firefox\//i, 'Firefox ')
    return {
      name: 'firefox',
      version,
      async newPage() {
        return wrap(await browser.newPage(), baseURL)
      },
      close: () => browser.close(),
    }
  } catch (error) {
    await browser.close().catch(() => {})
    throw error
  }
}

function firefoxVersion(executablePath: string): string | null {
  try {
    const out = execFileSync(executablePath, ['--version'], { encoding: 'utf8', timeout: 10_000 }).trim()
    return /Firefox \S+/.exec(out)?.[0] ?? null
  } catch {
    return null
  }
}

function wrap(page: Page, baseURL: string): EnginePage {
  // Over BiDi, an evaluate whose document goes away (reload, navigation) never settles: puppeteer waits for its
  // protocolTimeout (180 s). Playwright rejects such calls at once, so this does too for the page's own goto/reload/close.
  const pending = new Set<(error: Error) => void>()
  const lost = async (what: string, step: () => Promise<unknown>) => {
    const before = [...pending]
    try {
      await step()
    } finally {
      for (const reject of before) reject(new Error(`evaluate: the page ${what} before the function settled`))
    }
  }
  return {
    evaluate: <A, R>(fn: (arg: A) => R | Promise<R>, arg: A) =>
      new Promise<Awaited<R>>((resolve, reject) => {
        pending.add(reject)
        // Puppeteer's generics (handles) are wider than this JSON-only contract.
        ;(page.evaluate(fn as (arg: unknown) => R, arg as unknown) as Promise<Awaited<R>>)
          .then(resolve, reject)
          .finally(() => pending.delete(reject))
      }),
    goto: (path) => lost('navigated', () => page.goto(new URL(path, baseURL).href, { waitUntil: 'load' })),
    reload: () => lost('reloaded', () => page.reload({ waitUntil: 'load' })),
    close: () => lost('closed', () => page.close()),
  }
}
