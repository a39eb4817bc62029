import type { Page } from '@playwright/test'

import { expect, failed, h, ok, openApp, test } from './fixtures'

// Hostile or unlucky input through the API: names, parameters, imports, a runaway migration, and the site's
// IndexedDB cleared in the middle of an upgrade. Each is refused with a typed error, and nothing is lost.

const NOTES = 'SELECT id, title, body FROM notes ORDER BY id'

/** Every entry under OPFS's root, recursively (names only). */
const opfsTree = (page: Page) =>
  page.evaluate(async () => {
    const names: string[] = []
    const walk = async (dir: FileSystemDirectoryHandle, path: string): Promise<void> => {
      for await (const [name, handle] of (dir as unknown as { entries(): AsyncIterable<[string, FileSystemHandle]> }).entries()) {
        names.push(`${path}/${name}`)
        if (handle.kind === 'directory') await walk(handle as FileSystemDirectoryHandle, `${path}/${name}`)
      }
    }
    await walk(await navigator.storage.getDirectory(), '')
    return names.sort()
  })

test('database names with path tricks are refused before anything is created', async ({ context }) => {
  const page = await openApp(context)
  ok(await h.open(page, { name: 'good.db', set: 'v2' }))
  const tree = await opfsTree(page)
  for (const name of [
    '',
    '.',
    '..',
    '../good.db',
    '../../x.db',
    'a/b.db',
    'a\\b.db',
    '/abs.db',
    `${'x'.repeat(129)}.db`,
    '.hidden',
    'nul\0.db',
    'sp ace.db',
    'é.db',
  ])
    expect(failed(await h.open(page, { name, set: 'v2' })), JSON.stringify(name)).toMatchObject({ code: 'INVALID_OPTIONS' })
  expect(await opfsTree(page)).toEqual(tree)
  expect(ok(await h.query(page, 'good.db', 'SELECT count(*) AS n FROM notes'))).toEqual([{ n: 0 }])
})

test('parameters that look like SQL are bound, never run; every value comes back verbatim', async ({ context }) => {
  const page = await openApp(context)
  ok(await h.open(page, { name: 'bind.db', set: 'v2' }))
  const hostile = [
    `'); DROP TABLE notes; --`,
    `" OR 1=1 --`,
    `x'; ATTACH DATABASE '/evil.db' AS evil; --`,
    `?; DELETE FROM notes WHERE ?`,
    `$title :body @x`,
    `nul\0inside`,
    `emoji 🚀 and RTL \u202e text`,
    'long '.repeat(200_000),
  ]
  for (const title of hostile) ok(await h.exec(page, 'bind.db', 'INSERT INTO notes (title, body) VALUES (?, ?)', [title, title]))
  ok(
    await page.evaluate(() =>
      window.harness.exec('bind.db', 'UPDATE notes SET body = $b WHERE id = $id', { $b: `'); DROP TABLE notes; --`, $id: 1 } as never),
    ),
  )
  const rows = ok(await h.query(page, 'bind.db', NOTES))
  expect(rows.map((r) => r.title)).toEqual(hostile)
  expect(rows[0]!.body).toBe(`'); DROP TABLE notes; --`)
  expect(ok(await h.query(page, 'bind.db', 'SELECT id FROM notes WHERE title = ?', [`" OR 1=1 --`]))).toEqual([{ id: 2 }])
  // A wrong number of parameters is a typed error, not a partial write.
  expect(failed(await h.exec(page, 'bind.db', 'INSERT INTO notes (title, body) VALUES (?, ?)', ['only one']))).toMatchObject({
    code: 'SQLITE_ERROR',
  })
  expect(ok(await h.query(page, 'bind.db', 'SELECT count(*) AS n FROM notes'))).toEqual([{ n: hostile.length }])
})

