import { mkdirSync, writeFileSync } from 'node:fs'

import { test } from '@playwright/test'

import { appPage, ok } from '../test/browser/engines/app-page'
import { type EngineName, type EnginePage, engineUnavailable, launchEngine } from '../test/browser/engines/engine'

// What `storage: 'indexeddb'` costs against OPFS, on each engine this machine has, for databases of several sizes:
// - a commit: one single-row UPDATE call, mean of COMMITS (the IndexedDB storage compares the whole file in memory and
//   saves the changed 64 KiB chunks before the call resolves);
// - the raw floor of any IndexedDB save, measured in the same run: one 64 KiB put in a strict-durability transaction;
// - an up-to-date open (new worker): the IndexedDB storage reads the whole image.
// WebKitGTK has no OPFS sync access handles: its IndexedDB figures are compared with the raw put only.

const MiB = 1024 * 1024
const SIZES = (process.env.BENCH_SIZES ?? '1,16,64,256').split(',').map(Number)
const ENGINES = (process.env.BENCH_ENGINES ?? 'chromium,firefox,webkit').split(',') as EngineName[]
const COMMITS = Number(process.env.BENCH_COMMITS ?? 100)
const OUT = process.env.BENCH_OUT ?? 'bench/results/storage.json'
const BASE_URL = `http://127.0.0.1:${Number(process.env.TEST_PORT ?? 5199)}`

const median = (values: number[]) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)]!
const rows: { engine: string; sizeMiB: number; storage: string; commitMs: number; openMs: number; rawPutMs: number }[] = []

async function ready(page: EnginePage) {
  await page.goto('/test/browser/app/')
  for (let i = 0; i < 600 && !(await page.evaluate(() => document.body?.dataset.ready === 'true', null).catch(() => false)); i++)
    await new Promise((resolve) => setTimeout(resolve, 50))
}

/** Mean ms of `count` single-row UPDATE calls through the library. */
const commits = (page: EnginePage, name: string, count: number) =>
  page.evaluate(
    async ([n, c]) => {
      const db = window.harness.handle(n)
      // The mean over the loop: Firefox and WebKit round performance.now() to 1 ms, too coarse for one call.
      const started = performance.now()
      for (let i = 0; i < c; i++) await db.exec('UPDATE notes SET body = ? WHERE id = ?', [String(i), (i % 50) + 1])
      return (performance.now() - started) / c
    },
    [name, count] as [string, number],
  )

/** Mean ms of one 64 KiB put in a strict-durability IndexedDB transaction (its own database). */
const rawPut = (page: EnginePage, count: number) =>
  page.evaluate(async (c) => {
    const idb = await new Promise<IDBDatabase>((resolve, reject) => {
      const request = indexedDB.open('bench-raw-put')
      request.onupgradeneeded = () => request.result.createObjectStore('chunks')
      request.onsuccess = () => resolve(request.result)
      request.onerror = () => reject(request.error)
    })
    const chunks = Array.from({ length: c }, () => crypto.getRandomValues(new Uint8Array(64 * 1024)))
    const started = performance.now()
    for (let i = 0; i < c; i++)
      await new Promise<void>((resolve, reject) => {
        const tx = idb.transaction('chunks', 'readwrite', { durability: 'strict' })
        tx.objectStore('chunks').put(chunks[i], i % 8)
        tx.oncomplete = () => resolve()
        tx.onerror = () => reject(tx.error)
      })
    idb.close()
    return (performance.now() - started) / c
  }, count)

for (const engineName of ENGINES)
  test(engineName, async () => {
    test.skip(engineUnavailable(engineName) !== null, `${engineName} is not installed here: ${engineUnavailable(engineName)}`)
    test.setTimeout(900_000)
    const engine = await launchEngine(engineName, BASE_URL)
    try {
      const storages = engineName === 'webkit' ? ['indexeddb'] : ['opfs', 'indexeddb']
      for (const size of SIZES)
        for (const storage of storages) {
          const page = await engine.newPage()
          await ready(page)
          const app = appPage(page)
          const name = `bench-${storage}-${size}.db`
          const args = { name, set: 'v2', options: { storage: storage as 'opfs' | 'indexeddb' } }
          ok(await app.open(args))
          // 50 notes to update, then filler rows up to the size (untimed).
          ok(
            await app.exec(
              name,
              `WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 50) INSERT INTO notes (title) SELECT 'note ' || i FROM n`,
            ),
          )
          const fillRows = Math.max(0, Math.floor((size * MiB) / 1100) - 50)
          ok(
            await app.exec(
              name,
              `WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < ?) INSERT INTO notes (title, body) SELECT 'filler', hex(randomblob(500)) FROM n`,
              [fillRows],
            ),
          )
          await commits(page, name, 5) // warm-up
          const commitMs = await commits(page, name, COMMITS)
          ok(await app.close(name))
          const opens: number[] = []
          for (let i = 0; i < 3; i++) {
            const started = Date.now()
            ok(await app.open(args))
            opens.push(Date.now() - started)
            ok(await app.close(name))
          }
          const rawPutMs = await rawPut(page, COMMITS)
          rows.push({ engine: engineName, sizeMiB: size, storage, commitMs, openMs: median(opens), rawPutMs })
          await page.close()
        }
    } finally {
      await engine.close()
    }
  })

test.afterAll(() => {
  const fmt = (n: number) => (n >= 100 ? n.toFixed(0) : n.toFixed(1))
  console.log('\nengine     size  storage    commit ms  vs OPFS  raw 64 KiB put ms  vs raw put   open ms  vs OPFS')
  for (const row of rows) {
    const opfs = rows.find((r) => r.engine === row.engine && r.sizeMiB === row.sizeMiB && r.storage === 'opfs')
    const vs = (a: number, b: number | undefined) => (b ? (a / b).toFixed(2) : '—').padStart(7)
    console.log(
      `${row.engine.padEnd(9)} ${String(row.sizeMiB).padStart(4)}M  ${row.storage.padEnd(9)} ${fmt(row.commitMs).padStart(10)}  ${vs(row.commitMs, opfs?.commitMs)}` +
        `  ${fmt(row.rawPutMs).padStart(17)}  ${vs(row.commitMs, row.rawPutMs).padStart(10)}  ${fmt(row.openMs).padStart(8)}  ${vs(row.openMs, opfs?.openMs)}`,
    )
  }
  mkdirSync('bench/results', { recursive: true })
  writeFileSync(OUT, JSON.stringify({ when: new Date().toISOString(), commits: COMMITS, rows }, null, 2))
})
