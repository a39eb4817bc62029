import { type BrowserContext, expect, type Page, test as base } from '@playwright/test'

import type { OpenArgs } from './app/main'

/** A page of the test app, ready to drive through `window.harness`. */
export async function openApp(context: BrowserContext): Promise<Page> {
  const page = await context.newPage()
  page.on('pageerror', (error) => console.error(`[pageerror] ${error.message}`))
  page.on('console', (msg) => {
    if (msg.type() === 'error') console.error(`[console.error] ${msg.text()}`)
  })
  await page.goto('/test/browser/app/')
  await page.waitForFunction(() => document.body.dataset.ready === 'true')
  return page
}

/** Calls the harness in the page. */
export const h = {
  open: (page: Page, args: OpenArgs) => page.evaluate((a) => window.harness.open(a), args),
  query: (page: Page, name: string, sql: string, params?: unknown[]) =>
    page.evaluate(([n, s, p]) => window.harness.query(n, s, p), [name, sql, params] as const),
  exec: (page: Page, name: string, sql: string, params?: unknown[]) =>
    page.evaluate(([n, s, p]) => window.harness.exec(n, s, p), [name, sql, params] as const),
  status: (page: Page, name: string) => page.evaluate((n) => window.harness.status(n), name),
  close: (page: Page, name: string) => page.evaluate((n) => window.harness.close(n), name),
  /** The exported file's type, bytes and sha-256 (the bytes cross from the page as base64: see the harness). */
  exportFile: async (page: Page, name: string) => {
    const result = await page.evaluate((n) => window.harness.exportFile(n), name)
    if (!result.ok) return result
    const { base64, ...file } = result.value
    return { ok: true as const, value: { ...file, bytes: Array.from(Buffer.from(base64, 'base64')) } }
  },
  progress: (page: Page) => page.evaluate(() => window.harness.progress),
}

/** Unwraps a harness result, failing the test with the error it carried. */
export function ok<T>(result: { ok: true; value: T } | { ok: false; error: unknown }): T {
  if (!result.ok) throw new Error(`expected success, got ${JSON.stringify(result.error, null, 2)}`)
  return result.value
}

/** Unwraps a harness failure. */
export function failed(result: { ok: boolean; error?: unknown; value?: unknown }) {
  if (result.ok)
    throw new Error(`expected a failure, got ${JSON.stringify(result.value, (_, v: unknown) => (typeof v === 'bigint' ? `${v}n` : v))}`)
  return result.error as {
    isLibraryError: boolean
    className: string
    name: string
    code: string
    message: string
    fields: Record<string, unknown> & { details?: Record<string, unknown> }
    cause?: Record<string, unknown>
  }
}

/**
 * Limits the page's origin to `extraBytes` beyond what it uses now, through Chromium's own quota enforcement (CDP).
 * Chromium 156 applies it to OPFS writes, not to `estimate()` and not to IndexedDB Blob writes. Returns the undo.
 */
export async function limitQuota(page: Page, extraBytes: number | 'none'): Promise<() => Promise<void>> {
  const cdp = await page.context().newCDPSession(page)
  const origin = new URL(page.url()).origin
  const usage = await page.evaluate(async () => (await navigator.storage.estimate()).usage ?? 0)
  const quotaSize = extraBytes === 'none' ? 1 : usage + extraBytes
  await cdp.send('Storage.overrideQuotaForOrigin', { origin, quotaSize })
  return async () => {
    await cdp.send('Storage.overrideQuotaForOrigin', { origin })
  }
}

/** Each test gets a fresh browser context: its own OPFS and IndexedDB. */
export const test = base
export { expect }
