import sqlite3InitModule from '@sqlite.org/sqlite-wasm'

import { expect, failed, h, ok, openApp, test } from './fixtures'

test('closing the owning page hands the database to the next tab', async ({ context }) => {
  const first = await openApp(context)
  ok(await h.open(first, { name: 'handoff.db', set: 'v2' }))
  ok(await h.exec(first, 'handoff.db', `INSERT INTO notes (title) VALUES ('survives the tab')`))
  await first.close()
  const second = await openApp(context)
  ok(await h.open(second, { name: 'handoff.db', set: 'v2' }))
  expect(ok(await h.query(second, 'handoff.db', 'SELECT title FROM notes'))).toEqual([{ title: 'survives the tab' }])
})

test('several databases of one origin work side by side, each with its own snapshots', async ({ context }) => {
  const page = await openApp(context)
  const [a, b] = await Promise.all([h.open(page, { name: 'a.db', set: 'v2' }), h.open(page, { name: 'b.db', set: 'v1' })])
  expect(ok(a).version).toBe(5)
  expect(ok(b).version).toBe(2)
  ok(await h.exec(page, 'a.db', `INSERT INTO notes (title) VALUES ('in a')`))
  ok(await h.exec(page, 'b.db', `INSERT INTO notes (title) VALUES ('in b')`))
  expect(ok(await h.query(page, 'a.db', 'SELECT title FROM notes'))).toEqual([{ title: 'in a' }])
  expect(ok(await h.query(page, 'b.db', 'SELECT title FROM notes'))).toEqual([{ title: 'in b' }])
  expect(ok(await h.status(page, 'a.db')).snapshots.every((s) => s.database === 'a.db')).toBe(true)
  expect(ok(await h.status(page, 'b.db')).snapshots.every((s) => s.database === 'b.db')).toBe(true)
  // A second tab can own b.db's neighbour while this tab keeps a.db.
  const other = await openApp(context)
  ok(await h.close(page, 'b.db'))
  ok(await h.open(other, { name: 'b.db', set: 'v2' }))
  expect(ok(await h.query(page, 'a.db', 'SELECT count(*) AS n FROM notes'))).toEqual([{ n: 1 }])
})

test('exported bytes are a valid SQLite database with the same rows', async ({ context }) => {
  const page = await openApp(context)
  ok(await h.open(page, { name: 'export.db', set: 'v2' }))
  ok(await h.exec(page, 'export.db', `INSERT INTO notes (title, body) VALUES ('#a x', 'é ✓ 😀'), ('y', ?)`, ['line\nbreak']))
  const rows = ok(await h.query(page, 'export.db', 'SELECT id, title, body FROM notes ORDER BY id'))
  const file = ok(await h.exportFile(page, 'export.db'))
  expect(file.type).toBe('application/vnd.sqlite3')
  expect(Buffer.from(file.bytes.slice(0, 16)).toString('latin1')).toBe('SQLite format 3\0')

  const sqlite3 = await sqlite3InitModule()
  const bytes = new Uint8Array(file.bytes)
  sqlite3.capi.sqlite3_js_posix_create_file('/exported.sqlite', bytes)
  const db = new sqlite3.oo1.DB('/exported.sqlite', 'r')
  try {
    expect(db.selectValue('PRAGMA integrity_check')).toBe('ok')
    expect(db.selectValue('PRAGMA user_version')).toBe(5)
    expect(db.selectObjects('SELECT id, title, body FROM notes ORDER BY id')).toEqual(rows)
    expect(db.selectValues('SELECT version FROM schema_migrations ORDER BY version')).toEqual([1, 2, 3, 4, 5])
  } finally {
    db.close()
  }
})

test('restoreSnapshot puts an earlier state back, after snapshotting the current one', async ({ context }) => {
  const page = await openApp(context)
  ok(await h.open(page, { name: 'undo.db', set: 'v2' }))
  ok(await h.exec(page, 'undo.db', `INSERT INTO notes (title) VALUES ('kept')`))
  const before = ok(await h.exportFile(page, 'undo.db'))
  const snap = ok(await page.evaluate(() => window.harness.snapshot('undo.db')))
  expect(snap).toMatchObject({ reason: 'manual', fromVersion: 5, toVersion: 5, checksum: before.sha256 })

  ok(await h.exec(page, 'undo.db', `DELETE FROM notes; INSERT INTO notes (title) VALUES ('oops')`))
  const mistaken = ok(await h.exportFile(page, 'undo.db'))
  const restored = ok(await page.evaluate((id) => window.harness.restore('undo.db', id), snap.id))
  expect(restored.version).toBe(5)
  expect(restored.undoSnapshot).toMatchObject({ reason: 'before-restore', checksum: mistaken.sha256 })
  expect(ok(await h.query(page, 'undo.db', 'SELECT title FROM notes'))).toEqual([{ title: 'kept' }])
  expect(ok(await h.exportFile(page, 'undo.db')).sha256).toBe(before.sha256)

  const missing = failed(await page.evaluate(() => window.harness.restore('undo.db', 'no-such-id')))
  expect(missing).toMatchObject({ className: 'SnapshotError', code: 'SNAPSHOT_NOT_FOUND' })
})

test('restoring to an older version leaves migrations pending until migrate()', async ({ context }) => {
  const page = await openApp(context)
  ok(await h.open(page, { name: 'back.db', set: 'v1' }))
  ok(await h.exec(page, 'back.db', `INSERT INTO notes (title) VALUES ('#old')`))
  ok(await h.close(page, 'back.db'))
  ok(await h.open(page, { name: 'back.db', set: 'v2' }))
  const upgradeSnapshot = ok(await h.status(page, 'back.db')).snapshots.find((s) => s.reason === 'upgrade' && s.fromVersion === 2)!
  ok(await page.evaluate((id) => window.harness.restore('back.db', id), upgradeSnapshot.id))
  const status = ok(await h.status(page, 'back.db'))
  expect(status.version).toBe(2)
  expect(status.pending.map((m) => [m.version, m.kind])).toEqual([
    [3, 'sql'],
    [4, 'sql'],
    [5, 'code'],
  ])
  expect(status.pending[0]!.sql).toMatch(/ALTER TABLE notes ADD COLUMN done/)
  const applied = ok(await page.evaluate(() => window.harness.migrate('back.db')))
  expect(applied.map((m) => m.version)).toEqual([3, 4, 5])
  expect(ok(await h.query(page, 'back.db', 'SELECT name FROM tags'))).toEqual([{ name: 'old' }])
})

test('an edited migration stops the open unless the app accepts it', async ({ context }) => {
  const page = await openApp(context)
  ok(await h.open(page, { name: 'edit.db', set: 'v2' }))
  ok(await h.close(page, 'edit.db'))
  const error = failed(await h.open(page, { name: 'edit.db', set: 'edited' }))
  expect(error).toMatchObject({ className: 'MigrationEditedError', code: 'MIGRATION_EDITED' })
  expect(error.fields).toMatchObject({ version: 3, migrationName: 'add_done' })
  ok(await h.open(page, { name: 'edit.db', set: 'edited', options: { acceptEditedMigrations: [3] } }))
})
