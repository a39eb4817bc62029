import { existsSync } from 'node:fs'

import { defineConfig } from '@playwright/test'

import { CHROMIUM_ARGS } from './test/browser/engines/chromium'

// Debian's Chromium (no browser downloads here): CHROMIUM_PATH, then /usr/bin/chromium, then Playwright's own browser.
const executablePath = process.env.CHROMIUM_PATH || (existsSync('/usr/bin/chromium') ? '/usr/bin/chromium' : undefined)
const port = Number(process.env.TEST_PORT ?? 5199)
const demoPort = Number(process.env.DEMO_PORT ?? 5197)

export default defineConfig({
  testDir: 'test/browser',
  testMatch: '**/*.spec.ts',
  timeout: 60_000,
  fullyParallel: false,
  workers: 1,
  retries: 0,
  reporter: process.env.CI ? [['list']] : [['list']],
  use: {
    baseURL: `http://127.0.0.1:${port}`,
    browserName: 'chromium',
    launchOptions: {
      ...(executablePath ? { executablePath } : {}),
      args: CHROMIUM_ARGS,
    },
  },
  webServer: [
    {
      // The test harness (test/browser/app) from the Vite dev server.
      command: `npx vite --port ${port} --strictPort --host 127.0.0.1`,
      url: `http://127.0.0.1:${port}/test/browser/app/`,
      reuseExistingServer: !process.env.CI,
      env: { PLAYWRIGHT: '1' },
      timeout: 60_000,
    },
    {
      // The demo exactly as `npm run demo` serves it (production build + preview); demo.spec.ts drives it.
      command: `npm run demo -- --port ${demoPort} --host 127.0.0.1`,
      url: `http://127.0.0.1:${demoPort}/`,
      reuseExistingServer: !process.env.CI,
      env: { PLAYWRIGHT: '1' },
      timeout: 120_000,
    },
  ],
})
