import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { cpus, tmpdir, totalmem } from 'node:os'
import { join } from 'node:path'

import { type BrowserContext, chromium, type Page, test } from '@playwright/test'

import base from '../playwright.config'
import { mainBundleSize } from './bundle-size'
import { benchUrl } from './playwright.config'
import { rendererPids, startPeak } from './process-memory'

// The library against the raw operation measured in the same run (see BENCHMARKS.md). Every run is a fresh browser
// profile (a persistent context in a new temporary directory: real on-disk OPFS and IndexedDB, as users have), with its
// own generated database; each figure is warmed up once per run, then measured; the table shows medians over runs.

const MiB = 1024 * 1024
const SIZES = (process.env.BENCH_SIZES ?? '1,16,64,256').split(',').map(Number)
const RUNS = Number(process.env.BENCH_RUNS ?? 3)
/** Startups per run (alternating library and raw). */
const STARTUPS = Number(process.env.BENCH_STARTUPS ?? 5)
const OUT = process.env.BENCH_OUT ?? 'bench/results/perf.json'
/** An app's typical first query (it needs the schema). */
const FIRST_QUERY = 'SELECT id, title FROM parent WHERE id = 1'

type Sample = { lib: number[]; raw: number[] }
const samples = new Map<string, Sample>()
const extra = new Map<string, number[]>()
const add = (figure: string, size: number, side: 'lib' | 'raw', ms: number) => {
  const key = `${figure}|${size}`
  if (!samples.has(key)) samples.set(key, { lib: [], raw: [] })
  samples.get(key)![side].push(ms)
}
const note = (what: string, size: number, value: number) => {
  const key = `${what}|${size}`
  extra.set(key, [...(extra.get(key) ?? []), value])
}
const median = (values: number[]) => {
  const sorted = [...values].sort((a, b) => a - b)
  const mid = sorted.length / 2
  return sorted.length % 2 ? sorted[Math.floor(mid)]! : (sorted[mid - 1]! + sorted[mid]!) / 2
}

async function freshProfile(): Promise<{ context: BrowserContext; dir: string; close: () => Promise<void> }> {
  const dir = mkdtempSync(join(tmpdir(), 'som-bench-'))
  const launch = base.use!.launchOptions!
  const context = await chromium.launchPersistentContext(dir, { executablePath: launch.executablePath, args: launch.args })
  return {
    context,
    dir,
    close: async () => {
      await context.close()
      rmSync(dir, { recursive: true, force: true })
    },
  }
}

async function benchPage(context: BrowserContext): Promise<Page> {
  const page = await context.newPage()
  page.on('pageerror', (error) => console.error(`[pageerror] ${error.message}`))
  page.on('console', (msg) => msg.type() === 'error' && console.error(`[console.error] ${msg.text()}`))
  await page.goto(benchUrl)
  await page.waitForFunction(() => document.body.dataset.ready === 'true')
  return page
}

const lib = <T = unknown>(page: Page, method: string, ...args: unknown[]) =>
  page.evaluate(([m, a]) => window.bench.lib(m as never, ...(a as unknown[])), [method, args] as const) as Promise<{ ms: number; value: T }>
const raw = <T = unknown>(page: Page, op: string, arg?: string) =>
  page.evaluate(([o, a]) => window.bench.raw(o, a), [op, arg] as const) as Promise<{ ms: number; value: T }>

/** Peak memory an operation adds to the page's renderer process (where its worker runs). */
async function peakOf(dir: string, run: () => Promise<unknown>): Promise<number> {
  const stop = startPeak(rendererPids(dir))
  await run()
  return Math.max(0, ...stop().map((p) => p.peakAdded))
}

