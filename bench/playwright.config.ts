import { defineConfig } from '@playwright/test'
import base from '../playwright.config'

// Benchmarks are not tests: they print figures (and write them as JSON) instead of asserting timings. Same browser,
// flags and harness server as the test suite.
export default defineConfig({
  ...base,
  testDir: '.',
  testMatch: '**/*.bench.ts',
  timeout: 600_000,
  // The harness server only; started from the package root (`npm run` runs there), not from bench/.
  webServer: { ...(Array.isArray(base.webServer) ? base.webServer[0]! : base.webServer!), cwd: process.cwd() },
})
