import { defineConfig } from '@playwright/test'

import base from '../playwright.config'

// Benchmarks are not tests: they print figures (and write them as JSON) instead of asserting timings. Same browser and
// flags as the test suite. Two servers: the test harness on the dev server (tabs.bench.ts) and the bench page as a
// production build served by `vite preview` (perf.bench.ts).
const benchPort = Number(process.env.BENCH_PORT ?? 5196)
/** The bench page (bench/app, built into bench/dist). */
export const benchUrl = `http://127.0.0.1:${benchPort}/`

const harness = Array.isArray(base.webServer) ? base.webServer[0]! : base.webServer!
export default defineConfig({
  ...base,
  testDir: '.',
  testMatch: '**/*.bench.ts',
  timeout: 600_000,
  webServer: [
    // Started from the package root (`npm run` runs there), not from bench/.
    { ...harness, cwd: process.cwd() },
    {
      command: `npx vite build --config ./bench/vite.config.ts && npx vite preview --config ./bench/vite.config.ts --port ${benchPort} --strictPort --host 127.0.0.1`,
      url: benchUrl,
      reuseExistingServer: false,
      cwd: process.cwd(),
      timeout: 120_000,
    },
  ],
})
