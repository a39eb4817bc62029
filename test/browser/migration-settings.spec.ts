import type { Page } from '@playwright/test'

import { expect, failed, h, ok, openApp, test } from './fixtures'

// Settings a migration changes must not stay on the app's connection, and a migration must not take away the crash
// safety the upgrade relies on (journal, sync, locking). Unit tests cover every setting and both kinds of failure
// (test/unit/runner.test.ts); these go through a real upgrade in the browser.

const NOTES = `SELECT id, title FROM notes ORDER BY id`
const PRAGMAS = [
  'analysis_limit',
  'automatic_index',
  'busy_timeout',
  'cache_size',
  'cache_spill',
  'cell_size_check',
  'defer_foreign_keys',
  'foreign_keys',
  'ignore_check_constraints',
  'journal_mode',
  'journal_size_limit',
  'legacy_alter_table',
  'locking_mode',
  'max_page_count',
  'query_only',
  'read_uncommitted',
  'recursive_triggers',
  'reverse_unordered_selects',
  'secure_delete',
  'synchronous',
  'temp_store',
  'trusted_schema',
  'writable_schema',
]

/** Every relevant setting of the owner's connection, as SQLite reports it (case_sensitive_like through LIKE itself). */
async function settings(page: Page, name: string): Promise<Record<string, unknown>> {
  const values: Record<string, unknown> = {}
  for (const pragma of PRAGMAS) values[pragma] = Object.values(ok(await h.query(page, name, `PRAGMA ${pragma}`))[0] ?? {})[0]
  values.like_is_case_insensitive = ok(await h.query(page, name, `SELECT 'a' LIKE 'A' AS v`))[0]!.v
  return values
}

test('settings changed by a SQL and a code migration are all back to their values once the upgrade ends', async ({ context }) => {
  const page = await openApp(context)
  ok(await h.open(page, { name: 'set.db', set: 'v2' }))
  ok(await h.exec(page, 'set.db', `INSERT INTO notes (title) VALUES ('a'), ('b')`))
  ok(await h.close(page, 'set.db'))
  ok(await h.open(page, { name: 'set.db', set: 'settings', options: { autoMigrate: false } }))
  const before = await settings(page, 'set.db')
  expect(before).toMatchObject({ journal_mode: 'delete', locking_mode: 'normal', cache_size: expect.any(Number) })

  const applied = ok(await page.evaluate(() => window.harness.migrate('set.db')))
  expect(applied.map((m) => m.version)).toEqual([6, 7])
  expect(ok(await h.query(page, 'set.db', NOTES)).map((r) => r.title)).toEqual(['a (6) (7)', 'b (6) (7)'])
  expect(await settings(page, 'set.db')).toEqual(before)
})

test('a SQL migration that turns the rollback journal off is refused at open, before anything is written', async ({ context }) => {
  const page = await openApp(context)
  ok(await h.open(page, { name: 'unsafe.db', set: 'v2' }))
  ok(await h.exec(page, 'unsafe.db', `INSERT INTO notes (title) VALUES ('once')`))
  const fileBefore = ok(await h.exportFile(page, 'unsafe.db')).sha256
  const snapshotsBefore = ok(await h.status(page, 'unsafe.db')).snapshots
  ok(await h.close(page, 'unsafe.db'))

  const error = failed(await h.open(page, { name: 'unsafe.db', set: 'unsafe-journal' }))
  expect(error).toMatchObject({ isLibraryError: true, className: 'UnsafePragmaError', code: 'UNSAFE_PRAGMA' })
  expect(error.fields).toMatchObject({
    version: 6,
    migrationName: 'fast_bulk_update',
    pragma: 'journal_mode',
    value: 'OFF',
    statement: 'PRAGMA journal_mode = OFF;',
  })
  expect(error.message).toMatch(/line 1: PRAGMA journal_mode = OFF is refused/)

  // Nothing was written: no snapshot, no failure record, the same bytes, the UPDATE never ran.
  const reopened = ok(await h.open(page, { name: 'unsafe.db', set: 'v2' }))
  expect(reopened).toMatchObject({ version: 5, appliedNow: [], recoveredFrom: null })
  const status = ok(await h.status(page, 'unsafe.db'))
  expect(status.snapshots).toEqual(snapshotsBefore)
  expect(status.lastFailure).toBeNull()
  expect(ok(await h.exportFile(page, 'unsafe.db')).sha256).toBe(fileBefore)
  expect(ok(await h.query(page, 'unsafe.db', NOTES)).map((r) => r.title)).toEqual(['once'])
})

test('a code migration that turns synchronous off is refused as it runs, and the upgrade is undone', async ({ context }) => {
  const page = await openApp(context)
  ok(await h.open(page, { name: 'unsafe-code.db', set: 'v2' }))
  ok(await h.exec(page, 'unsafe-code.db', `INSERT INTO notes (title) VALUES ('once')`))
  const fileBefore = ok(await h.exportFile(page, 'unsafe-code.db')).sha256
  ok(await h.close(page, 'unsafe-code.db'))

  const error = failed(await h.open(page, { name: 'unsafe-code.db', set: 'unsafe-code' }))
  expect(error).toMatchObject({ className: 'MigrationFailedError', code: 'MIGRATION_FAILED' })
  expect(error.fields.details).toMatchObject({ version: 6, sqliteCode: 23, restoredToVersion: 5 })
  expect(error.cause).toMatchObject({ name: 'UnsafePragmaError', code: 'UNSAFE_PRAGMA', pragma: 'synchronous', value: 'OFF', version: 6 })

  ok(await h.open(page, { name: 'unsafe-code.db', set: 'v2' }))
  expect(ok(await h.exportFile(page, 'unsafe-code.db')).sha256).toBe(fileBefore)
  expect(await settings(page, 'unsafe-code.db')).toMatchObject({ synchronous: 2, journal_mode: 'delete' })
})
