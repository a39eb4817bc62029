import type { Page } from '@playwright/test'

import { expect, failed, ok, openApp, test } from './fixtures'

// Damaged database files and damaged snapshots: each is refused with a typed error that changes nothing and says the
// way out, and the way out (`restoreFrom`) loses nothing, not even the damaged bytes.

const SEED = `WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 200)
INSERT INTO items (id, name, payload) SELECT i, 'item ' || i, printf('%.*c', 100, char(65 + i % 26)) FROM n;
INSERT INTO attachments (item_id, data) SELECT id, printf('%.*c', 8600, char(97 + id % 26)) FROM items`

const digest = async (page: Page, name: string) => ok(await page.evaluate((n) => window.harness.digest(n), name))

/** A database upgraded 2 → 5 (so it has a snapshot of version 2 with the seed rows); closed. */
async function upgraded(page: Page, name: string) {
  ok(await page.evaluate((n) => window.harness.open({ name: n, set: 'faults-v1' }), name))
  ok(await page.evaluate(([n, sql]) => window.harness.exec(n, sql), [name, SEED] as const))
  const atV2 = await digest(page, name)
  ok(await page.evaluate((n) => window.harness.close(n), name))
  ok(await page.evaluate((n) => window.harness.open({ name: n, set: 'faults' }), name))
  const atV5 = await digest(page, name)
  const { snapshots } = ok(await page.evaluate((n) => window.harness.status(n), name))
  ok(await page.evaluate((n) => window.harness.close(n), name))
  return { atV2, atV5, snapshot: snapshots[0]! }
}

const open = (page: Page, name: string, options: Record<string, unknown> = {}) =>
  page.evaluate(([n, o]) => window.harness.open({ name: n, set: 'faults', options: o }), [name, options] as const)
const tamper = async (page: Page, name: string, how: Parameters<Window['harness']['tamper']>[1]) =>
  ok(await page.evaluate(([n, t]) => window.harness.tamper(n, t), [name, how] as const))

test('a file overwritten with text: DATABASE_CORRUPT at open, untouched; restoreFrom brings the snapshot back and keeps the damaged bytes', async ({
  context,
}) => {
  const page = await openApp(context)
  const { atV5, snapshot } = await upgraded(page, 'text.db')
  const text = 'these are not the bytes of a database '.repeat(100)
  await tamper(page, 'text.db', { kind: 'replace', text })

  for (let attempt = 0; attempt < 2; attempt++) {
    const error = failed(await open(page, 'text.db'))
    expect(error).toMatchObject({
      className: 'DatabaseCorruptError',
      code: 'DATABASE_CORRUPT',
      fields: { reason: 'not-a-database', sqliteCode: 26 },
    })
    expect((error.fields.snapshots as { id: string }[])[0]!.id).toBe(snapshot.id)
    expect(error.message).toContain(`restoreFrom: '${snapshot.id}'`)
  }
  const reopened = ok(await open(page, 'text.db', { restoreFrom: snapshot.id }))
  expect(reopened).toMatchObject({
    version: 5,
    recoveredFrom: { id: snapshot.id },
    appliedNow: [{ version: 3 }, { version: 4 }, { version: 5 }],
  })
  expect(await digest(page, 'text.db')).toEqual(atV5)
  // The damaged file was kept, byte for byte, as a snapshot of its own.
  const { snapshots } = ok(await page.evaluate(() => window.harness.status('text.db')))
  const kept = snapshots.find((s) => s.reason === 'before-restore')!
  expect(kept).toMatchObject({ fromVersion: 0, bytes: text.length })
  const keptSha = ok(await page.evaluate((id) => window.harness.snapshotSha256('text.db', id), kept.id)).sha256
  const textSha = await page.evaluate(async (t) => {
    const digest = new Uint8Array(await crypto.subtle.digest('SHA-256', new TextEncoder().encode(t)))
    return Array.from(digest, (b) => b.toString(16).padStart(2, '0')).join('')
  }, text)
  expect(keptSha).toBe(textSha)
})

