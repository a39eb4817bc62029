import { writeFile } from 'node:fs/promises'

import type { BrowserContext, Page } from '@playwright/test'

import { expect, ok, openApp, test } from './fixtures'
import { expectNothingLost, seeded, upgradedReference } from './upgrade-fault-kit'

// Random kills, seeded and repeatable: each run takes an operation (a multi-migration upgrade, an import, a snapshot
// restore, or a failover with writes in flight from two other tabs) and draws a moment, as a fraction of that operation's
// duration measured in the same run, so the kills spread over the operation on a fast or a slow machine alike. Every
// run must end with the old state or the finished one, whole, and never lose or double an acknowledged write.
//
// `FAULT_FUZZ=N` runs N kills (a few inside `npm test`); `FAULT_FUZZ_SEED=S` replays the same operations and fractions.
// The moment in ms follows from the duration measured in that run, so it differs between machines and runs: each run's
// `killAfterMs` is in test-results/fuzz.json with the outcome counts (also printed to the test log).

const RUNS = Number(process.env.FAULT_FUZZ ?? 4)
const SEED = Number(process.env.FAULT_FUZZ_SEED ?? 20261203)

/** mulberry32: small, fast, and the same sequence for the same seed on every machine. */
function random(seed: number): () => number {
  let a = seed >>> 0
  return () => {
    a = (a + 0x6d2b79f5) >>> 0
    let t = a
    t = Math.imul(t ^ (t >>> 15), t | 1)
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61)
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296
  }
}

const OPERATIONS = ['upgrade', 'import', 'restore', 'failover'] as const
type Operation = (typeof OPERATIONS)[number]
/** How a run ended: the state before the operation, the state after it, or (failover) the writes' fate. */
type Outcome = 'old' | 'new'

const tally: { run: number; operation: Operation; fraction: number; killAfterMs: number; outcome: Outcome; detail?: string }[] = []

/** Kills land from just before the operation starts to a little after its clean duration (a kill after the end is a no-op). */
const killMoment = (fraction: number, durationMs: number) => Math.round(fraction * durationMs * 1.2)

const sha = (page: Page, name: string) => page.evaluate((n) => window.harness.fileSha256(n), name).then(ok)

/** A closed 10 MiB database at version 2 is upgraded (3 migrations) by an open that is killed at a random moment. */
async function upgrade(context: BrowserContext, run: number, fraction: number) {
  const after = await upgradedReference(context)
  // The clean upgrade's duration, measured on a copy of the same data in this run.
  const timing = await seeded(context, `fuzz-timing-${run}.db`)
  const durationMs = await timing.page.evaluate(async (n) => {
    const started = performance.now()
    const opened = await window.harness.open({ name: n, set: 'faults' })
    if (!opened.ok) throw new Error(JSON.stringify(opened.error))
    return performance.now() - started
  }, `fuzz-timing-${run}.db`)
  await timing.page.close()

  const name = `fuzz-${run}.db`
  const before = await seeded(context, name)
  const killAfterMs = killMoment(fraction, durationMs)
  const opening = before.page.evaluate(([n, ms]) => window.harness.open({ name: n, set: 'faults', killAfterMs: ms }), [
    name,
    killAfterMs,
  ] as const)
  // A worker terminated before it ran anything gives the library no signal at all (a Worker fires no event), so that
  // open only fails at the library's start timeout (60 s); the app that terminated it knows, and so does this test.
  const killed = before.page.waitForFunction((n) => window.harness.killed.includes(n), name, { timeout: 0 })
  await Promise.race([opening, killed])
  opening.catch(() => {})
  killed.catch(() => {})
  await before.page.evaluate((n) => window.harness.terminate(n), name)
  const reopened = await expectNothingLost(before.page, name, before, after)
  await before.page.close()
  return { killAfterMs, outcome: (reopened.version === after.version ? 'new' : 'old') as Outcome }
}

