import type { BrowserContext, Page } from '@playwright/test'

import type { DatabaseDigest } from './app/inspect-file'
import { expect, ok, openApp } from './fixtures'

// What the fault suite and the random-kill fuzz share: a seeded database big enough for a snapshot to be caught half
// written, the digest a clean upgrade of it gives, and the check that a kill lost nothing.

/**
 * Deterministic rows: 1100 items, and ~9.5 MiB of attachments the upgrade never touches. The file is larger than one
 * snapshot chunk (8 MiB), so a snapshot can be caught half written, while the migrations stay quick.
 */
export const SEED = `WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 1100)
INSERT INTO items (id, name, payload) SELECT i, 'item ' || i, printf('%.*c', 100, char(65 + i % 26)) FROM n;
INSERT INTO attachments (item_id, data) SELECT id, printf('%.*c', 8600, char(97 + id % 26)) FROM items`

/** A database at version 2 with the seed rows, closed; its digest and file checksum. */
export async function seeded(context: BrowserContext, name: string, storage: Storage = 'opfs') {
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
export async function upgradedReference(context: BrowserContext): Promise<DatabaseDigest> {
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
export type Storage = 'opfs' | 'indexeddb'

/**
 * After a fault: the next open (without migrating) finds the old state or the new one, whole; `migrate()` then gives
 * exactly the clean upgrade; the pre-upgrade snapshot is listed and every listed snapshot passes its checksum.
 */
export async function expectNothingLost(
  page: Page,
  name: string,
  before: { digest: DatabaseDigest; file: { sha256: string } },
  after: DatabaseDigest,
  storage: Storage = 'opfs',
) {
  const reopened = ok(
    await page.evaluate(([n, s]) => window.harness.open({ name: n, set: 'faults', options: { autoMigrate: false, storage: s } }), [
      name,
      storage,
    ] as const),
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
  if (reopened.recoveredFrom) expect(contents[snapshots.findIndex((s) => s.id === reopened.recoveredFrom!.id)]).toBe(before.file.sha256)
  return reopened
}