test('an import that would not fit is refused before the file is read; the database is unchanged', async ({ context }) => {
  const page = await openApp(context)
  ok(await h.open(page, { name: 'source.db', set: 'v2' }))
  ok(
    await h.exec(
      page,
      'source.db',
      `INSERT INTO notes (title, body) SELECT 'n' || value, zeroblob(50000) FROM json_each('[1,2,3,4,5,6,7,8]')`,
    ),
  )
  const quota = await page.evaluate(async () => (await navigator.storage.estimate()).quota!)
  ok(await h.open(page, { name: 'target.db', set: 'v2' }))
  ok(await h.exec(page, 'target.db', `INSERT INTO notes (title) VALUES ('mine')`))
  ok(await h.close(page, 'target.db'))
  // The app asks to keep the whole quota free: no import can fit (Chromium's estimate() ignores CDP quota overrides).
  ok(await h.open(page, { name: 'target.db', set: 'v2', options: { minFreeBytes: quota } }))
  const before = ok(await page.evaluate(() => window.harness.fileSha256('target.db')))
  const snapshots = ok(await h.status(page, 'target.db')).snapshots.length

  const error = failed(await page.evaluate(() => window.harness.importFrom('target.db', 'source.db')))
  expect(error).toMatchObject({ className: 'InsufficientStorageError', code: 'INSUFFICIENT_STORAGE' })
  expect(error.message).toMatch(/nothing was changed/)
  expect(ok(await page.evaluate(() => window.harness.fileSha256('target.db'))).sha256).toBe(before.sha256)
  expect(ok(await h.status(page, 'target.db')).snapshots).toHaveLength(snapshots)
})

test('a runaway migration is stopped by migrationTimeLimitMs, rolled back, and the file restored', async ({ context }) => {
  const page = await openApp(context)
  ok(await h.open(page, { name: 'slow.db', set: 'v2' }))
  ok(await h.exec(page, 'slow.db', `INSERT INTO notes (title) VALUES ('one'), ('two')`))
  const rows = ok(await h.query(page, 'slow.db', NOTES))
  const before = ok(await page.evaluate(() => window.harness.fileSha256('slow.db')))
  ok(await h.close(page, 'slow.db'))

  // Migration 6 of the `slow` set writes rows for 1.5 s.
  // timedOut says the limit stopped it (SQLITE_INTERRUPT), not the migration ending: no wall-clock assertion needed.
  const error = failed(await h.open(page, { name: 'slow.db', set: 'slow', options: { migrationTimeLimitMs: 300 } }))
  expect(error).toMatchObject({
    code: 'MIGRATION_FAILED',
    fields: { details: { version: 6, sqliteCode: 9, timedOut: true, restoredToVersion: 5 } },
  })
  expect(error.message).toMatch(/time limit of 300 ms/)
  ok(await h.open(page, { name: 'slow.db', set: 'v2' }))
  expect(ok(await h.query(page, 'slow.db', NOTES))).toEqual(rows)
  expect(ok(await page.evaluate(() => window.harness.fileSha256('slow.db'))).sha256).toBe(before.sha256)
})

test("the site's IndexedDB cleared while the upgrade's snapshot is being written: a typed error, the file unchanged", async ({
  context,
}) => {
  const page = await openApp(context)
  ok(await h.open(page, { name: 'cleared.db', set: 'v1' }))
  ok(
    await h.exec(
      page,
      'cleared.db',
      `INSERT INTO notes (title, body) SELECT 'n' || value, zeroblob(50000) FROM json_each('[1,2,3,4,5,6,7,8]')`,
    ),
  )
  const rows = ok(await h.query(page, 'cleared.db', NOTES))
  const before = ok(await page.evaluate(() => window.harness.fileSha256('cleared.db')))
  ok(await h.close(page, 'cleared.db'))

  // The worker pauses as its snapshot starts; meanwhile the user (or the browser) clears the site's IndexedDB.
  const opening = page.evaluate(() =>
    window.harness.open({ name: 'cleared.db', set: 'v2', workerParams: { faultAt: 'snapshot-start', faultPauseMs: '1500' } }),
  )
  await page.waitForFunction(() => window.harness.faults.includes('snapshot-start'))
  const cdp = await context.newCDPSession(page)
  await cdp.send('Storage.clearDataForOrigin', { origin: new URL(page.url()).origin, storageTypes: 'indexeddb' })
  const error = failed(await opening)
  expect(error.isLibraryError, JSON.stringify(error)).toBe(true)
  expect(error.code).toBe('SNAPSHOT_WRITE_FAILED')

  ok(await h.open(page, { name: 'cleared.db', set: 'v1' }))
  expect(ok(await h.query(page, 'cleared.db', NOTES))).toEqual(rows)
  expect(ok(await page.evaluate(() => window.harness.fileSha256('cleared.db'))).sha256).toBe(before.sha256)
  ok(await h.close(page, 'cleared.db'))
  // With IndexedDB back to normal the upgrade simply runs.
  expect(ok(await h.open(page, { name: 'cleared.db', set: 'v2' })).appliedNow.map((m) => m.version)).toEqual([3, 4, 5])
})

