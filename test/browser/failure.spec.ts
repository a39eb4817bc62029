import { expect, failed, h, limitQuota, ok, openApp, test } from './fixtures'

const NOTES = `SELECT id, title, body, done, created_at, updated_at FROM notes ORDER BY id`
const SCHEMA = `SELECT type, name, sql FROM sqlite_schema ORDER BY type, name`

test('a failing migration restores the file byte for byte and reports what failed', async ({ context }) => {
  const page = await openApp(context)
  ok(await h.open(page, { name: 'f.db', set: 'v2' }))
  ok(await h.exec(page, 'f.db', `INSERT INTO notes (title, body) VALUES ('#keep me', 'a'), ('and me', 'b')`))
  const rowsBefore = ok(await h.query(page, 'f.db', NOTES))
  const schemaBefore = ok(await h.query(page, 'f.db', SCHEMA))
  const fileBefore = ok(await h.exportFile(page, 'f.db'))
  ok(await h.close(page, 'f.db'))

  const error = failed(await h.open(page, { name: 'f.db', set: 'fail' }))
  expect(error).toMatchObject({ isLibraryError: true, className: 'MigrationFailedError', code: 'MIGRATION_FAILED' })
  expect(error.fields.details).toMatchObject({
    phase: 'migration',
    version: 6,
    migrationName: 'broken_archive',
    statement: 'INSERT INTO archive (no_such_column) VALUES (1);',
    sqliteCode: 1,
    restoredToVersion: 5,
  })
  expect(String(error.fields.details!.sqliteMessage)).toMatch(/no column named no_such_column/)
  expect(error.message).toMatch(/restored to version 5/)

  // The app at its previous release opens the very same file: same rows, schema, version and bytes.
  const reopened = ok(await h.open(page, { name: 'f.db', set: 'v2' }))
  expect(reopened).toMatchObject({ version: 5, appliedNow: [], recoveredFrom: null })
  expect(ok(await h.query(page, 'f.db', NOTES))).toEqual(rowsBefore)
  expect(ok(await h.query(page, 'f.db', SCHEMA))).toEqual(schemaBefore)
  expect(ok(await h.exportFile(page, 'f.db')).sha256).toBe(fileBefore.sha256)
})

test('a failure in the first migration of a fresh database leaves an empty database', async ({ context }) => {
  const page = await openApp(context)
  const error = failed(await h.open(page, { name: 'fresh-fail.db', set: 'fail' }))
  expect(error.fields.details).toMatchObject({ version: 6, restoredToVersion: 0 })
  const opened = ok(await h.open(page, { name: 'fresh-fail.db', set: 'v1' }))
  expect(opened.appliedNow.map((m) => m.version)).toEqual([1, 2])
  expect(ok(await h.query(page, 'fresh-fail.db', `SELECT name FROM sqlite_schema WHERE name = 'archive'`))).toEqual([])
})

test('a worker terminated during the first migration (before its COMMIT): the journal undoes it, the next open upgrades once', async ({
  context,
}) => {
  const page = await openApp(context)
  ok(await h.open(page, { name: 'crash.db', set: 'v2' }))
  ok(await h.exec(page, 'crash.db', `INSERT INTO notes (title) VALUES ('one'), ('two'), ('three')`))
  const rowsBefore = ok(await h.query(page, 'crash.db', `SELECT id, title FROM notes ORDER BY id`))
  ok(await h.close(page, 'crash.db'))

  // A hang would be caught by the test's own timeout; how long the rejection takes is not this test's business.
  const error = failed(await h.open(page, { name: 'crash.db', set: 'slow', terminateAtVersion: 6 }))
  expect(error).toMatchObject({ isLibraryError: true, className: 'DatabaseClosedError', code: 'WORKER_DIED' })

  // The first migration runs while its snapshot is written and commits only once the snapshot is durable: killed
  // before that, no marker exists and SQLite's rollback journal puts the file back at the next open.
  await page.evaluate(() => window.harness.progress.splice(0))
  const reopened = ok(await h.open(page, { name: 'crash.db', set: 'slow' }))
  expect(reopened.recoveredFrom).toBeNull()
  expect(reopened.appliedNow.map((m) => m.version)).toEqual([6])
  expect(reopened.version).toBe(6)
  expect((await h.progress(page)).map((e) => e.type)).not.toContain('restore')
  // Every row survived, migrated exactly once (not twice: the half-done first attempt was rolled away).
  expect(ok(await h.query(page, 'crash.db', `SELECT id, title FROM notes ORDER BY id`))).toEqual(
    rowsBefore.map((r) => ({ ...r, title: `${String(r.title)} (migrated)` })),
  )
})