async function runOnce(size: number, warm: boolean) {
  const profile = await freshProfile()
  try {
    let page = await benchPage(profile.context)
    // Setup (untimed): the library creates version 1, then the file is filled to the size.
    await page.evaluate(() => window.bench.libOpen(1))
    const bytes = await page.evaluate((b) => window.bench.fill(b), size * MiB)
    await page.evaluate(() => window.bench.libClose())
    if (warm) note('file bytes', size, bytes)

    // Startup of an up-to-date database: alternate the two so neither gets a warmer browser.
    await page.evaluate(() => window.bench.libStartup())
    await page.evaluate(() => window.bench.rawStartup())
    for (let i = 0; i < STARTUPS; i++) {
      add('startup', size, 'lib', await page.evaluate(() => window.bench.libStartup()))
      add('startup', size, 'raw', await page.evaluate(() => window.bench.rawStartup()))
      // The same, to the app's first query of a table: SQLite loads the schema then, which the library's history
      // check has already done.
      add('startup, table query', size, 'lib', await page.evaluate((sql) => window.bench.libStartup(sql), FIRST_QUERY))
      add('startup, table query', size, 'raw', await page.evaluate((sql) => window.bench.rawStartup(sql), FIRST_QUERY))
    }

    // Raw side: snapshot, restore, hash (warm-up first), then a raw upgrade, undone with its own snapshot.
    await page.evaluate(() => window.bench.rawOpen())
    await raw(page, 'snapshot', 'warm')
    add('snapshot', size, 'raw', (await raw(page, 'snapshot', 'raw-1')).ms)
    await raw(page, 'restore', 'warm')
    add('restore', size, 'raw', (await raw(page, 'restore', 'raw-1')).ms)
    const hash = await raw<{ exportMs: number; hashMs: number }>(page, 'hash')
    note('exportFile ms', size, hash.value.exportMs)
    note('sha-256 ms', size, hash.value.hashMs)
    add('upgrade', size, 'raw', (await raw(page, 'upgrade', 'raw-upgrade')).ms)
    await raw(page, 'restore', 'raw-upgrade')
    for (const key of ['warm', 'raw-1', 'raw-upgrade']) await raw(page, 'del', key)
    await page.evaluate(() => window.bench.rawClose())

    // Library side: the same three, through the public API.
    await page.evaluate(() => window.bench.libOpen(1))
    const warmSnap = await lib<{ id: string }>(page, 'snapshot')
    const snap = await lib<{ id: string }>(page, 'snapshot')
    add('snapshot', size, 'lib', snap.ms)
    await lib(page, 'restoreSnapshot', warmSnap.value.id, { snapshotCurrent: false })
    add('restore', size, 'lib', (await lib(page, 'restoreSnapshot', snap.value.id, { snapshotCurrent: false })).ms)
    await lib(page, 'deleteSnapshot', warmSnap.value.id)
    await page.evaluate(() => window.bench.libClose())
    // The upgrade with the default options (quick_check after it), then without the check, as raw does none; each is
    // undone with its own snapshot (untimed) so both start from the same version-1 file.
    for (const verify of [undefined, false] as const) {
      const figure = verify === false ? 'upgrade, verify: false' : 'upgrade'
      await page.evaluate((v) => window.bench.libOpen(2, false, v), verify)
      const upgrade = await lib<{ version: number }[]>(page, 'migrate')
      add(figure, size, 'lib', upgrade.ms)
      if (verify === false) {
        add(figure, size, 'raw', samples.get(`upgrade|${size}`)!.raw.at(-1)!)
        const snapshots = (await lib<{ id: string; reason: string }[]>(page, 'snapshots')).value
        await lib(page, 'restoreSnapshot', snapshots.find((s) => s.reason === 'upgrade')!.id, { snapshotCurrent: false })
      } else {
        const events = await page.evaluate(() => window.bench.progress)
        const at = (match: (e: (typeof events)[number]) => boolean) => events.find(match)?.at ?? NaN
        note('upgrade: migration ms', size, at((e) => e.type === 'migration-end') - at((e) => e.type === 'migration-start'))
        note('upgrade: verify ms', size, at((e) => e.type === 'verify' && !!e.done) - at((e) => e.type === 'verify' && !e.done))
        const snapshots = (await lib<{ id: string; reason: string }[]>(page, 'snapshots')).value
        await lib(page, 'restoreSnapshot', snapshots.find((s) => s.reason === 'upgrade')!.id, { snapshotCurrent: false })
      }
      await page.evaluate(() => window.bench.libClose())
    }

    // Peak memory, each in a fresh page (a new renderer process); raw first, while the file is at version 1.
    for (const side of ['raw', 'lib'] as const) {
      await page.close()
      page = await benchPage(profile.context)
      if (side === 'lib') {
        // The database is at version 1 here: this open upgrades it (worker start included in what it adds).
        note('memory: open + upgrade lib', size, await peakOf(profile.dir, () => page.evaluate(() => window.bench.libOpen(2))))
        let id = ''
        note(
          'memory: snapshot lib',
          size,
          await peakOf(profile.dir, async () => (id = (await lib<{ id: string }>(page, 'snapshot')).value.id)),
        )
        note('memory: restore lib', size, await peakOf(profile.dir, () => lib(page, 'restoreSnapshot', id, { snapshotCurrent: false })))
        await page.evaluate(() => window.bench.libClose())
      } else {
        await page.evaluate(() => window.bench.rawOpen())
        note('memory: snapshot raw', size, await peakOf(profile.dir, () => raw(page, 'snapshot', 'mem')))
        note('memory: restore raw', size, await peakOf(profile.dir, () => raw(page, 'restore', 'mem')))
        note('memory: upgrade raw', size, await peakOf(profile.dir, () => raw(page, 'upgrade', 'mem-upgrade')))
        await raw(page, 'restore', 'mem-upgrade')
        await page.evaluate(() => window.bench.rawClose())
      }
    }
  } finally {
    await profile.close()
  }
}

