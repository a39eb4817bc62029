import { expect } from '@playwright/test'

import { appPage, failed, ok } from './app-page'
import type { EngineName, EnginePage } from './engine'

/** What a scenario gets: pages of one engine (sharing storage, like tabs), and the storage to open databases with. */
export interface ScenarioContext {
  engine: EngineName
  storage: 'opfs' | 'indexeddb'
  /** Whether this engine can host OPFS databases (sync access handles in a worker). */
  opfsWorks: boolean
  /** A new tab with the test app loaded and ready. */
  newPage(): Promise<EnginePage>
  /** Reloads a tab and waits for the app. */
  reload(page: EnginePage): Promise<void>
  /** A database name no other test of this run uses (engines keep one profile for all their tests). */
  unique(base: string): string
}

/** One behaviour, written once, run on every engine and storage (see engines.spec.ts). */
export interface Scenario {
  name: string
  run(t: ScenarioContext): Promise<void>
}

const NOTES = 'SELECT id, title FROM notes ORDER BY id'
const options = (t: ScenarioContext) => ({ storage: t.storage })

/** The scenarios the issue asks of every engine: persistence, upgrade, failed upgrade, crash, export, tabs. */
export const scenarios: Scenario[] = [
  {
    name: 'a database keeps its rows across reloads, in the storage it asked for',
    async run(t) {
      const page = await t.newPage()
      const app = appPage(page)
      const name = t.unique('persist.db')
      const opened = ok(await app.open({ name, set: 'v2', options: options(t) }))
      expect(opened.storage).toEqual({ kind: t.storage, requested: t.storage, fallbackReason: null })
      ok(await app.exec(name, `INSERT INTO notes (title) VALUES ('one'), ('two'), (?)`, ['three ✓']))
      const before = ok(await app.query(name, NOTES))
      // No close: the page goes away with the worker, as when a user reloads.
      await t.reload(page)
      expect(ok(await app.open({ name, set: 'v2', options: options(t) })).appliedNow).toEqual([])
      expect(ok(await app.query(name, NOTES))).toEqual(before)
      const status = ok(await app.status(name))
      expect(status).toMatchObject({ version: 5, vfs: t.storage === 'opfs' ? 'opfs-sahpool' : 'memdb', storage: { kind: t.storage } })
      // The database is where it says, and only there.
      expect(ok(await app.storageTraces(name))).toMatchObject({ opfs: t.storage === 'opfs', image: t.storage === 'indexeddb' })
    },
  },
  {
    name: 'an upgrade keeps every row and snapshots the exact file first',
    async run(t) {
      const app = appPage(await t.newPage())
      const name = t.unique('upgrade.db')
      ok(await app.open({ name, set: 'v1', options: options(t) }))
      ok(await app.exec(name, `INSERT INTO notes (title) VALUES ('#work report'), ('#home #garden')`))
      const v1 = ok(await app.fileSha256(name))
      ok(await app.close(name))
      const opened = ok(await app.open({ name, set: 'v2', options: options(t) }))
      expect(opened.appliedNow.map((m) => m.version)).toEqual([3, 4, 5])
      expect(ok(await app.query(name, NOTES)).map((r) => r.title)).toEqual(['#work report', '#home #garden'])
      // Migration 5 (TypeScript) backfilled tags from the hashtags.
      expect(ok(await app.query(name, 'SELECT count(*) AS n FROM tags'))[0]!.n).toBe(3)
      const snapshot = ok(await app.status(name)).snapshots.find((s) => s.reason === 'upgrade' && s.fromVersion === 2)!
      expect(snapshot.checksum).toBe(v1.sha256)
    },
  },
  {
    name: 'a failed upgrade puts the file back byte for byte and says what failed',
    async run(t) {
      const app = appPage(await t.newPage())
      const name = t.unique('failed.db')
      ok(await app.open({ name, set: 'v2', options: options(t) }))
      ok(await app.exec(name, `INSERT INTO notes (title) VALUES ('keep me')`))
      const before = ok(await app.fileSha256(name))
      ok(await app.close(name))
      const error = failed(await app.open({ name, set: 'fail', options: options(t) }))
      expect(error).toMatchObject({ code: 'MIGRATION_FAILED', className: 'MigrationFailedError' })
      expect(error.fields).toMatchObject({ details: { version: 6, restoredToVersion: 5 } })
      ok(await app.open({ name, set: 'v2', options: options(t) }))
      expect(ok(await app.fileSha256(name))).toEqual(before)
      expect(ok(await app.status(name)).lastFailure).toMatchObject({ code: 'MIGRATION_FAILED', version: 6 })
    },
  },
  {
    name: 'a worker killed mid-upgrade loses nothing: the next open restores, then upgrades',
    async run(t) {
      const app = appPage(await t.newPage())
      const name = t.unique('crash.db')
      ok(await app.open({ name, set: 'v1', options: options(t) }))
      ok(await app.exec(name, `INSERT INTO notes (title) VALUES ('#a one'), ('#b two')`))
      const before = ok(await app.fileSha256(name))
      ok(await app.close(name))
      // Killed as migration 4 starts: 3 has committed (in OPFS; in memory for IndexedDB storage).
      const killed = failed(await app.open({ name, set: 'v2', terminateAtVersion: 4, options: options(t) }))
      expect(killed.code).toBe('WORKER_DIED')
      const reopened = ok(await app.open({ name, set: 'v1', options: { ...options(t), autoMigrate: false } }))
      expect(reopened.version).toBe(2)
      expect(reopened.recoveredFrom).toMatchObject({ fromVersion: 2, reason: 'upgrade' })
      // Byte for byte the file as it was before the upgrade.
      expect(ok(await app.fileSha256(name))).toEqual(before)
      ok(await app.close(name))
      const upgraded = ok(await app.open({ name, set: 'v2', options: options(t) }))
      expect(upgraded.version).toBe(5)
      expect(ok(await app.query(name, NOTES)).map((r) => r.title)).toEqual(['#a one', '#b two'])
    },
  },
  {
    name: 'a committed write survives a killed worker; an open transaction does not',
    async run(t) {
      const app = appPage(await t.newPage())
      const name = t.unique('durable.db')
      ok(await app.open({ name, set: 'v2', options: options(t) }))
      ok(await app.exec(name, `INSERT INTO notes (title) VALUES ('committed')`))
      ok(await app.exec(name, 'BEGIN'))
      ok(await app.exec(name, `INSERT INTO notes (title) VALUES ('never committed')`))
      await app.terminate(name)
      ok(await app.open({ name, set: 'v2', options: options(t) }))
      expect(ok(await app.query(name, NOTES)).map((r) => r.title)).toEqual(['committed'])
      expect(ok(await app.query(name, 'PRAGMA quick_check'))).toEqual([{ quick_check: 'ok' }])
    },
  },
  {
    name: 'export gives the exact file, and importing it into another database gives the same rows',
    async run(t) {
      const app = appPage(await t.newPage())
      const source = t.unique('export.db')
      const target = t.unique('import.db')
      ok(await app.open({ name: source, set: 'v2', options: options(t) }))
      ok(await app.exec(source, `INSERT INTO notes (title) VALUES ('exported'), ('twice')`))
      ok(await app.open({ name: target, set: 'v2', options: options(t) }))
      const imported = ok(await app.importFrom(target, source))
      expect(imported.version).toBe(5)
      for (const sql of ['SELECT * FROM notes ORDER BY id', 'SELECT * FROM note_tags ORDER BY note_id, tag_id'])
        expect(ok(await app.query(target, sql))).toEqual(ok(await app.query(source, sql)))
      expect(ok(await app.fileSha256(target))).toEqual(ok(await app.fileSha256(source)))
    },
  },
  {
    name: 'two tabs share one database: the second is served by the first, and takes over when it closes',
    async run(t) {
      const name = t.unique('tabs.db')
      const first = appPage(await t.newPage())
      const secondPage = await t.newPage()
      const second = appPage(secondPage)
      expect(ok(await first.open({ name, set: 'v2', options: options(t) })).servedBy).toBe('this-tab')
      expect(ok(await second.open({ name, set: 'v2', options: options(t) })).servedBy).toBe('another-tab')
      ok(await second.exec(name, `INSERT INTO notes (title) VALUES ('from the second tab')`))
      expect(ok(await first.query(name, NOTES)).map((r) => r.title)).toEqual(['from the second tab'])
      ok(await first.close(name))
      // The second tab becomes the owner and goes on where the first left off.
      ok(await second.exec(name, `INSERT INTO notes (title) VALUES ('after the hand-over')`))
      expect(ok(await second.query(name, NOTES)).map((r) => r.title)).toEqual(['from the second tab', 'after the hand-over'])
      expect(ok(await second.status(name)).tabs).toMatchObject({ isOwner: true, connected: 1 })
    },
  },
]