test('a damaged schema page: DATABASE_CORRUPT (malformed) at open, every time', async ({ context }) => {
  const page = await openApp(context)
  const { snapshot } = await upgraded(page, 'schema.db')
  // Page 1's b-tree header (sqlite_schema's root) starts at byte 100.
  await tamper(page, 'schema.db', { kind: 'flip', offsets: [100, 101, 103, 105] })
  for (let attempt = 0; attempt < 2; attempt++) {
    const error = failed(await open(page, 'schema.db'))
    expect(error).toMatchObject({ code: 'DATABASE_CORRUPT', fields: { reason: 'malformed' } })
    expect(Number(error.fields.sqliteCode) & 0xff).toBe(11)
  }
  expect(ok(await open(page, 'schema.db', { restoreFrom: snapshot.id })).version).toBe(5)
})

test("a damaged page the upgrade's check finds: the upgrade is undone and the error says the file was damaged before it", async ({
  context,
}) => {
  const page = await openApp(context)
  ok(await page.evaluate(() => window.harness.open({ name: 'page.db', set: 'faults-v1' })))
  ok(await page.evaluate((sql) => window.harness.exec('page.db', sql), SEED))
  const { bytes } = ok(await page.evaluate(() => window.harness.fileSha256('page.db')))
  ok(await page.evaluate(() => window.harness.close('page.db')))
  // The first bytes of a page two thirds into the file (an attachment's overflow page): its link to the next one.
  const at = Math.floor((bytes * 2) / 3 / 4096) * 4096
  await tamper(page, 'page.db', { kind: 'flip', offsets: [at, at + 1, at + 2, at + 3] })
  const damaged = ok(await page.evaluate(() => window.harness.open({ name: 'page.db', set: 'faults-v1' })))
  expect(damaged.version).toBe(2)
  const before = ok(await page.evaluate(() => window.harness.fileSha256('page.db')))
  ok(await page.evaluate(() => window.harness.close('page.db')))

  const error = failed(await open(page, 'page.db'))
  expect(error).toMatchObject({ code: 'DATABASE_CORRUPT', fields: { reason: 'malformed' } })
  expect(error.message).toMatch(/already damaged before the upgrade/)
  ok(await page.evaluate(() => window.harness.open({ name: 'page.db', set: 'faults-v1' })))
  expect(ok(await page.evaluate(() => window.harness.fileSha256('page.db'))).sha256).toBe(before.sha256)
})

test('an emptied file (OPFS lost it) is not taken for a new database: DATABASE_CORRUPT (emptied); restoreFrom brings it back', async ({
  context,
}) => {
  const page = await openApp(context)
  const { atV5, snapshot } = await upgraded(page, 'empty.db')
  await tamper(page, 'empty.db', { kind: 'empty' })
  const error = failed(await open(page, 'empty.db'))
  expect(error).toMatchObject({ code: 'DATABASE_CORRUPT', fields: { reason: 'emptied', sqliteCode: null } })
  expect(error.message).toMatch(/file is empty, but it had \d+ bytes/)
  expect(ok(await open(page, 'empty.db', { restoreFrom: snapshot.id })).version).toBe(5)
  expect(await digest(page, 'empty.db')).toEqual(atV5)
})

test('restoreFrom an unknown snapshot is refused before anything changes', async ({ context }) => {
  const page = await openApp(context)
  const { atV5 } = await upgraded(page, 'unknown.db')
  expect(failed(await open(page, 'unknown.db', { restoreFrom: 'no-such-snapshot' })).code).toBe('SNAPSHOT_NOT_FOUND')
  ok(await open(page, 'unknown.db'))
  expect(await digest(page, 'unknown.db')).toEqual(atV5)
})

