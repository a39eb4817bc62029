import type { BrowserContext, Page } from '@playwright/test'
import type { DatabaseDigest } from './app/inspect-file'
import type { FaultPoint } from './app/fault-points'
import { expect, failed, ok, openApp, test } from './fixtures'

// Kill the worker (or close the whole page) at every step of an upgrade, then check that the next open finds the
// database either at the old version with every row and byte as before, or at the new version with exactly the rows a
// clean upgrade gives, never in between, and that the snapshot it may still need was kept.

/**
 * Deterministic rows: 1100 items, and ~9.5 MiB of attachments the upgrade never touches. The file is larger than one
 * snapshot chunk (8 MiB), so a snapshot can be caught half written, while the migrations stay quick.
 */
const SEED = `WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 1100)
INSERT INTO items (id, name, payload) SELECT i, 'item ' || i, printf('%.*c', 100, char(65 + i % 26)) FROM n;
INSERT INTO attachments (item_id, data) SELECT id, printf('%.*c', 8600, char(97 + id % 26)) FROM items`

/** Runs per case: `FAULT_RUNS=5 npm run test:faults` repeats each one. */
const RUNS = Number(process.env.FAULT_RUNS ?? 1)

/** A database at version 2 with the seed rows, closed; its digest and file checksum. */
async function seeded(context: BrowserContext, name: string, storage: Storage = 'opfs') {
  const page = await openApp(context)
  ok(await page.evaluate(([n, s]) => window.harness.open({ name: n, set: 'faults-v1', options: { storage: s } }), [name, storage] as const))
  ok(await page.evaluate(([n, sql]) => window.harness.exec(n, sql), [name, SEED] as const))
  const digest = ok(await page.evaluate((n) => window.harness.digest(n), name))
  const file = ok(await page.evaluate((n) => window.harness.fileSha256(n), name))
  ok(await page.evaluate((n) => window.harness.close(n), name))
  expect(file.bytes).toBeGreaterThan(8 * 1024 * 1024)
  return { page, digest, file }
}

/** The digest a clean upgrade (no fault) of the seeded database gives: what a finished upgrade must equal. */
let reference: DatabaseDigest | undefined
async function upgradedReference(context: BrowserContext): Promise<DatabaseDigest> {
  if (reference) return reference
  const { page } = await seeded(context, 'reference.db')
  const opened = ok(await page.evaluate(() => window.harness.open({ name: 'reference.db', set: 'faults' })))
  expect(opened.appliedNow.map((m) => m.version)).toEqual([3, 4, 5])
  reference = ok(await page.evaluate(() => window.harness.digest('reference.db')))
  expect(reference.counts).toMatchObject({ items: 1100, attachments: 1100, labels: 1100, totals: 7 })
  ok(await page.evaluate(() => window.harness.close('reference.db')))
  await page.close()
  return reference
}

/** Where the database lives (see OpenDatabaseOptions.storage). */
type Storage = 'opfs' | 'indexeddb'

/** How the upgrade is stopped: the worker terminated by its page, or the whole page closed (which ends its worker). */
type Kill = 'terminate worker' | 'close page'

/** Opens `name` with `set` and stops it at `point`; returns the page to carry on with. */
async function interrupt(context: BrowserContext, page: Page, name: string, set: string, point: FaultPoint, kill: Kill, storage: Storage = 'opfs'): Promise<Page> {
  const args = { name, set, workerParams: { faultAt: point }, options: { storage } }
  if (kill === 'terminate worker') {
    const error = failed(await page.evaluate((a) => window.harness.open({ ...a, killAtFault: true }), args))
    expect(error.code).toBe('WORKER_DIED')
    expect(await page.evaluate(() => window.harness.faults)).toEqual([point])
    return page
  }
  void page.evaluate((a) => window.harness.open(a), args).catch(() => {})
  await page.waitForFunction((p) => window.harness.faults.includes(p), point)
  await page.close()
  return openApp(context)
}

/**
 * After a fault: the next open (without migrating) finds the old state or the new one, whole; `migrate()` then gives
 * exactly the clean upgrade; the pre-upgrade snapshot is listed and every listed snapshot passes its checksum.
 */