test('a worker terminated after the first migration committed: the next open restores the snapshot and upgrades', async ({ context }) => {
  const page = await openApp(context)
  ok(await h.open(page, { name: 'crash2.db', set: 'v1' }))
  ok(await h.exec(page, 'crash2.db', `INSERT INTO notes (title) VALUES ('one'), ('two'), ('three')`))
  const rowsBefore = ok(await h.query(page, 'crash2.db', `SELECT id, title FROM notes ORDER BY id`))
  const fileBefore = ok(await h.exportFile(page, 'crash2.db'))
  ok(await h.close(page, 'crash2.db'))

  // Migrations 3, 4 and 5 commit, then the worker dies in 6: the file is half upgraded, the marker says so.
  expect(failed(await h.open(page, { name: 'crash2.db', set: 'slow', terminateAtVersion: 6 })).code).toBe('WORKER_DIED')
  await page.evaluate(() => window.harness.progress.splice(0))
  const reopened = ok(await h.open(page, { name: 'crash2.db', set: 'slow' }))
  expect(reopened.recoveredFrom).toMatchObject({ fromVersion: 2, toVersion: 6, reason: 'upgrade', checksum: fileBefore.sha256 })
  expect(reopened.appliedNow.map((m) => m.version)).toEqual([3, 4, 5, 6])
  const events = (await h.progress(page)).map((e) => e.type)
  expect(events.indexOf('restore')).toBeLessThan(events.indexOf('migration-start'))
  expect(ok(await h.query(page, 'crash2.db', `SELECT id, title FROM notes ORDER BY id`))).toEqual(
    rowsBefore.map((r) => ({ ...r, title: `${String(r.title)} (migrated)` })),
  )
})

test('an upgrade is refused before anything is written when storage.estimate() leaves too little room', async ({ context }) => {
  const page = await openApp(context)
  ok(await h.open(page, { name: 'quota.db', set: 'v1' }))
  ok(await h.exec(page, 'quota.db', `INSERT INTO notes (title) VALUES ('precious')`))
  const file = ok(await h.exportFile(page, 'quota.db'))
  ok(await h.close(page, 'quota.db'))
  const quota = await page.evaluate(async () => (await navigator.storage.estimate()).quota!)
  await page.evaluate(() => window.harness.progress.splice(0))

  // Asking to keep more free than the whole quota: the real estimate() cannot satisfy it.
  const error = failed(await h.open(page, { name: 'quota.db', set: 'v2', options: { minFreeBytes: quota + 1 } }))
  expect(error).toMatchObject({ isLibraryError: true, className: 'InsufficientStorageError', code: 'INSUFFICIENT_STORAGE' })
  expect(Number(error.fields.requiredBytes)).toBe(file.bytes.length * 2 + quota + 1)
  expect(Number(error.fields.availableBytes)).toBeLessThanOrEqual(quota)
  expect((await h.progress(page)).map((e) => e.type)).toEqual(['quota-check'])

  const opened = ok(await h.open(page, { name: 'quota.db', set: 'v1' }))
  expect(opened.version).toBe(2)
  expect(ok(await h.exportFile(page, 'quota.db')).sha256).toBe(file.sha256)
  expect(ok(await h.status(page, 'quota.db')).snapshots.filter((s) => s.fromVersion === 2)).toEqual([])
})