for (const how of ['delete-chunk', 'truncate-chunk', 'flip-byte'] as const)
  test(`the snapshot an interrupted upgrade needs is damaged (${how}): refused every time, file untouched; the error's ways out work`, async ({
    context,
  }) => {
    const page = await openApp(context)
    const { atV5 } = await upgraded(page, `reference-${how}.db`)
    ok(await page.evaluate(() => window.harness.open({ name: 'lost.db', set: 'faults-v1' })))
    ok(await page.evaluate((sql) => window.harness.exec('lost.db', sql), SEED))
    ok(await page.evaluate(() => window.harness.close('lost.db')))
    // Killed after migration 3 committed: only the snapshot can undo it.
    const killed = failed(
      await page.evaluate(() =>
        window.harness.open({ name: 'lost.db', set: 'faults', killAtFault: true, workerParams: { faultAt: 'between-migrations' } }),
      ),
    )
    expect(killed.code).toBe('WORKER_DIED')
    const id = ok(await page.evaluate((t) => window.harness.tamperSnapshot('lost.db', t), how))

    const code = how === 'delete-chunk' ? 'SNAPSHOT_NOT_FOUND' : 'SNAPSHOT_CORRUPT'
    for (let attempt = 0; attempt < 2; attempt++) {
      const error = failed(await open(page, 'lost.db'))
      expect(error).toMatchObject({ className: 'SnapshotError', code, fields: { snapshotId: id } })
      expect(error.message).toContain(`restoreFrom: 'current-file'`)
    }
    // Keeping the file as it is: migration 3 committed whole, so the file is at version 3 and the upgrade resumes.
    const kept = ok(await open(page, 'lost.db', { restoreFrom: 'current-file' }))
    expect(kept).toMatchObject({ recoveredFrom: null, appliedNow: [{ version: 4 }, { version: 5 }], version: 5 })
    expect(await digest(page, 'lost.db')).toEqual(atV5)
  })

test('restoreFrom the only snapshot of a once-upgraded database (an empty file) opens it, not an "emptied" alarm', async ({ context }) => {
  const page = await openApp(context)
  ok(await page.evaluate(() => window.harness.open({ name: 'once.db', set: 'faults-v1' })))
  ok(await page.evaluate(() => window.harness.close('once.db')))
  await tamper(page, 'once.db', { kind: 'replace', text: 'garbage '.repeat(64) })
  const error = failed(await open(page, 'once.db'))
  const [only] = error.fields.snapshots as { id: string; bytes: number }[]
  expect(only).toMatchObject({ bytes: 0 })
  expect(ok(await open(page, 'once.db', { restoreFrom: only!.id }))).toMatchObject({ version: 5, recoveredFrom: { id: only!.id } })
  // A damaged target is refused before a new snapshot is taken.
  const count = ok(await page.evaluate(() => window.harness.status('once.db'))).snapshots.length
  ok(await page.evaluate(() => window.harness.close('once.db')))
  expect(failed(await open(page, 'once.db', { restoreFrom: 'missing' })).code).toBe('SNAPSHOT_NOT_FOUND')
  ok(await open(page, 'once.db'))
  expect(ok(await page.evaluate(() => window.harness.status('once.db'))).snapshots).toHaveLength(count)
})

test("'current-file' refuses a file that was emptied while its upgrade was interrupted; nothing changes", async ({ context }) => {
  const page = await openApp(context)
  ok(await page.evaluate(() => window.harness.open({ name: 'gone.db', set: 'faults-v1' })))
  ok(await page.evaluate((sql) => window.harness.exec('gone.db', sql), SEED))
  ok(await page.evaluate(() => window.harness.close('gone.db')))
  const killed = failed(
    await page.evaluate(() =>
      window.harness.open({ name: 'gone.db', set: 'faults', killAtFault: true, workerParams: { faultAt: 'between-migrations' } }),
    ),
  )
  expect(killed.code).toBe('WORKER_DIED')
  ok(await page.evaluate(() => window.harness.tamperSnapshot('gone.db', 'delete-chunk')))
  await tamper(page, 'gone.db', { kind: 'empty' })
  const error = failed(await open(page, 'gone.db', { restoreFrom: 'current-file' }))
  expect(error).toMatchObject({ code: 'DATABASE_CORRUPT', fields: { reason: 'emptied' } })
  // The marker is still there: a plain open still names the missing snapshot instead of starting a new database.
  expect(failed(await open(page, 'gone.db')).code).toBe('SNAPSHOT_NOT_FOUND')
})

