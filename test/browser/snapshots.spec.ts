import { expect, failed, h, limitQuota, ok, openApp, test } from './fixtures'

// Snapshots are stored in 8 MiB chunks, each with its sha-256 (see worker/records/snapshot-chunks.ts). These tests use files of
// several chunks.

const MiB = 1024 * 1024

/** sha-256 and size of the database file (without moving its bytes out of the page). */
const fileDigest = (page: Parameters<typeof h.open>[0], name: string) =>
  page.evaluate(async (n) => {
    const bytes = new Uint8Array(await (await window.harness.handle(n).exportDatabase()).arrayBuffer())
    const digest = new Uint8Array(await crypto.subtle.digest('SHA-256', bytes))
    return { bytes: bytes.byteLength, sha256: Array.from(digest, (b) => b.toString(16).padStart(2, '0')).join('') }
  }, name)

/** Reads or writes the library's IndexedDB store directly, as damage or an older version would. */
const idb = (page: Parameters<typeof h.open>[0], run: string, arg: unknown) =>
  page.evaluate(
    async ([code, a]) => {
      const db = await new Promise<IDBDatabase>((resolve, reject) => {
        const request = indexedDB.open('sqlite-opfs-migrate')
        request.onsuccess = () => resolve(request.result)
        request.onerror = () => reject(request.error)
      })
      const call = (method: 'get' | 'put' | 'delete', ...args: unknown[]) =>
        new Promise<unknown>((resolve, reject) => {
          const store = db.transaction('snapshots', 'readwrite').objectStore('snapshots')
          const request = (store[method] as (...x: unknown[]) => IDBRequest)(...args)
          request.onsuccess = () => resolve(request.result)
          request.onerror = () => reject(request.error)
        })
      try {
        return await new Function('call', 'arg', `return (async () => { ${code} })()`)(call, a)
      } finally {
        db.close()
      }
    },
    [run, arg] as const,
  )

test('a file of several chunks is snapshotted chunk by chunk, restored byte for byte, and one damaged chunk is named', async ({
  context,
}) => {
  test.setTimeout(120_000)
  const page = await openApp(context)
  ok(await h.open(page, { name: 'big.db', set: 'v2' }))
  ok(
    await h.exec(
      page,
      'big.db',
      `WITH RECURSIVE s(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM s WHERE i < 200) INSERT INTO notes (title, body) SELECT 'n' || i, randomblob(100000) FROM s`,
    ),
  )
  const before = await fileDigest(page, 'big.db')
  expect(before.bytes).toBeGreaterThan(2 * 8 * MiB)

  const snap = ok(await page.evaluate(() => window.harness.snapshot('big.db')))
  expect(snap.bytes).toBe(before.bytes)
  expect(snap.chunkBytes).toBe(8 * MiB)
  expect(snap.chunkSha256).toHaveLength(Math.ceil(before.bytes / (8 * MiB)))
  // The checksum is the hash list of the chunks' digests; the chunks hash to what the file's pieces hash to.
  const expected = await page.evaluate(
    async ([name, chunk]) => {
      const bytes = new Uint8Array(await (await window.harness.handle(name).exportDatabase()).arrayBuffer())
      const hex = (d: ArrayBuffer) => Array.from(new Uint8Array(d), (b) => b.toString(16).padStart(2, '0')).join('')
      const digests: ArrayBuffer[] = []
      for (let at = 0; at < bytes.byteLength; at += chunk)
        digests.push(await crypto.subtle.digest('SHA-256', bytes.subarray(at, at + chunk)))
      const joined = new Uint8Array(digests.length * 32)
      digests.forEach((d, i) => joined.set(new Uint8Array(d), i * 32))
      return { chunks: digests.map(hex), checksum: hex(await crypto.subtle.digest('SHA-256', joined)) }
    },
    ['big.db', 8 * MiB] as const,
  )
  expect(snap.chunkSha256).toEqual(expected.chunks)
  expect(snap.checksum).toBe(expected.checksum)
  // Exporting the snapshot gives the file back, whole.
  const exported = await page.evaluate(async (id) => {
    const bytes = new Uint8Array(await (await window.harness.handle('big.db').exportSnapshot(id)).arrayBuffer())
    const digest = new Uint8Array(await crypto.subtle.digest('SHA-256', bytes))
    return Array.from(digest, (b) => b.toString(16).padStart(2, '0')).join('')
  }, snap.id)
  expect(exported).toBe(before.sha256)

  ok(await h.exec(page, 'big.db', `DELETE FROM notes WHERE id % 2 = 0`))
  const changed = await fileDigest(page, 'big.db')
  // Damage the second chunk: the restore is refused, naming it, and the file is not touched.
  await idb(
    page,
    `const blob = await call('get', ['snapshot', 'big.db', arg, 1])
     const bytes = new Uint8Array(await blob.arrayBuffer())
     bytes[4096] ^= 0xff
     await call('put', new Blob([bytes]), ['snapshot', 'big.db', arg, 1])`,
    snap.id,
  )
  const error = failed(await page.evaluate((id) => window.harness.restore('big.db', id), snap.id))
  expect(error).toMatchObject({ className: 'SnapshotError', code: 'SNAPSHOT_CORRUPT' })
  expect(error.message).toMatch(/chunk 2 of 3/)
  expect(await fileDigest(page, 'big.db')).toEqual(changed)

  // An undamaged snapshot of several chunks restores byte for byte.
  const second = ok(await page.evaluate(() => window.harness.snapshot('big.db')))
  ok(await h.exec(page, 'big.db', `DELETE FROM notes`))
  ok(await page.evaluate((id) => window.harness.restore('big.db', id), second.id))
  expect(await fileDigest(page, 'big.db')).toEqual(changed)
})