test('running out of quota in the middle of a migration (SQLITE_IOERR) restores the file byte for byte', async ({ context }) => {
  const page = await openApp(context)
  ok(await h.open(page, { name: 'full.db', set: 'v1' }))
  ok(await h.exec(page, 'full.db', `INSERT INTO notes (title, body) SELECT 'n' || value, zeroblob(100000) FROM json_each('[1,2,3,4]')`))
  const file = ok(await h.exportFile(page, 'full.db'))
  const rows = ok(await h.query(page, 'full.db', 'SELECT id, title, length(body) AS len FROM notes ORDER BY id'))
  ok(await h.close(page, 'full.db'))
  // Chromium enforces this quota on writes (estimate() does not show it), so the snapshot fits but the migration's
  // journal and table rebuild do not.
  const unlimit = await limitQuota(page, file.bytes.length * 1.5)

  const error = failed(await h.open(page, { name: 'full.db', set: 'v2' }))
  expect(error).toMatchObject({ className: 'MigrationFailedError', code: 'MIGRATION_FAILED' })
  expect(error.fields.details).toMatchObject({ phase: 'migration', sqliteCode: 10, restoredToVersion: 2 })

  await unlimit()
  ok(await h.open(page, { name: 'full.db', set: 'v1' }))
  expect(ok(await h.query(page, 'full.db', 'SELECT id, title, length(body) AS len FROM notes ORDER BY id'))).toEqual(rows)
  expect(ok(await h.exportFile(page, 'full.db')).sha256).toBe(file.sha256)
})

test('without OPFS sync access handles the open fails with OPFS_UNAVAILABLE (no in-memory fallback)', async ({ context }) => {
  const page = await openApp(context)
  const error = failed(await h.open(page, { name: 'nope.db', workerParams: { 'no-opfs': '1' } }))
  expect(error).toMatchObject({ isLibraryError: true, className: 'OpfsUnavailableError', code: 'OPFS_UNAVAILABLE' })
})

test('a worker script that fails to load rejects the open instead of hanging', async ({ context }) => {
  const page = await openApp(context)
  const error = failed(await page.evaluate(() => window.harness.openWorkerUrl('x.db', '/does-not-exist.js')))
  expect(error).toMatchObject({ code: 'WORKER_DIED', className: 'DatabaseClosedError' })
})

test('a parameter the browser cannot send to the worker is a typed INVALID_OPTIONS, and the handle keeps working', async ({ context }) => {
  const page = await openApp(context)
  ok(await h.open(page, { name: 'clone.db', set: 'v2' }))
  const error = failed(
    await page.evaluate(() =>
      window.harness
        .handle('clone.db')
        .query('SELECT ? AS v', [(() => 1) as never])
        .then(
          (value) => ({ ok: true as const, value }),
          (e: Error & { code?: string }) => ({
            ok: false as const,
            error: { className: e.constructor.name, code: e.code, message: e.message },
          }),
        ),
    ),
  )
  expect(error).toMatchObject({ className: 'InvalidOptionsError', code: 'INVALID_OPTIONS' })
  expect(error.message).toMatch(/cannot be sent to its worker \(nothing ran\)/)
  expect(ok(await h.query(page, 'clone.db', 'SELECT 1 AS one'))).toEqual([{ one: 1 }])
})

test('calls after close, and calls in flight when the worker dies, reject with DatabaseClosedError', async ({ context }) => {
  const page = await openApp(context)
  ok(await h.open(page, { name: 'gone.db', set: 'v2' }))
  const inFlight = page.evaluate(() =>
    window.harness.query(
      'gone.db',
      `WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 30000000) SELECT count(*) FROM n`,
    ),
  )
  // The query was posted to the worker by the evaluate above (evaluates run in order), so it is in flight now.
  await page.evaluate(() => window.harness.terminate('gone.db'))
  expect(failed(await inFlight)).toMatchObject({ code: 'WORKER_DIED', className: 'DatabaseClosedError' })
  expect(failed(await h.query(page, 'gone.db', 'SELECT 1')).code).toBe('WORKER_DIED')

  ok(await h.open(page, { name: 'closed.db', set: 'v2' }))
  ok(await h.close(page, 'closed.db'))
  expect(failed(await h.query(page, 'closed.db', 'SELECT 1')).code).toBe('DATABASE_CLOSED')
})

test('SQL errors from queries keep their SQLite code and the statement', async ({ context }) => {
  const page = await openApp(context)
  ok(await h.open(page, { name: 'sql.db', set: 'v2' }))
  const error = failed(await h.query(page, 'sql.db', 'SELECT nope FROM notes'))
  expect(error).toMatchObject({ className: 'SqliteError', code: 'SQLITE_ERROR' })
  expect(error.fields).toMatchObject({ sqliteCode: 1, sql: 'SELECT nope FROM notes' })
  const constraint = failed(await h.exec(page, 'sql.db', 'INSERT INTO notes (title, done) VALUES (?, ?)', ['x', 7]))
  expect(constraint.fields.sqliteCode).toBe(275) // SQLITE_CONSTRAINT_CHECK
  // A failing batch leaves nothing behind.
  const batch = failed(
    await page.evaluate(() =>
      window.harness.batch('sql.db', [
        { sql: 'INSERT INTO notes (title) VALUES (?)', params: ['kept?'] },
        { sql: 'INSERT INTO notes (title) VALUES (NULL)' },
      ]),
    ),
  )
  expect(batch.fields.sqliteCode).toBe(1299) // SQLITE_CONSTRAINT_NOTNULL
  expect(ok(await h.query(page, 'sql.db', 'SELECT count(*) AS n FROM notes'))).toEqual([{ n: 0 }])
})

