import type { Page } from '@playwright/test'

import { expect, failed, h, ok, openApp, test } from './fixtures'

// Every record the library keeps in IndexedDB carries a `formatVersion` (worker/records/record-format.ts). One written
// by a newer release (another tab, or a deploy rolled back) is refused at open with UNSUPPORTED_FORMAT: not misread,
// not overwritten, and the database, its file and every record stay exactly as that release left them.

type Stored = Record<string, unknown>

const cases: {
  record: string
  storage: 'opfs' | 'indexeddb'
  /** The record as a newer release would leave it, from what this release stored (`undefined` if nothing). */
  future: (stored: unknown, snapshotId: string) => unknown
}[] = [
  {
    record: 'snapshots',
    storage: 'opfs',
    future: (stored) => (stored as Stored[]).map((entry, i) => (i === 0 ? { ...entry, formatVersion: 2, parts: ['elsewhere'] } : entry)),
  },
  {
    // What a newer marker may ask for is unknown here: acting on it (restoring `snapshotId`) would change the file.
    record: 'marker',
    storage: 'opfs',
    future: (_, snapshotId) => ({
      formatVersion: 2,
      kind: 'compact',
      snapshotId,
      fromVersion: 5,
      toVersion: 5,
      startedAt: new Date().toISOString(),
    }),
  },
  { record: 'file-state', storage: 'opfs', future: (stored) => ({ ...(stored as Stored), formatVersion: 2, where: 'elsewhere' }) },
  {
    record: 'last-failure',
    storage: 'opfs',
    future: (_, snapshotId) => ({ formatVersion: 2, at: new Date().toISOString(), code: 'MIGRATION_FAILED', snapshotId }),
  },
  { record: 'image', storage: 'indexeddb', future: (stored) => ({ ...(stored as Stored), formatVersion: 2, compressed: true }) },
]

const stored = async (page: Page, name: string) => ok(await page.evaluate((n) => window.harness.storedRecords(n), name))
const write = async (page: Page, key: string[], value: unknown) =>
  ok(await page.evaluate(([k, v]) => window.harness.writeRecord(k, v), [key, value] as const))

for (const { record, storage, future } of cases)
  test(`a ${record} record of a newer format: UNSUPPORTED_FORMAT at open, nothing read or changed (${storage})`, async ({ context }) => {
    const page = await openApp(context)
    const name = `future-${record}.db`
    const open = () => h.open(page, { name, set: 'v2', options: { storage } })
    // Upgraded 2 → 5: a snapshot, its index, the file state (and the image, in IndexedDB) all exist.
    ok(await h.open(page, { name, set: 'v1', options: { storage } }))
    ok(await h.exec(page, name, `INSERT INTO notes (title) VALUES ('kept')`))
    ok(await h.close(page, name))
    ok(await open())
    const rows = ok(await h.query(page, name, 'SELECT * FROM notes'))
    const [snapshot] = ok(await h.status(page, name)).snapshots
    ok(await h.close(page, name))

    const key = [record, name]
    const original = ok(await page.evaluate((k) => window.harness.readRecord(k), key))
    expect(original === undefined || (original as Stored).formatVersion === 1 || Array.isArray(original)).toBe(true)
    await write(page, key, future(original, snapshot!.id))
    const planted = await stored(page, name)
    expect(planted.opfs !== null).toBe(storage === 'opfs')

    for (let attempt = 0; attempt < 2; attempt++) {
      const error = failed(await open())
      expect(error).toMatchObject({
        isLibraryError: true,
        className: 'UnsupportedFormatError',
        code: 'UNSUPPORTED_FORMAT',
        fields: { database: name, record, foundVersion: 2, supportedVersion: 1 },
      })
      expect(error.message).toMatch(/newer version of the app wrote it/)
      // Byte for byte: every record of the database and its file, as the newer release left them.
      expect(await stored(page, name)).toEqual(planted)
    }

    // Nothing lost: with the record as this release wrote it, the database opens with its rows.
    await write(page, key, original)
    ok(await open())
    expect(ok(await h.query(page, name, 'SELECT * FROM notes'))).toEqual(rows)
  })

test('every record a database has is written with formatVersion 1', async ({ context }) => {
  const page = await openApp(context)
  for (const storage of ['opfs', 'indexeddb'] as const) {
    const name = `current-${storage}.db`
    ok(await h.open(page, { name, set: 'v1', options: { storage } }))
    ok(await h.close(page, name))
    // An upgrade that fails leaves the last-failure record beside the snapshot, its index and the file state.
    failed(await h.open(page, { name, set: 'fail', options: { storage } }))
    const read = (record: string) => page.evaluate((k) => window.harness.readRecord(k), [record, name])
    const index = ok(await read('snapshots')) as Stored[]
    expect(index.length).toBeGreaterThan(0)
    for (const entry of index) expect(entry.formatVersion).toBe(1)
    for (const record of ['file-state', 'last-failure', ...(storage === 'indexeddb' ? ['image'] : [])])
      expect(ok(await read(record)), record).toMatchObject({ formatVersion: 1 })
  }
})