test('a restore that fails while writing (disk full): every call after it is a typed RECOVERY_PENDING, and the next open finishes it', async ({
  context,
}) => {
  const page = await openApp(context)
  ok(await h.open(page, { name: 'grow.db', set: 'v2' }))
  ok(await h.exec(page, 'grow.db', `INSERT INTO notes (title, body) SELECT 'n' || value, zeroblob(200000) FROM json_each('[1,2,3,4,5,6]')`))
  const wanted = await fileDigest(page, 'grow.db')
  const big = ok(await page.evaluate(() => window.harness.snapshot('grow.db')))
  ok(await h.exec(page, 'grow.db', 'DELETE FROM notes'))
  ok(await h.exec(page, 'grow.db', 'VACUUM'))
  // Chromium enforces the override on OPFS writes only: the undo snapshot (IndexedDB) fits, the restored file does not.
  const unlimit = await limitQuota(page, 100_000)
  const error = failed(await page.evaluate((id) => window.harness.restore('grow.db', id), big.id))
  expect(error).toMatchObject({ className: 'SnapshotError', code: 'RESTORE_FAILED' })
  for (const closed of [
    failed(await h.query(page, 'grow.db', 'SELECT count(*) AS n FROM notes')),
    failed(await h.exec(page, 'grow.db', `INSERT INTO notes (title) VALUES ('lost?')`)),
    failed(await h.status(page, 'grow.db')),
  ]) {
    // The file could not be written, so the connection stays closed: reads are refused too, with the same way out.
    expect(closed).toMatchObject({
      isLibraryError: true,
      className: 'RecoveryPendingError',
      code: 'RECOVERY_PENDING',
      fields: { what: 'restore-failed', snapshotId: big.id },
    })
    expect(closed.message).toMatch(/could not restore grow.db from snapshot .*; it will be retried at the next open/)
  }
  await unlimit()
  ok(await h.close(page, 'grow.db'))
  expect(ok(await h.open(page, { name: 'grow.db', set: 'v2' })).recoveredFrom).toMatchObject({ id: big.id })
  expect(await fileDigest(page, 'grow.db')).toEqual(wanted)
})

test('pruning by keepSnapshots never deletes a way back: the undo of a restore (as the kept damaged file is) or of an import', async ({
  context,
}) => {
  const page = await openApp(context)
  const options = { keepSnapshots: 1 }
  ok(await h.open(page, { name: 'keep.db', set: 'v1', options }))
  ok(await h.exec(page, 'keep.db', `INSERT INTO notes (title) VALUES ('first')`))
  const manual = ok(await page.evaluate(() => window.harness.snapshot('keep.db')))
  ok(await h.exec(page, 'keep.db', `INSERT INTO notes (title) VALUES ('after the snapshot')`))
  // Restoring keeps the current file as a snapshot first: the way back from the restore.
  const restored = ok(await page.evaluate((id) => window.harness.restore('keep.db', id), manual.id))
  const undoRestore = restored.undoSnapshot!
  expect(undoRestore.reason).toBe('before-restore')
  // Importing another file keeps the current one too.
  ok(await h.open(page, { name: 'other.db', set: 'v1' }))
  ok(await h.exec(page, 'other.db', `INSERT INTO notes (title) VALUES ('imported')`))
  const imported = ok(await page.evaluate(() => window.harness.importFrom('keep.db', 'other.db')))
  const undoImport = imported.undoSnapshot
  expect(undoImport.reason).toBe('before-import')
  const undoBytes = {
    restore: ok(await page.evaluate(([n, id]) => window.harness.snapshotSha256(n, id), ['keep.db', undoRestore.id] as const)),
    import: ok(await page.evaluate(([n, id]) => window.harness.snapshotSha256(n, id), ['keep.db', undoImport.id] as const)),
  }
  ok(await h.close(page, 'keep.db'))

  // An upgrade with keepSnapshots: 1 prunes what counts (upgrade, manual, import snapshots) down to one.
  const upgraded = ok(await h.open(page, { name: 'keep.db', set: 'v2', options }))
  expect(upgraded.appliedNow.length).toBeGreaterThan(0)
  const ids = ok(await h.status(page, 'keep.db')).snapshots.map((s) => s.id)
  expect(ids).toContain(undoRestore.id)
  expect(ids).toContain(undoImport.id)
  expect(ids).not.toContain(manual.id)
  expect(ids).not.toContain(imported.imported.id)
  // Still whole, byte for byte.
  expect(ok(await page.evaluate(([n, id]) => window.harness.snapshotSha256(n, id), ['keep.db', undoRestore.id] as const))).toEqual(
    undoBytes.restore,
  )
  expect(ok(await page.evaluate(([n, id]) => window.harness.snapshotSha256(n, id), ['keep.db', undoImport.id] as const))).toEqual(
    undoBytes.import,
  )
  // Only deleteSnapshot removes them.
  expect(
    ok(
      await page.evaluate(
        (id) =>
          window.harness
            .handle('keep.db')
            .deleteSnapshot(id)
            .then((value) => ({ ok: true as const, value })),
        undoImport.id,
      ),
    ),
  ).toBe(true)
  expect(ok(await h.status(page, 'keep.db')).snapshots.map((s) => s.id)).not.toContain(undoImport.id)
})