/** Opens `name` (version 5 with `rows` notes of ~200 KB) and returns its file's checksum. */
async function filled(page: Page, name: string, title: string, rows: number) {
  ok(await page.evaluate((n) => window.harness.open({ name: n, set: 'v2' }), name))
  const sql = `INSERT INTO notes (title, body) SELECT ?, zeroblob(200000) FROM json_each(?)`
  ok(
    await page.evaluate(([n, s, p]) => window.harness.exec(n, s, p), [
      name,
      sql,
      [title, JSON.stringify(Array(rows).fill(0))] as unknown[],
    ] as const),
  )
  return sha(page, name)
}

/** Times `operation` on a scratch database, then runs it on `target` with a kill at `fraction` of that time. */
async function killedDuring(page: Page, target: string, fraction: number, operation: (name: string) => Promise<unknown>, scratch: string) {
  const started = Date.now()
  await operation(scratch)
  const durationMs = Date.now() - started
  const killAfterMs = killMoment(fraction, durationMs)
  await page.evaluate(([n, ms]) => window.harness.killAfter(n, ms), [target, killAfterMs] as const)
  await operation(target)
  // A kill after the end is a no-op; either way the worker is gone before the check reopens the database.
  await page.evaluate((n) => window.harness.terminate(n), target)
  return killAfterMs
}

/** Another database's file is imported over one with rows of its own; the import is killed at a random moment. */
async function importFile(context: BrowserContext, run: number, fraction: number) {
  const page = await openApp(context)
  const source = `fuzz-source-${run}.db`
  const imported = await filled(page, source, 'imported', 30)
  for (const name of [`fuzz-scratch-${run}.db`, `fuzz-${run}.db`]) await filled(page, name, 'mine', 20)
  const mine = await sha(page, `fuzz-${run}.db`)
  const killAfterMs = await killedDuring(
    page,
    `fuzz-${run}.db`,
    fraction,
    (name) => page.evaluate(([t, s]) => window.harness.importFrom(t, s), [name, source] as const),
    `fuzz-scratch-${run}.db`,
  )
  ok(await page.evaluate((n) => window.harness.open({ name: n, set: 'v2', options: { autoMigrate: false } }), `fuzz-${run}.db`))
  const now = await sha(page, `fuzz-${run}.db`)
  expect([mine.sha256, imported.sha256]).toContain(now.sha256)
  expect(ok(await page.evaluate((n) => window.harness.query(n, 'PRAGMA quick_check'), `fuzz-${run}.db`))).toEqual([{ quick_check: 'ok' }])
  await page.close()
  return { killAfterMs, outcome: (now.sha256 === imported.sha256 ? 'new' : 'old') as Outcome }
}

/** A database is put back to an older snapshot; the restore is killed at a random moment. */
async function restore(context: BrowserContext, run: number, fraction: number) {
  const page = await openApp(context)
  const snapshots: Record<string, { id: string; sha256: string }> = {}
  for (const name of [`fuzz-scratch-${run}.db`, `fuzz-${run}.db`]) {
    const old = await filled(page, name, 'old', 20)
    snapshots[name] = { id: ok(await page.evaluate((n) => window.harness.snapshot(n), name)).id, sha256: old.sha256 }
    ok(
      await page.evaluate(
        (n) => window.harness.exec(n, `UPDATE notes SET title = 'changed'; INSERT INTO notes (title) VALUES ('later')`),
        name,
      ),
    )
  }
  const name = `fuzz-${run}.db`
  const current = await sha(page, name)
  const killAfterMs = await killedDuring(
    page,
    name,
    fraction,
    (n) => page.evaluate(([d, id]) => window.harness.restore(d, id), [n, snapshots[n]!.id] as const),
    `fuzz-scratch-${run}.db`,
  )
  ok(await page.evaluate((n) => window.harness.open({ name: n, set: 'v2', options: { autoMigrate: false } }), name))
  const now = await sha(page, name)
  expect([current.sha256, snapshots[name]!.sha256]).toContain(now.sha256)
  await page.close()
  return { killAfterMs, outcome: (now.sha256 === snapshots[name]!.sha256 ? 'new' : 'old') as Outcome }
}