test('restoreFrom is refused while another tab has the database open; nothing is restored', async ({ context }) => {
  const page = await openApp(context)
  const { atV5, snapshot } = await upgraded(page, 'shared.db')
  ok(await open(page, 'shared.db'))
  const other = await openApp(context)
  const error = failed(await open(other, 'shared.db', { restoreFrom: snapshot.id }))
  expect(error).toMatchObject({ code: 'INVALID_OPTIONS' })
  expect(error.message).toMatch(/closed in every other tab/)
  expect(await digest(page, 'shared.db')).toEqual(atV5)
  expect(ok(await page.evaluate(() => window.harness.status('shared.db'))).snapshots.some((s) => s.reason === 'before-restore')).toBe(false)
})

test('a damaged IndexedDB image (a chunk lost): DATABASE_CORRUPT; restoreFrom keeps what is left of it byte for byte', async ({
  context,
}) => {
  const page = await openApp(context)
  const name = 'image.db'
  const inIndexedDb = { storage: 'indexeddb' as const }
  ok(await page.evaluate(([n, o]) => window.harness.open({ name: n, set: 'faults-v1', options: o }), [name, inIndexedDb] as const))
  ok(await page.evaluate(([n, sql]) => window.harness.exec(n, sql), [name, SEED] as const))
  ok(await page.evaluate((n) => window.harness.close(n), name))
  ok(await open(page, name, inIndexedDb))
  const atV5 = await digest(page, name)
  const [snapshot] = ok(await page.evaluate((n) => window.harness.status(n), name)).snapshots
  ok(await page.evaluate((n) => window.harness.close(n), name))

  // The image is ~2 MiB in 64 KiB chunks: one in the middle is lost.
  const left = ok(await page.evaluate((n) => window.harness.damageImage(n, 5), name))
  expect(left.bytes).toBeGreaterThan(0)
  expect(failed(await open(page, name, inIndexedDb))).toMatchObject({ code: 'DATABASE_CORRUPT', fields: { reason: 'malformed' } })

  const reopened = ok(await open(page, name, { ...inIndexedDb, restoreFrom: snapshot!.id }))
  expect(reopened).toMatchObject({ version: 5, recoveredFrom: { id: snapshot!.id } })
  expect(await digest(page, name)).toEqual(atV5)
  // What was left of the damaged image is kept as it was (not an empty copy): every remaining chunk, in order.
  const { snapshots } = ok(await page.evaluate((n) => window.harness.status(n), name))
  const kept = snapshots.find((s) => s.reason === 'before-restore')!
  expect(ok(await page.evaluate(([n, id]) => window.harness.snapshotSha256(n, id), [name, kept.id] as const))).toEqual(left)
  // The restored image was saved whole: a reload reads it back.
  ok(await page.evaluate((n) => window.harness.close(n), name))
  ok(await open(page, name, inIndexedDb))
  expect(await digest(page, name)).toEqual(atV5)
})