test("the app's own snapshots restore when its schema names the history table (a view over it)", async ({ context }) => {
  const page = await openApp(context)
  ok(await h.open(page, { name: 'own.db', set: 'history-view' }))
  expect(ok(await h.query(page, 'own.db', 'SELECT version FROM app_schema_version'))).toEqual([{ version: 6 }])
  ok(await h.exec(page, 'own.db', `INSERT INTO notes (title) VALUES ('first')`))
  const manual = ok(await page.evaluate(() => window.harness.snapshot('own.db')))
  const atSnapshot = ok(await h.query(page, 'own.db', 'SELECT id, title FROM notes ORDER BY id'))
  ok(await h.exec(page, 'own.db', `INSERT INTO notes (title) VALUES ('after the snapshot')`))
  const beforeRestore = ok(await h.query(page, 'own.db', 'SELECT id, title FROM notes ORDER BY id'))
  // The manual snapshot, then the undo snapshot the restore kept: both are copies of this app's own file.
  const restored = ok(await page.evaluate((id) => window.harness.restore('own.db', id), manual.id))
  expect(ok(await h.query(page, 'own.db', 'SELECT id, title FROM notes ORDER BY id'))).toEqual(atSnapshot)
  expect(restored.undoSnapshot!.reason).toBe('before-restore')
  ok(await page.evaluate((id) => window.harness.restore('own.db', id), restored.undoSnapshot!.id))
  expect(ok(await h.query(page, 'own.db', 'SELECT id, title FROM notes ORDER BY id'))).toEqual(beforeRestore)
  expect(ok(await h.query(page, 'own.db', 'SELECT version FROM app_schema_version'))).toEqual([{ version: 6 }])
})

test('an app that runs its file in WAL mode: exports and snapshots hold every committed write', async ({ context }) => {
  const page = await openApp(context)
  ok(await h.open(page, { name: 'wal.db', set: 'v2' }))
  ok(await h.exec(page, 'wal.db', 'PRAGMA locking_mode = EXCLUSIVE'))
  expect(ok(await h.query(page, 'wal.db', 'PRAGMA journal_mode = WAL'))).toEqual([{ journal_mode: 'wal' }])
  const titles = ['wal-note-alpha', 'wal-note-bravo', 'wal-note-charlie']
  for (const title of titles) ok(await h.exec(page, 'wal.db', 'INSERT INTO notes (title) VALUES (?)', [title]))
  const rows = ok(await h.query(page, 'wal.db', 'SELECT id, title FROM notes ORDER BY id'))

  // The exported file holds the committed rows (SQLite stores the text as it is in the table's pages).
  const exported = ok(await h.exportFile(page, 'wal.db'))
  const text = new TextDecoder('latin1').decode(Uint8Array.from(exported.bytes))
  for (const title of titles) expect(text).toContain(title)

  // A snapshot taken now, restored after the rows are deleted, gives them back.
  const manual = ok(await page.evaluate(() => window.harness.snapshot('wal.db')))
  ok(await h.exec(page, 'wal.db', 'DELETE FROM notes'))
  ok(await page.evaluate((id) => window.harness.restore('wal.db', id), manual.id))
  expect(ok(await h.query(page, 'wal.db', 'SELECT id, title FROM notes ORDER BY id'))).toEqual(rows)
})