/**
 * Three tabs; two followers write (single inserts and two-row batches) while the owner's worker is killed at a random
 * moment. Every acknowledged write is there exactly once, a batch is whole or absent, and only a write the dying owner
 * had started may be unknown.
 */
async function failover(context: BrowserContext, run: number, fraction: number) {
  const name = `fuzz-${run}.db`
  const [owner, b, c] = await Promise.all([openApp(context), openApp(context), openApp(context)])
  for (const tab of [owner, b, c]) ok(await tab.evaluate((n) => window.harness.open({ name: n, set: 'v2' }), name))
  // How long the writes take with no kill, to place the kill among them.
  const started = Date.now()
  await b.evaluate((n) => window.harness.insertMany(n, 'timing', 20), name)
  const durationMs = (Date.now() - started) * 2
  const killAfterMs = killMoment(fraction, durationMs)
  const writes = b.evaluate((n) => window.harness.insertMany(n, 'b', 20), name)
  const batches = c.evaluate((n) => window.harness.batchMany(n, 'c', 20), name)
  await owner.evaluate(([n, ms]) => window.harness.killAfter(n, ms), [name, killAfterMs] as const)
  const [single, batched] = await Promise.all([writes, batches])

  const rows = ok(await b.evaluate((n) => window.harness.query(n, 'SELECT title FROM notes'), name)).map((r) => r.title as string)
  const count = (title: string) => rows.filter((t) => t === title).length
  const unknown = [...single, ...batched].filter((o) => !o.ok)
  for (const o of unknown) expect(o.code, JSON.stringify(o)).toBe('OUTCOME_UNKNOWN')
  for (const o of single) {
    expect(count(o.title), o.title).toBeLessThanOrEqual(1)
    if (o.ok) expect(count(o.title), o.title).toBe(1)
  }
  for (const o of batched) {
    const present = o.titles.map(count)
    expect(present[0], o.titles.join()).toBe(present[1])
    expect(present[0]!, o.titles.join()).toBeLessThanOrEqual(1)
    if (o.ok) expect(present[0], o.titles.join()).toBe(1)
  }
  expect(ok(await c.evaluate((n) => window.harness.query(n, 'PRAGMA quick_check'), name))).toEqual([{ quick_check: 'ok' }])
  for (const tab of [owner, b, c]) await tab.close()
  return { killAfterMs, outcome: 'new' as Outcome, detail: `${unknown.length} unknown of ${single.length + batched.length}` }
}

const runners: Record<
  Operation,
  (context: BrowserContext, run: number, fraction: number) => Promise<{ killAfterMs: number; outcome: Outcome; detail?: string }>
> = {
  upgrade,
  import: importFile,
  restore,
  failover,
}

const draw = random(SEED)
// Operations in turn, so that any N ≥ 4 covers each; the moment of each kill is drawn.
const plan = Array.from({ length: RUNS }, (_, run) => ({ run, operation: OPERATIONS[run % OPERATIONS.length]!, fraction: draw() }))

for (const { run, operation, fraction } of plan)
  test(`fuzz ${run + 1}/${RUNS} (seed ${SEED}): ${operation} killed at ${(fraction * 120).toFixed(0)}% of its duration, nothing lost`, async ({
    context,
  }) => {
    const result = await runners[operation](context, run, fraction)
    tally.push({ run, operation, fraction, ...result })
  })

test.afterAll(async () => {
  if (tally.length === 0) return
  const counts: Record<string, number> = {}
  for (const t of tally) counts[`${t.operation} → ${t.outcome}`] = (counts[`${t.operation} → ${t.outcome}`] ?? 0) + 1
  console.log(`fuzz (seed ${SEED}): ${tally.length} kills, nothing lost; ${JSON.stringify(counts)}`)
  await writeFile('test-results/fuzz.json', JSON.stringify({ seed: SEED, runs: tally, counts }, null, 2)).catch(() => {})
})