test('restoring the kept copy of a damaged file is refused before anything is touched; the handle and other tabs keep working', async ({
  context,
}) => {
  const page = await openApp(context)
  const { atV5, snapshot } = await upgraded(page, 'kept.db')
  await tamper(page, 'kept.db', { kind: 'replace', text: 'not the bytes of a database '.repeat(300) })
  ok(await open(page, 'kept.db', { restoreFrom: snapshot.id }))
  const status = async () => ok(await page.evaluate(() => window.harness.status('kept.db')))
  const kept = (await status()).snapshots.find((s) => s.reason === 'before-restore')!
  const other = await openApp(context)
  expect(ok(await open(other, 'kept.db')).servedBy).toBe('another-tab')
  const before = ok(await page.evaluate(() => window.harness.fileSha256('kept.db')))
  const snapshots = (await status()).snapshots

  // What the inspector offers: restore it (the current file snapshotted first), from this tab and from the other one.
  for (const tab of [page, other]) {
    const error = failed(await tab.evaluate((id) => window.harness.restore('kept.db', id), kept.id))
    expect(error).toMatchObject({ className: 'SnapshotError', code: 'SNAPSHOT_NOT_RESTORABLE', fields: { snapshotId: kept.id } })
    expect(error.message).toMatch(/cannot be restored, so nothing was changed: not an SQLite database/)
    expect((await status()).snapshots).toEqual(snapshots) // no undo snapshot taken
    expect(ok(await page.evaluate(() => window.harness.fileSha256('kept.db')))).toEqual(before)
  }
  // Every call still works, in both tabs, and writes stay.
  expect(await digest(page, 'kept.db')).toEqual(atV5)
  ok(await other.evaluate(() => window.harness.exec('kept.db', `INSERT INTO items (id, name, payload) VALUES (1000, 'after', 'x')`)))
  expect(ok(await page.evaluate(() => window.harness.query('kept.db', 'SELECT name FROM items WHERE id = 1000')))).toEqual([
    { name: 'after' },
  ])
  ok(await other.evaluate(() => window.harness.close('kept.db')))
  ok(await page.evaluate(() => window.harness.close('kept.db')))

  // At open too: refused before the current file is kept as a snapshot, and the next plain open is fine.
  expect(failed(await open(page, 'kept.db', { restoreFrom: kept.id }))).toMatchObject({ code: 'SNAPSHOT_NOT_RESTORABLE' })
  ok(await open(page, 'kept.db'))
  expect((await status()).snapshots).toEqual(snapshots)
  expect(ok(await page.evaluate(() => window.harness.query('kept.db', 'SELECT count(*) AS n FROM items')))).toEqual([{ n: 201 }])
  ok(await page.evaluate(() => window.harness.close('kept.db')))

  // A database bricked by an earlier version (a restore marker naming those bytes): the open says the way out, which works.
  await page.evaluate(async (id) => {
    const db = await new Promise<IDBDatabase>((resolve, reject) => {
      const request = indexedDB.open('sqlite-opfs-migrate')
      request.onsuccess = () => resolve(request.result)
      request.onerror = () => reject(request.error)
    })
    const marker = { kind: 'restore', snapshotId: id, fromVersion: 5, toVersion: 0, startedAt: new Date().toISOString() }
    await new Promise((resolve, reject) => {
      const transaction = db.transaction('snapshots', 'readwrite')
      transaction.objectStore('snapshots').put(marker, ['marker', 'kept.db'])
      transaction.oncomplete = resolve
      transaction.onerror = () => reject(transaction.error)
    })
    db.close()
  }, kept.id)
  const bricked = failed(await open(page, 'kept.db'))
  expect(bricked).toMatchObject({ code: 'SNAPSHOT_NOT_RESTORABLE' })
  expect(bricked.message).toContain(`restoreFrom: 'current-file'`)
  ok(await open(page, 'kept.db', { restoreFrom: 'current-file' }))
  expect(ok(await page.evaluate(() => window.harness.query('kept.db', 'SELECT count(*) AS n FROM items')))).toEqual([{ n: 201 }])
})

test("'current-file' with no interrupted operation does not take an emptied file for a new database: DATABASE_CORRUPT, nothing applied", async ({
  context,
}) => {
  const page = await openApp(context)
  const { atV5, snapshot } = await upgraded(page, 'blank.db')
  await tamper(page, 'blank.db', { kind: 'empty' })
  let listed: string[] | undefined
  for (const options of [{ restoreFrom: 'current-file' }, { restoreFrom: 'current-file' }, {}]) {
    const error = failed(await open(page, 'blank.db', options))
    expect(error, JSON.stringify(options)).toMatchObject({ code: 'DATABASE_CORRUPT', fields: { reason: 'emptied', sqliteCode: null } })
    // The record of what was lost is intact: the size it had is still known, and the snapshots are all there.
    expect(error.message).toMatch(/file is empty, but it had \d+ bytes/)
    const ids = (error.fields.snapshots as { id: string }[]).map((s) => s.id)
    expect(ids).toContain(snapshot.id)
    expect(ids).toEqual((listed ??= ids))
  }
  expect(ok(await open(page, 'blank.db', { restoreFrom: snapshot.id })).version).toBe(5)
  expect(await digest(page, 'blank.db')).toEqual(atV5)
})