test('a failed integrity check after the migrations restores the snapshot too', async ({ context }) => {
  const page = await openApp(context)
  ok(await h.open(page, { name: 'verify.db', set: 'v2' }))
  ok(await h.exec(page, 'verify.db', `INSERT INTO notes (title) VALUES ('a'), ('b')`))
  const file = ok(await h.exportFile(page, 'verify.db'))
  ok(await h.close(page, 'verify.db'))
  const error = failed(await h.open(page, { name: 'verify.db', set: 'bad-data' }))
  expect(error).toMatchObject({ className: 'MigrationFailedError', code: 'MIGRATION_FAILED' })
  expect(error.fields.details).toMatchObject({ phase: 'verification', version: 6, restoredToVersion: 5, statement: null })
  expect(String(error.fields.details!.sqliteMessage)).toMatch(/CHECK constraint failed/)
  ok(await h.open(page, { name: 'verify.db', set: 'v2' }))
  expect(ok(await h.exportFile(page, 'verify.db')).sha256).toBe(file.sha256)
})

test('a tampered snapshot is refused at crash recovery, every time (never skipped silently)', async ({ context }) => {
  const page = await openApp(context)
  ok(await h.open(page, { name: 'tamper.db', set: 'v1' }))
  ok(await h.exec(page, 'tamper.db', `INSERT INTO notes (title) VALUES ('x')`))
  ok(await h.close(page, 'tamper.db'))
  failed(await h.open(page, { name: 'tamper.db', set: 'slow', terminateAtVersion: 6 }))
  // Flip one byte of the snapshot the marker points at.
  await page.evaluate(async () => {
    const db = await new Promise<IDBDatabase>((resolve, reject) => {
      const request = indexedDB.open('sqlite-opfs-migrate')
      request.onsuccess = () => resolve(request.result)
      request.onerror = () => reject(request.error)
    })
    const store = () => db.transaction('snapshots', 'readwrite').objectStore('snapshots')
    const get = <T>(key: IDBValidKey) =>
      new Promise<T>((resolve) => {
        const request = store().get(key)
        request.onsuccess = () => resolve(request.result as T)
      })
    const marker = await get<{ snapshotId: string }>(['marker', 'tamper.db'])
    const blob = await get<Blob>(['snapshot', 'tamper.db', marker.snapshotId, 0])
    const bytes = new Uint8Array(await blob.arrayBuffer())
    bytes[100] = bytes[100]! ^ 0xff
    await new Promise((resolve) => (store().put(new Blob([bytes]), ['snapshot', 'tamper.db', marker.snapshotId, 0]).onsuccess = resolve))
    db.close()
  })
  const error = failed(await h.open(page, { name: 'tamper.db', set: 'slow' }))
  expect(error).toMatchObject({ className: 'SnapshotError', code: 'SNAPSHOT_CORRUPT' })
  expect(error.message).toMatch(/does not match its checksum/)
  // The marker stays: a later open meets the same refusal instead of running on a half-upgraded file.
  expect(failed(await h.open(page, { name: 'tamper.db', set: 'slow' })).code).toBe('SNAPSHOT_CORRUPT')
})

test('a disk too full to even open the storage gives INSUFFICIENT_STORAGE and touches nothing', async ({ context }) => {
  const page = await openApp(context)
  ok(await h.open(page, { name: 'nospace.db', set: 'v1' }))
  ok(await h.exec(page, 'nospace.db', `INSERT INTO notes (title) VALUES ('precious')`))
  const file = ok(await h.exportFile(page, 'nospace.db'))
  ok(await h.close(page, 'nospace.db'))
  const unlimit = await limitQuota(page, 'none')

  const error = failed(await h.open(page, { name: 'nospace.db', set: 'v2' }))
  expect(error).toMatchObject({ className: 'InsufficientStorageError', code: 'INSUFFICIENT_STORAGE' })
  expect(error.message).toMatch(/QuotaExceededError/)

  await unlimit()
  expect(ok(await h.open(page, { name: 'nospace.db', set: 'v1' })).version).toBe(2)
  expect(ok(await h.exportFile(page, 'nospace.db')).sha256).toBe(file.sha256)
})

