import { expect, failed, h, ok, openApp, test } from './fixtures'

// A change of the file that cannot be finished (the restore after a failed migration fails, or the marker cannot be
// cleared) leaves a marker that the next open acts on by restoring its snapshot. Until that open, nothing may be
// written: a write would be lost under the restore. Failures are injected in the worker's IndexedDB calls
// (`arm_idb_failure`, see test.worker.ts), at the exact call that must fail.

const NOTES = `SELECT id, title FROM notes ORDER BY id`

/** A database at version 5 (the demo's v2) with two notes, closed. */
async function seeded(page: Parameters<typeof h.open>[0], name: string) {
  ok(await h.open(page, { name, set: 'v2' }))
  ok(await h.exec(page, name, `INSERT INTO notes (title) VALUES ('one'), ('two')`))
  const rows = ok(await h.query(page, name, NOTES))
  ok(await h.close(page, name))
  return rows
}

test('an upgrade whose marker cannot be cleared refuses writes until reopened, and the reopen recovers and says so', async ({
  context,
}) => {
  const page = await openApp(context)
  const rowsBefore = await seeded(page, 'held.db')
  ok(await h.open(page, { name: 'held.db', set: 'next', options: { autoMigrate: false } }))
  ok(await h.query(page, 'held.db', `SELECT arm_idb_failure('delete', 'marker')`))

  const error = failed(await page.evaluate(() => window.harness.migrate('held.db')))
  expect(error).toMatchObject({ isLibraryError: true, className: 'RecoveryPendingError', code: 'RECOVERY_PENDING' })
  expect(error.fields).toMatchObject({ what: 'marker-not-cleared', snapshotId: expect.any(String) })
  expect(error.message).toMatch(/marker could not be cleared/)
  const snapshotId = error.fields.snapshotId as string

  // Every write is refused with the same error; reads still work.
  const write = failed(await h.exec(page, 'held.db', `INSERT INTO notes (title) VALUES ('would be lost')`))
  expect(write).toMatchObject({ className: 'RecoveryPendingError', code: 'RECOVERY_PENDING', fields: { snapshotId } })
  const batch = failed(await page.evaluate(() => window.harness.batch('held.db', [{ sql: `INSERT INTO notes (title) VALUES ('x')` }])))
  expect(batch.code).toBe('RECOVERY_PENDING')
  expect(failed(await h.query(page, 'held.db', `UPDATE notes SET title = 'x' RETURNING id`)).code).toBe('RECOVERY_PENDING')
  expect(failed(await page.evaluate(() => window.harness.migrate('held.db'))).code).toBe('RECOVERY_PENDING')
  // query_only is not the guard: turning it off is refused, and the writes after it still are.
  for (const sql of ['PRAGMA query_only = OFF', 'PRAGMA query_only = 0; INSERT INTO notes (title) VALUES (1)', 'PRAGMA user_version = 9'])
    expect(failed(await h.exec(page, 'held.db', sql)), sql).toMatchObject({ className: 'RecoveryPendingError', code: 'RECOVERY_PENDING' })
  expect(failed(await h.exec(page, 'held.db', `INSERT INTO notes (title) VALUES ('after query_only')`)).code).toBe('RECOVERY_PENDING')
  expect(failed(await h.exec(page, 'held.db', `ATTACH ':memory:' AS side`)).code).toBe('RECOVERY_PENDING')
  expect(ok(await h.query(page, 'held.db', 'PRAGMA query_only'))).toEqual([{ query_only: 1 }])
  expect(ok(await h.query(page, 'held.db', 'SELECT name FROM pragma_table_info(?) ORDER BY cid LIMIT 1', ['notes']))).toEqual([
    { name: 'id' },
  ])
  expect(ok(await h.query(page, 'held.db', NOTES))).toEqual(rowsBefore)
  expect(ok(await h.query(page, 'held.db', 'PRAGMA user_version'))).toEqual([{ user_version: 6 }])
  expect(ok(await h.status(page, 'held.db')).lastFailure).toMatchObject({ code: 'RECOVERY_PENDING', phase: 'completion', snapshotId })
  ok(await h.close(page, 'held.db'))

  // The reopen finishes the recovery (the snapshot named by the error), then upgrades again: nothing lost.
  const reopened = ok(await h.open(page, { name: 'held.db', set: 'next' }))
  expect(reopened.recoveredFrom).toMatchObject({ id: snapshotId, fromVersion: 5 })
  expect(reopened.appliedNow.map((m) => m.version)).toEqual([6])
  expect(ok(await h.query(page, 'held.db', NOTES))).toEqual(rowsBefore)
  ok(await h.exec(page, 'held.db', `INSERT INTO notes (title) VALUES ('three')`))
  expect(ok(await h.status(page, 'held.db')).lastFailure).toBeNull()
})

test('a failed migration whose restore fails too refuses writes until reopened; the reopen restores it', async ({ context }) => {
  const page = await openApp(context)
  const rowsBefore = await seeded(page, 'unrestored.db')
  ok(await h.open(page, { name: 'unrestored.db', set: 'fail-restore', options: { autoMigrate: false } }))

  const error = failed(await page.evaluate(() => window.harness.migrate('unrestored.db')))
  expect(error).toMatchObject({ className: 'SnapshotError', code: 'RESTORE_FAILED' })
  const snapshotId = error.fields.snapshotId as string

  const write = failed(await h.exec(page, 'unrestored.db', `INSERT INTO notes (title) VALUES ('would be lost')`))
  expect(write).toMatchObject({
    className: 'RecoveryPendingError',
    code: 'RECOVERY_PENDING',
    fields: { what: 'restore-failed', snapshotId },
  })
  expect(
    failed(
      await page.evaluate(
        (id) =>
          window.harness
            .handle('unrestored.db')
            .deleteSnapshot(id)
            .then(
              (value) => ({ ok: true as const, value }),
              (e: Error & { code?: string }) => ({ ok: false as const, error: { code: e.code } }),
            ),
        snapshotId,
      ),
    ).code,
  ).toBe('RECOVERY_PENDING')
  expect(ok(await h.query(page, 'unrestored.db', NOTES))).toEqual(rowsBefore)
  ok(await h.close(page, 'unrestored.db'))

  const reopened = ok(await h.open(page, { name: 'unrestored.db', set: 'v2' }))
  expect(reopened).toMatchObject({ version: 5, recoveredFrom: { id: snapshotId } })
  expect(ok(await h.query(page, 'unrestored.db', NOTES))).toEqual(rowsBefore)
  expect(ok(await h.query(page, 'unrestored.db', `SELECT name FROM sqlite_schema WHERE name = 'doomed'`))).toEqual([])
})
