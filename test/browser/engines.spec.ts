import { test } from '@playwright/test'

import { type Engine, type EngineName, type EnginePage, engineUnavailable, launchEngine } from './engines/engine'
import { type ScenarioContext, scenarios, storageChoiceScenarios } from './engines/scenarios'

/**
 * The same scenarios on every engine this machine has, each driven by its own driver (see engines/engine.ts), and on
 * each storage the engine can host:
 * - Chromium and Firefox: OPFS (the default) and IndexedDB (forced);
 * - WebKitGTK: IndexedDB only. Its OPFS has no sync access handles (`createSyncAccessHandle` throws NotSupportedError:
 *   not implemented off Apple platforms), so the OPFS runs are replaced by the check that the default refuses it with
 *   OPFS_UNAVAILABLE and creates nothing, and that 'auto' falls back and says why (storageChoiceScenarios).
 * An engine that is not installed is skipped with the reason, unless REQUIRE_ENGINES=1 (set by .ci/run, which installs
 * them all): then it fails.
 */
const ENGINES: { name: EngineName; opfsWorks: boolean }[] = [
  { name: 'chromium', opfsWorks: true },
  { name: 'firefox', opfsWorks: true },
  { name: 'webkit', opfsWorks: false },
]
const BASE_URL = `http://127.0.0.1:${Number(process.env.TEST_PORT ?? 5199)}`
const APP = '/test/browser/app/'

for (const { name: engineName, opfsWorks } of ENGINES) {
  test.describe(engineName, () => {
    test.describe.configure({ timeout: 90_000 })
    let engine: Engine | null = null
    const pages: EnginePage[] = []
    let counter = 0

    test.beforeAll(async () => {
      test.setTimeout(120_000)
      const missing = engineUnavailable(engineName)
      if (missing && process.env.REQUIRE_ENGINES === '1') throw new Error(`${engineName} is required here but ${missing}`)
      if (!missing) engine = await launchEngine(engineName, BASE_URL)
    })
    test.afterAll(async () => {
      await engine?.close()
    })
    test.beforeEach(() => {
      // The written reason for a skip: the engine's binary is not on this machine (see engineUnavailable).
      test.skip(engine === null, `${engineName} is not installed here: ${engineUnavailable(engineName)}`)
    })
    test.afterEach(async () => {
      // Tabs of a test close with it, so its workers (and their OPFS handles) are gone before the next test.
      for (const page of pages.splice(0)) await page.close().catch(() => {})
    })

    const context = (storage: ScenarioContext['storage']): ScenarioContext => ({
      engine: engineName,
      storage,
      opfsWorks,
      async newPage() {
        const page = await engine!.newPage()
        pages.push(page)
        await page.goto(APP)
        await waitReady(page)
        return page
      },
      async reload(page) {
        await page.reload()
        await waitReady(page)
      },
      unique: (base) => `${engineName}-${storage}-${++counter}-${base}`,
    })

    const storages: ScenarioContext['storage'][] = opfsWorks ? ['opfs', 'indexeddb'] : ['indexeddb']
    for (const storage of storages)
      for (const scenario of scenarios) test(`[${storage}] ${scenario.name}`, () => scenario.run(context(storage)))
    for (const scenario of storageChoiceScenarios) test(scenario.name, () => scenario.run(context('indexeddb')))
  })
}

async function waitReady(page: EnginePage): Promise<void> {
  const deadline = Date.now() + 30_000
  while (!(await page.evaluate(() => document.body?.dataset.ready === 'true', null).catch(() => false))) {
    if (Date.now() > deadline) throw new Error('the test app did not get ready in 30 s')
    await new Promise((resolve) => setTimeout(resolve, 50))
  }
}
