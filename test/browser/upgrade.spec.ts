import { expect, failed, h, ok, openApp, test } from './fixtures'

const NOTES = `SELECT id, title, body, done FROM notes ORDER BY id`

test('a fresh database is created, migrated and keeps its data across reloads', async ({ context }) => {
  const page = await openApp(context)
  const opened = ok(await h.open(page, { name: 'app.db', set: 'v2' }))
  expect(opened).toMatchObject({ version: 5, latestVersion: 5, recoveredFrom: null })
  expect(opened.appliedNow.map((m) => m.version)).toEqual([1, 2, 3, 4, 5])
  ok(await h.exec(page, 'app.db', `INSERT INTO notes (title, body) VALUES ('Buy #milk', 'two litres'), ('Call Ann', '')`))
  const before = ok(await h.query(page, 'app.db', NOTES))

  // Reload without closing: the old worker's OPFS handles are released by the browser, the data stays.
  await page.reload()
  await page.waitForFunction(() => document.body.dataset.ready === 'true')
  const reopened = ok(await h.open(page, { name: 'app.db', set: 'v2' }))
  expect(reopened.appliedNow).toEqual([])
  expect(ok(await h.query(page, 'app.db', NOTES))).toEqual(before)
  const status = ok(await h.status(page, 'app.db'))
  expect(status).toMatchObject({ name: 'app.db', vfs: 'opfs-sahpool', version: 5, latestVersion: 5, pending: [] })
  expect(status.applied.map((m) => m.name)).toEqual([
    'create_notes',
    'create_tags',
    'add_done',
    'rebuild_notes_with_updated_at',
    'backfill_tags_from_hashtags',
  ])
  expect(status.applied[0]!.checksum).toMatch(/^[0-9a-f]{64}$/)
  expect(status.applied[4]!.checksum).toBeNull()
  // A fresh database has nothing to protect: an upgrade from version 0 still snapshots (the empty file).
  expect(status.snapshots).toHaveLength(1)
})

test('an upgrade snapshots the exact pre-upgrade file first, then migrates with progress events', async ({ context }) => {
  const page = await openApp(context)
  ok(await h.open(page, { name: 'up.db', set: 'v1' }))
  ok(await h.exec(page, 'up.db', `INSERT INTO notes (title) VALUES ('#work report'), ('#home #garden')`))
  const v1File = ok(await h.exportFile(page, 'up.db'))
  ok(await h.close(page, 'up.db'))
  await page.evaluate(() => window.harness.progress.splice(0))

  const opened = ok(await h.open(page, { name: 'up.db', set: 'v2' }))
  expect(opened.appliedNow.map((m) => m.version)).toEqual([3, 4, 5])
  const status = ok(await h.status(page, 'up.db'))
  const snapshot = status.snapshots.find((s) => s.reason === 'upgrade' && s.fromVersion === 2)!
  expect(snapshot).toMatchObject({ database: 'up.db', fromVersion: 2, toVersion: 5, bytes: v1File.bytes.length })
  // The snapshot is byte-for-byte the file as it was before the upgrade.
  expect(snapshot.checksum).toBe(v1File.sha256)

  const events = (await h.progress(page)).map((e) => ('version' in e ? `${e.type}:${e.version}` : e.type))
  const firstSnapshot = events.indexOf('snapshot')
  expect(events[0]).toBe('quota-check')
  expect(firstSnapshot).toBeGreaterThan(0)
  expect(events.indexOf('migration-start:3')).toBeGreaterThan(firstSnapshot)
  // The first migration runs while the snapshot is written; it commits after the snapshot is durable (its last
  // 'snapshot' events, collapsed here, come in between).
  const fromFirst = events.slice(events.indexOf('migration-start:3')).filter((e, i, all) => e !== 'snapshot' || all[i - 1] !== 'snapshot')
  expect(fromFirst).toEqual([
    'migration-start:3',
    'snapshot',
    'migration-end:3',
    'migration-start:4',
    'migration-end:4',
    'migration-start:5',
    'migration-end:5',
    'verify',
    'verify',
  ])
  // The TypeScript backfill ran: hashtags became tags.
  expect(ok(await h.query(page, 'up.db', 'SELECT name FROM tags ORDER BY name'))).toEqual([
    { name: 'garden' },
    { name: 'home' },
    { name: 'work' },
  ])
})