for (const size of SIZES)
  test(`${size} MiB`, async () => {
    test.setTimeout(RUNS * (60_000 + size * 2_000))
    for (let run = 0; run < RUNS; run++) await runOnce(size, run === 0)
  })

let bundle: Awaited<ReturnType<typeof mainBundleSize>> | undefined
test('main-thread bundle', async () => {
  bundle = await mainBundleSize()
})

const TARGETS: Record<string, string> = {
  startup: '≤ 1.05 or +5 ms',
  'startup, table query': 'report',
  snapshot: '≤ 1.10',
  restore: '≤ 1.10',
  upgrade: '≤ 1.00 (stretch 0.80)',
  'upgrade, verify: false': 'like for like',
}

test.afterAll(() => {
  const rows = [...samples].map(([key, { lib, raw }]) => {
    const [figure, size] = key.split('|')
    const l = median(lib)
    const r = median(raw)
    return {
      figure: figure!,
      sizeMiB: Number(size),
      rawMs: r,
      libMs: l,
      ratio: l / r,
      plusMs: l - r,
      target: TARGETS[figure!],
      runs: lib.length,
    }
  })
  const details = Object.fromEntries([...extra].map(([key, values]) => [key, median(values)]))
  const fmt = (n: number) => (n >= 100 ? n.toFixed(0) : n.toFixed(1))
  console.log('\nfigure                   size   raw ms   library ms   ratio    +ms   target')
  for (const row of rows)
    console.log(
      `${row.figure.padEnd(22)} ${String(row.sizeMiB).padStart(4)}M ${fmt(row.rawMs).padStart(8)} ${fmt(row.libMs).padStart(12)}` +
        ` ${row.ratio.toFixed(2).padStart(7)} ${fmt(row.plusMs).padStart(6)}   ${row.target}`,
    )
  console.log('\ndetails (medians):')
  for (const [key, value] of Object.entries(details))
    console.log(
      `  ${key.replace('|', ' @ ')} MiB: ${key.startsWith('memory') || key.startsWith('file') ? `${(value / MiB).toFixed(1)} MiB` : `${fmt(value)} ms`}`,
    )
  if (bundle)
    console.log(
      `\nmain-thread bundle (minified, gzip -9): ${bundle.withComlink.gzip} B with comlink, ${bundle.entryOnly.gzip} B without (target ≤ 6144 B)`,
    )
  mkdirSync('bench/results', { recursive: true })
  const machine = { cpu: cpus()[0]?.model, cores: cpus().length, memoryGiB: Math.round(totalmem() / 2 ** 30), node: process.version }
  writeFileSync(OUT, JSON.stringify({ machine, sizes: SIZES, runs: RUNS, rows, details, bundle }, null, 2))
  console.log(`\nwritten to ${OUT}`)
})