/** How the storage is chosen and reported on this engine, whatever it supports (run once per engine). */
export const storageChoiceScenarios: Scenario[] = [
  {
    name: "the default is OPFS or a typed refusal, never memory; 'auto' says where it went and why",
    async run(t) {
      const app = appPage(await t.newPage())
      const plain = t.unique('default.db')
      const opened = await app.open({ name: plain, set: 'v2' })
      if (t.opfsWorks) expect(ok(opened).storage).toEqual({ kind: 'opfs', requested: 'opfs', fallbackReason: null })
      else {
        expect(failed(opened)).toMatchObject({ code: 'OPFS_UNAVAILABLE', className: 'OpfsUnavailableError' })
        // Refused before anything was created, in either storage.
        expect(ok(await app.storageTraces(plain))).toEqual({ opfs: false, image: false, imageChunks: 0 })
      }
      const auto = t.unique('auto.db')
      const chosen = ok(await app.open({ name: auto, set: 'v2', options: { storage: 'auto' } })).storage
      if (t.opfsWorks) expect(chosen).toEqual({ kind: 'opfs', requested: 'auto', fallbackReason: null })
      else expect(chosen).toMatchObject({ kind: 'indexeddb', requested: 'auto', fallbackReason: expect.stringMatching(/OPFS/) })
      expect(ok(await app.status(auto)).storage).toEqual(chosen)
    },
  },
  {
    name: 'a database is never started empty in the other storage: STORAGE_MISMATCH, and auto follows the data',
    async run(t) {
      const app = appPage(await t.newPage())
      const name = t.unique('mismatch.db')
      ok(await app.open({ name, set: 'v2', options: { storage: 'indexeddb' } }))
      ok(await app.exec(name, `INSERT INTO notes (title) VALUES ('lives in IndexedDB')`))
      ok(await app.close(name))
      const refused = failed(await app.open({ name, set: 'v2', options: { storage: 'opfs' } }))
      expect(refused).toMatchObject({ code: 'STORAGE_MISMATCH', fields: { requested: 'opfs', found: 'indexeddb' } })
      const followed = ok(await app.open({ name, set: 'v2', options: { storage: 'auto' } }))
      expect(followed.storage).toMatchObject({ kind: 'indexeddb', fallbackReason: expect.stringMatching(/already lives in IndexedDB/) })
      expect(ok(await app.query(name, NOTES)).map((r) => r.title)).toEqual(['lives in IndexedDB'])
      ok(await app.close(name))
      if (!t.opfsWorks) return // the reverse needs a database in OPFS, which this engine cannot make
      const inOpfs = t.unique('in-opfs.db')
      ok(await app.open({ name: inOpfs, set: 'v2' }))
      ok(await app.close(inOpfs))
      expect(failed(await app.open({ name: inOpfs, set: 'v2', options: { storage: 'indexeddb' } }))).toMatchObject({
        code: 'STORAGE_MISMATCH',
        fields: { requested: 'indexeddb', found: 'opfs' },
      })
      expect(ok(await app.storageTraces(inOpfs))).toMatchObject({ opfs: true, image: false })
    },
  },
  {
    name: 'IndexedDB storage: a write that cannot be saved is undone and reported, and the next one is saved',
    async run(t) {
      const page = await t.newPage()
      const app = appPage(page)
      const name = t.unique('full.db')
      const open = () => app.open({ name, set: 'v2', workerParams: { failSaves: '1' }, options: { storage: 'indexeddb' } })
      ok(await open())
      ok(await app.exec(name, `INSERT INTO notes (title) VALUES ('saved')`))
      ok(await app.query(name, 'SELECT arm_save_failure()'))
      const refused = failed(await app.exec(name, `INSERT INTO notes (title) VALUES ('not saved')`))
      expect(refused).toMatchObject({ code: 'WRITE_NOT_SAVED', className: 'WriteNotSavedError', fields: { quota: true } })
      // Undone in memory too: the database shows what a reload would find.
      expect(ok(await app.query(name, NOTES)).map((r) => r.title)).toEqual(['saved'])
      ok(await app.exec(name, `INSERT INTO notes (title) VALUES ('saved after')`))
      await t.reload(page)
      ok(await open())
      expect(ok(await app.query(name, NOTES)).map((r) => r.title)).toEqual(['saved', 'saved after'])
    },
  },
  {
    name: 'IndexedDB storage: a worker killed while a commit is being saved leaves that commit or the one before, whole',
    async run(t) {
      const page = await t.newPage()
      const app = appPage(page)
      const name = t.unique('torn.db')
      const open = () => app.open({ name, set: 'v2', options: { storage: 'indexeddb' } })
      ok(await open())
      let rows = 0
      // ~3 MB per commit, killed at growing delays: before, during and after its save.
      for (const delayMs of [0, 20, 60, 150, 400]) {
        const insert = `WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 3000)
          INSERT INTO notes (title, body) SELECT 'bulk', hex(randomblob(500)) FROM n`
        const outcome = await page.evaluate(
          async ([n, sql, ms]) => {
            const call = window.harness.exec(n, sql)
            await new Promise((resolve) => setTimeout(resolve, ms))
            window.harness.terminate(n)
            return call
          },
          [name, insert, delayMs] as [string, string, number],
        )
        ok(await open())
        const count = Number(ok(await app.query(name, 'SELECT count(*) AS n FROM notes'))[0]!.n)
        // An answered write is saved; an unanswered one may or may not be, but never in part.
        if (outcome.ok) expect(count).toBe(rows + 3000)
        else expect([rows, rows + 3000]).toContain(count)
        expect(ok(await app.query(name, 'PRAGMA quick_check'))).toEqual([{ quick_check: 'ok' }])
        rows = count
      }
    },
  },
  {
    name: 'IndexedDB storage: every commit is saved, in exclusive locking mode, after VACUUM, and after the site data was deleted',
    async run(t) {
      const page = await t.newPage()
      const app = appPage(page)
      const name = t.unique('saved.db')
      const open = () => app.open({ name, set: 'v2', options: { storage: 'indexeddb' } })
      ok(await open())
      // Exclusive locking moves SQLite's change counter once per lock, not per commit.
      ok(await app.exec(name, 'PRAGMA locking_mode = EXCLUSIVE'))
      for (const title of ['one', 'two', 'three']) ok(await app.exec(name, 'INSERT INTO notes (title) VALUES (?)', [title]))
      ok(await app.exec(name, `DELETE FROM notes WHERE title = 'two'`))
      ok(await app.exec(name, 'VACUUM'))
      // The site's IndexedDB deleted behind the library's back (the worker's connection is asked to close first): the
      // next save must write the whole file, not only what changed since the last save.
      await page.evaluate(
        () =>
          new Promise<void>((resolve, reject) => {
            const request = indexedDB.deleteDatabase('sqlite-opfs-migrate')
            request.onsuccess = () => resolve()
            request.onerror = () => reject(request.error)
          }),
        null,
      )
      ok(await app.exec(name, 'INSERT INTO notes (title) VALUES (?)', ['four']))
      const before = ok(await app.query(name, NOTES))
      expect(before.map((r) => r.title)).toEqual(['one', 'three', 'four'])
      await t.reload(page)
      ok(await open())
      expect(ok(await app.query(name, NOTES))).toEqual(before)
      expect(ok(await app.query(name, 'PRAGMA quick_check'))).toEqual([{ quick_check: 'ok' }])
    },
  },
  {
    name: "IndexedDB storage: an upgrade whose final save fails is undone whole, and later writes are never 'recovered' away",
    async run(t) {
      const page = await t.newPage()
      const app = appPage(page)
      const name = t.unique('unsaved-upgrade.db')
      ok(await app.open({ name, set: 'v1', options: { storage: 'indexeddb' } }))
      ok(await app.exec(name, `INSERT INTO notes (title) VALUES ('before')`))
      ok(await app.close(name))
      const open = () =>
        app.open({ name, set: 'v2', workerParams: { failSaves: '1' }, options: { storage: 'indexeddb', autoMigrate: false } })
      ok(await open())
      ok(await app.query(name, 'SELECT arm_save_failure()'))
      // Migrations 3–5 run and pass their check; saving the upgraded file is what fails.
      expect(failed(await app.migrate(name))).toMatchObject({ code: 'WRITE_NOT_SAVED', fields: { quota: true } })
      expect(ok(await app.status(name)).version).toBe(2)
      ok(await app.exec(name, `INSERT INTO notes (title) VALUES ('after')`))
      await t.reload(page)
      // No upgrade marker was left behind: the next open does not restore the pre-upgrade snapshot over 'after'.
      const reopened = ok(await open())
      expect(reopened).toMatchObject({ version: 2, recoveredFrom: null })
      expect(ok(await app.query(name, NOTES)).map((r) => r.title)).toEqual(['before', 'after'])
      expect(ok(await app.migrate(name)).map((m) => m.version)).toEqual([3, 4, 5])
    },
  },
]