test('a disk too full for the migration: the restore still fits (it rewrites the file in place) and nothing is lost', async ({
  context,
}) => {
  const page = await openApp(context)
  ok(await h.open(page, { name: 'fulldisk.db', set: 'v1' }))
  ok(await h.exec(page, 'fulldisk.db', `INSERT INTO notes (title, body) SELECT 'n', zeroblob(300000) FROM json_each('[1,2]')`))
  const file = ok(await h.exportFile(page, 'fulldisk.db'))
  ok(await h.close(page, 'fulldisk.db'))
  const unlimit = await limitQuota(page, 1000)

  // The snapshot fits in IndexedDB; OPFS refuses the migration's writes (SQLITE_IOERR). The restore overwrites the
  // file's own bytes without growing it, so it needs no new space and succeeds on the full disk.
  const error = failed(await h.open(page, { name: 'fulldisk.db', set: 'v2' }))
  expect(error).toMatchObject({ className: 'MigrationFailedError', code: 'MIGRATION_FAILED' })
  expect(error.fields.details).toMatchObject({ restoredToVersion: 2 })
  await unlimit()
  const reopened = ok(await h.open(page, { name: 'fulldisk.db', set: 'v1' }))
  expect(reopened).toMatchObject({ version: 2, recoveredFrom: null })
  expect(ok(await h.exportFile(page, 'fulldisk.db')).sha256).toBe(file.sha256)
  // The failure was recorded as it happened, and outlives the tab that saw it.
  expect(ok(await h.status(page, 'fulldisk.db')).lastFailure).toMatchObject({
    code: 'MIGRATION_FAILED',
    fromVersion: 2,
    toVersion: 5,
    restoredToVersion: 2,
  })
})

test('a worker killed during a restore (marker written, file not yet rewritten): the next open finishes the restore', async ({
  context,
}) => {
  const page = await openApp(context)
  ok(await h.open(page, { name: 'midrestore.db', set: 'v2' }))
  ok(
    await h.exec(
      page,
      'midrestore.db',
      `INSERT INTO notes (title, body) SELECT 'kept', zeroblob(200000) FROM json_each('[1,2,3,4,5,6,7,8,9,10]')`,
    ),
  )
  const wanted = ok(await h.exportFile(page, 'midrestore.db'))
  const snap = ok(await page.evaluate(() => window.harness.snapshot('midrestore.db')))
  ok(await h.exec(page, 'midrestore.db', `DELETE FROM notes`))
  ok(await h.close(page, 'midrestore.db'))

  // Reopen with a trap: kill the worker when the restore below starts writing (the worker stalls there, so the kill
  // lands before the write finishes, not after it).
  ok(await h.open(page, { name: 'midrestore.db', set: 'v2', killAtFault: true, workerParams: { faultAt: 'restore' } }))
  await page.evaluate(() => window.harness.progress.splice(0))
  const error = failed(await page.evaluate((id) => window.harness.restore('midrestore.db', id), snap.id))
  expect(error.code).toBe('WORKER_DIED')
  // Events the dead worker had already queued are not delivered: the trap saw exactly one.
  await page.waitForTimeout(300)
  const seen = (await h.progress(page)).filter((e) => e.type === 'restore')
  expect(seen).toHaveLength(1)

  const reopened = ok(await h.open(page, { name: 'midrestore.db', set: 'v2' }))
  expect(reopened.recoveredFrom).toMatchObject({ id: snap.id })
  expect(ok(await h.exportFile(page, 'midrestore.db')).sha256).toBe(wanted.sha256)
})