test('an import whose history is a VIEW (with a trigger that eats rows, or recursive) is refused unrun; nothing changes, other tabs are served', async ({
  context,
}) => {
  const page = await openApp(context)
  // Files built the way an attacker would: the app's own file, its history swapped for a view over a copy of it.
  ok(await h.open(page, { name: 'eater.db', set: 'v1' }))
  ok(await h.exec(page, 'eater.db', `INSERT INTO notes (title) VALUES ('bait')`))
  ok(
    await h.exec(
      page,
      'eater.db',
      `CREATE TABLE hist_copy AS SELECT * FROM schema_migrations;
    DROP TABLE schema_migrations;
    CREATE VIEW schema_migrations AS SELECT * FROM hist_copy;
    CREATE TRIGGER eat INSTEAD OF INSERT ON schema_migrations BEGIN DELETE FROM notes; END;`,
    ),
  )
  ok(await h.open(page, { name: 'loop.db', set: 'v1' }))
  ok(
    await h.exec(
      page,
      'loop.db',
      `DROP TABLE schema_migrations;
    CREATE VIEW schema_migrations AS WITH RECURSIVE r(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM r)
      SELECT i AS version, 'x' AS name, NULL AS checksum, '' AS applied_at, 0.0 AS duration_ms, 0 AS baseline FROM r;`,
    ),
  )
  ok(await h.open(page, { name: 'hooked.db', set: 'v1' }))
  ok(await h.exec(page, 'hooked.db', `CREATE TRIGGER forget AFTER INSERT ON notes BEGIN DELETE FROM schema_migrations; END;`))

  ok(await h.open(page, { name: 'target.db', set: 'v2' }))
  ok(await h.exec(page, 'target.db', `INSERT INTO notes (title) VALUES ('mine'), ('also mine')`))
  const other = await openApp(context)
  expect(ok(await h.open(other, { name: 'target.db', set: 'v2' })).servedBy).toBe('another-tab')
  const before = ok(await page.evaluate(() => window.harness.fileSha256('target.db')))
  const rows = ok(await h.query(page, 'target.db', NOTES))
  const snapshots = ok(await h.status(page, 'target.db')).snapshots.length

  for (const source of ['eater.db', 'loop.db', 'hooked.db']) {
    const error = failed(await page.evaluate((s) => window.harness.importFrom('target.db', s), source))
    expect(error, source).toMatchObject({
      className: 'InvalidDatabaseFileError',
      code: 'INVALID_DATABASE_FILE',
      fields: { reason: 'unexpected-schema' },
    })
    expect(error.message).toMatch(/schema_migrations is not this library's history table/)
    // The other tab is still served by the owner that checked the file.
    expect(ok(await h.query(other, 'target.db', 'SELECT count(*) AS n FROM notes'))).toEqual([{ n: rows.length }])
  }
  // Headers the storage would rewrite: WAL (18/19 = 2), file format versions above 2.
  for (const patches of [
    [
      [18, 2],
      [19, 2],
    ],
    [[18, 3]],
    [[19, 3]],
  ] as [number, number][][]) {
    const error = failed(await page.evaluate(([p]) => window.harness.importPatched('target.db', 'hooked.db', p), [patches] as const))
    expect(error, JSON.stringify(patches)).toMatchObject({ code: 'INVALID_DATABASE_FILE', fields: { reason: 'unsupported' } })
  }
  expect(ok(await page.evaluate(() => window.harness.fileSha256('target.db'))).sha256).toBe(before.sha256)
  expect(ok(await h.query(page, 'target.db', NOTES))).toEqual(rows)
  expect(ok(await h.status(page, 'target.db')).snapshots).toHaveLength(snapshots)
  // Writes from both tabs still land, and stay.
  ok(await h.exec(other, 'target.db', `INSERT INTO notes (title) VALUES ('from the other tab')`))
  ok(await h.exec(page, 'target.db', `INSERT INTO notes (title) VALUES ('from this tab')`))
  expect(ok(await h.query(page, 'target.db', 'SELECT count(*) AS n FROM notes'))).toEqual([{ n: rows.length + 2 }])
})