test('an up-to-date open takes no snapshot and writes nothing', async ({ context }) => {
  const page = await openApp(context)
  ok(await h.open(page, { name: 'still.db', set: 'v2' }))
  const file = ok(await h.exportFile(page, 'still.db'))
  ok(await h.close(page, 'still.db'))
  await page.evaluate(() => window.harness.progress.splice(0))
  ok(await h.open(page, { name: 'still.db', set: 'v2' }))
  expect(await h.progress(page)).toEqual([])
  expect(ok(await h.status(page, 'still.db')).snapshots).toHaveLength(1)
  expect(ok(await h.exportFile(page, 'still.db')).sha256).toBe(file.sha256)
})

test('old snapshots are pruned to keepSnapshots', async ({ context }) => {
  const page = await openApp(context)
  ok(await h.open(page, { name: 'prune.db', set: 'v1' }))
  for (let i = 0; i < 3; i++) ok(await page.evaluate(() => window.harness.snapshot('prune.db')))
  expect(ok(await h.status(page, 'prune.db')).snapshots).toHaveLength(4)
  ok(await h.close(page, 'prune.db'))
  ok(await h.open(page, { name: 'prune.db', set: 'v2', options: { keepSnapshots: 2 } }))
  const snapshots = ok(await h.status(page, 'prune.db')).snapshots
  expect(snapshots).toHaveLength(2)
  expect(snapshots[0]).toMatchObject({ reason: 'upgrade', fromVersion: 2, toVersion: 5 })
})

test('a database newer than the app is refused untouched, with both versions', async ({ context }) => {
  const page = await openApp(context)
  ok(await h.open(page, { name: 'new.db', set: 'v2' }))
  ok(await h.exec(page, 'new.db', `INSERT INTO notes (title) VALUES ('from the future')`))
  const file = ok(await h.exportFile(page, 'new.db'))
  ok(await h.close(page, 'new.db'))
  const error = failed(await h.open(page, { name: 'new.db', set: 'v1' }))
  expect(error).toMatchObject({ isLibraryError: true, className: 'DatabaseTooNewError', code: 'DATABASE_TOO_NEW' })
  expect(error.fields).toMatchObject({ databaseVersion: 5, latestVersion: 2 })
  ok(await h.open(page, { name: 'new.db', set: 'v2' }))
  expect(ok(await h.exportFile(page, 'new.db')).sha256).toBe(file.sha256)
})

test('invalid options and migration lists are rejected with typed errors before anything is opened', async ({ context }) => {
  const page = await openApp(context)
  const badName = failed(await h.open(page, { name: '../escape.db' }))
  expect(badName).toMatchObject({ className: 'InvalidOptionsError', code: 'INVALID_OPTIONS' })
  const badKeep = failed(await h.open(page, { name: 'ok.db', options: { keepSnapshots: 0 } }))
  expect(badKeep.code).toBe('INVALID_OPTIONS')
})

test('status() says whether the schema is what the migrations left: each upgrade records a fingerprint', async ({ context }) => {
  const page = await openApp(context)
  ok(await h.open(page, { name: 'shape.db', set: 'v1' }))
  ok(await h.close(page, 'shape.db'))
  ok(await h.open(page, { name: 'shape.db', set: 'v2' })) // an upgrade 3 → 5 in the worker, after a fresh 1 → 2
  const status = ok(await h.status(page, 'shape.db'))
  const fingerprints = status.applied.map((m) => m.schemaFingerprint)
  expect(fingerprints).toEqual(Array.from({ length: 5 }, () => expect.stringMatching(/^[0-9a-f]{64}$/)))
  expect(new Set(fingerprints.slice(0, 4)).size).toBe(4) // each of the first four changed the schema
  expect(fingerprints[4]).toBe(fingerprints[3]) // 5 is a data backfill: same schema
  expect(status.schema).toEqual({ state: 'matches', fingerprint: fingerprints[4], recorded: fingerprints[4], recordedBy: 5 })

  // Someone changes the schema outside the migrations: status() says so; undoing it matches again.
  ok(await h.exec(page, 'shape.db', 'CREATE INDEX by_hand ON notes (title)'))
  const changed = ok(await h.status(page, 'shape.db')).schema
  expect(changed).toMatchObject({ state: 'changed', recorded: fingerprints[4], recordedBy: 5 })
  expect(changed.fingerprint).not.toBe(fingerprints[4])
  ok(await h.exec(page, 'shape.db', 'DROP INDEX by_hand'))
  expect(ok(await h.status(page, 'shape.db')).schema.state).toBe('matches')
})