test('a worker killed in the middle of an import: the next open finishes the import, and it can still be undone', async ({ context }) => {
  const page = await openApp(context)
  ok(await h.open(page, { name: 'source.db', set: 'v2' }))
  ok(
    await h.exec(
      page,
      'source.db',
      `INSERT INTO notes (title, body) SELECT 'imported', zeroblob(200000) FROM json_each('[1,2,3,4,5,6,7,8,9,10]')`,
    ),
  )
  const imported = ok(await h.exportFile(page, 'source.db'))
  ok(await h.open(page, { name: 'target.db', set: 'v2' }))
  ok(await h.exec(page, 'target.db', `INSERT INTO notes (title) VALUES ('mine')`))
  const mine = ok(await h.exportFile(page, 'target.db'))
  ok(await h.close(page, 'target.db'))

  ok(await h.open(page, { name: 'target.db', set: 'v2', killAtFault: true, workerParams: { faultAt: 'restore' } }))
  expect(failed(await page.evaluate(() => window.harness.importFrom('target.db', 'source.db'))).code).toBe('WORKER_DIED')

  const reopened = ok(await h.open(page, { name: 'target.db', set: 'v2' }))
  expect(reopened.recoveredFrom).toMatchObject({ reason: 'import' })
  expect(ok(await h.exportFile(page, 'target.db')).sha256).toBe(imported.sha256)
  const undo = ok(await h.status(page, 'target.db')).snapshots.find((s) => s.reason === 'before-import')!
  ok(await page.evaluate((id) => window.harness.restore('target.db', id), undo.id))
  expect(ok(await h.exportFile(page, 'target.db')).sha256).toBe(mine.sha256)
})

test('a transaction the app left open blocks snapshot, export, restore and migrate with TRANSACTION_OPEN', async ({ context }) => {
  const page = await openApp(context)
  ok(await h.open(page, { name: 'opentx.db', set: 'v1' }))
  ok(await h.exec(page, 'opentx.db', `INSERT INTO notes (title) VALUES ('committed')`))
  const committed = ok(await h.exportFile(page, 'opentx.db'))
  const snap = ok(await page.evaluate(() => window.harness.snapshot('opentx.db')))
  ok(await h.exec(page, 'opentx.db', `BEGIN; INSERT INTO notes (title) VALUES ('uncommitted')`))

  const refusals = [
    failed(await page.evaluate(() => window.harness.snapshot('opentx.db'))),
    failed(await h.exportFile(page, 'opentx.db')),
    failed(await page.evaluate((id) => window.harness.restore('opentx.db', id), snap.id)),
  ]
  for (const error of refusals)
    expect(error).toMatchObject({ isLibraryError: true, className: 'TransactionOpenError', code: 'TRANSACTION_OPEN' })
  // The app's transaction is still there and still its own to finish.
  expect(ok(await h.query(page, 'opentx.db', 'SELECT count(*) AS n FROM notes'))).toEqual([{ n: 2 }])
  ok(await h.exec(page, 'opentx.db', 'ROLLBACK'))
  expect(ok(await h.exportFile(page, 'opentx.db')).sha256).toBe(committed.sha256)
  expect(ok(await h.status(page, 'opentx.db')).snapshots).toHaveLength(2)
})

test('migrate() with an app transaction open is refused before any snapshot or change', async ({ context }) => {
  const page = await openApp(context)
  ok(await h.open(page, { name: 'opentx2.db', set: 'v1' }))
  ok(await h.close(page, 'opentx2.db'))
  ok(await h.open(page, { name: 'opentx2.db', set: 'v2' }))
  const upgradeSnapshot = ok(await h.status(page, 'opentx2.db')).snapshots.find((s) => s.fromVersion === 2)!
  ok(await page.evaluate((id) => window.harness.restore('opentx2.db', id), upgradeSnapshot.id))
  ok(await h.exec(page, 'opentx2.db', `BEGIN; INSERT INTO notes (title) VALUES ('mine')`))
  const before = ok(await h.status(page, 'opentx2.db')).snapshots.length
  expect(failed(await page.evaluate(() => window.harness.migrate('opentx2.db'))).code).toBe('TRANSACTION_OPEN')
  ok(await h.exec(page, 'opentx2.db', 'COMMIT'))
  const status = ok(await h.status(page, 'opentx2.db'))
  expect(status.version).toBe(2)
  expect(status.snapshots).toHaveLength(before)
  expect(ok(await page.evaluate(() => window.harness.migrate('opentx2.db'))).map((m) => m.version)).toEqual([3, 4, 5])
  expect(ok(await h.query(page, 'opentx2.db', 'SELECT title FROM notes'))).toEqual([{ title: 'mine' }])
})