async function expectNothingLost(
  page: Page,
  name: string,
  before: { digest: DatabaseDigest; file: { sha256: string } },
  after: DatabaseDigest,
  storage: Storage = 'opfs',
) {
  const reopened = ok(
    await page.evaluate(([n, s]) => window.harness.open({ name: n, set: 'faults', options: { autoMigrate: false, storage: s } }), [name, storage] as const),
  )
  expect(reopened.storage.kind).toBe(storage)
  const state = ok(await page.evaluate((n) => window.harness.digest(n), name))
  if (state.version === before.digest.version) {
    expect(state).toEqual(before.digest)
    expect(ok(await page.evaluate((n) => window.harness.fileSha256(n), name)).sha256).toBe(before.file.sha256)
    ok(await page.evaluate((n) => window.harness.migrate(n), name))
  } else expect(state).toEqual(after)
  expect(ok(await page.evaluate((n) => window.harness.digest(n), name))).toEqual(after)
  // Every listed snapshot passes its checksums, and one of them holds the file exactly as it was before.
  const { snapshots } = ok(await page.evaluate((n) => window.harness.status(n), name))
  const contents = []
  for (const snapshot of snapshots)
    contents.push(ok(await page.evaluate(([n, id]) => window.harness.snapshotSha256(n, id), [name, snapshot.id] as const)).sha256)
  expect(contents).toContain(before.file.sha256)
  if (reopened.recoveredFrom)
    expect(contents[snapshots.findIndex((s) => s.id === reopened.recoveredFrom!.id)]).toBe(before.file.sha256)
  return reopened
}

const POINTS: FaultPoint[] = [
  'quota-check',
  'snapshot-start',
  'snapshot-partial',
  'snapshot-listed',
  'between-migrations',
  'mid-statement',
  'verify',
  'before-marker-cleared',
]

/** What the next open must do: roll the journal back (no marker yet) or restore the snapshot (marker written). */
const recovery = (point: FaultPoint) => (['quota-check', 'snapshot-start', 'snapshot-partial'].includes(point) ? 'none' : 'snapshot')

for (const [set, kills] of [
  ['faults', ['terminate worker', 'close page']],
  ['faults-notx', ['terminate worker']],
] as const)
  for (const kill of kills)
    for (const point of POINTS)
      test(`${kill} at ${point} (${set === 'faults' ? 'first step overlaps the snapshot' : 'first step outside a transaction'}): nothing lost`, async ({
        context,
      }) => {
        const after = await upgradedReference(context)
        for (let run = 0; run < RUNS; run++) {
          const name = `fault-${run}.db`
          const before = await seeded(context, name)
          const page = await interrupt(context, before.page, name, set, point, kill)
          const reopened = await expectNothingLost(page, name, before, after)
          if (recovery(point) === 'none') expect(reopened.recoveredFrom).toBeNull()
          else expect(reopened.recoveredFrom).toMatchObject({ reason: 'upgrade', fromVersion: 2, bytes: before.file.bytes })
          await page.close()
        }
      })

// The same points with the database in memory, saved to IndexedDB at every commit (storage: 'indexeddb'): the saved
// image only moves when an upgrade is done, so every kill leaves the old image, which the marker's restore rewrites.
for (const point of POINTS)
  test(`[indexeddb storage] terminate worker at ${point}: nothing lost`, async ({ context }) => {
    const after = await upgradedReference(context)
    const before = await seeded(context, 'fault-idb.db', 'indexeddb')
    const page = await interrupt(context, before.page, 'fault-idb.db', 'faults', point, 'terminate worker', 'indexeddb')
    const reopened = await expectNothingLost(page, 'fault-idb.db', before, after, 'indexeddb')
    if (recovery(point) === 'none') expect(reopened.recoveredFrom).toBeNull()
    else expect(reopened.recoveredFrom).toMatchObject({ reason: 'upgrade', fromVersion: 2, bytes: before.file.bytes })
    await page.close()
  })

for (const kill of ['terminate worker', 'close page'] as const)
  test(`${kill} during the restore after a failed migration: the next open finishes it, nothing lost`, async ({ context }) => {
    const after = await upgradedReference(context)
    const before = await seeded(context, 'fail.db')
    const page = await interrupt(context, before.page, 'fail.db', 'faults-fail', 'restore', kill)
    const reopened = await expectNothingLost(page, 'fail.db', before, after)
    expect(reopened.recoveredFrom).toMatchObject({ reason: 'upgrade', fromVersion: 2, bytes: before.file.bytes })
  })

test('killed mid-upgrade, then killed again during the recovery restore: the third open finishes it, nothing lost', async ({ context }) => {
  const after = await upgradedReference(context)
  const before = await seeded(context, 'twice.db')
  let page = await interrupt(context, before.page, 'twice.db', 'faults', 'mid-statement', 'terminate worker')
  await page.evaluate(() => window.harness.faults.splice(0))
  page = await interrupt(context, page, 'twice.db', 'faults', 'restore', 'terminate worker')
  const reopened = await expectNothingLost(page, 'twice.db', before, after)
  expect(reopened.recoveredFrom).toMatchObject({ reason: 'upgrade', fromVersion: 2, bytes: before.file.bytes })
})
