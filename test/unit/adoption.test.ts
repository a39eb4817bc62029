import { describe, expect, it } from 'vitest'

import { readHistory } from '../../core/runner/history'
import { runMigrations, type RunMigrationsOptions } from '../../core/runner/run-migrations'
import { DatabaseTooNewError, HistoryMismatchError, InvalidOptionsError } from '../../shared/errors'
import type { Migration } from '../../shared/types'
import { memoryDb, rows, tables } from './sqlite'

const migrations: Migration[] = [
  { version: 1, name: 'notes', sql: 'CREATE TABLE notes (id INTEGER PRIMARY KEY, title TEXT NOT NULL);' },
  { version: 2, name: 'done', sql: 'ALTER TABLE notes ADD COLUMN done INTEGER NOT NULL DEFAULT 0;' },
  { version: 3, name: 'tags', sql: 'CREATE TABLE tags (id INTEGER PRIMARY KEY, name TEXT UNIQUE);' },
]

/** A database as hand-rolled app code made it: the schema of migrations 1–2, data, user_version 2, no history. */
async function handRolled(userVersion = 2) {
  const { sqlite3, db } = await memoryDb()
  db.exec(`CREATE TABLE notes (id INTEGER PRIMARY KEY, title TEXT NOT NULL, done INTEGER NOT NULL DEFAULT 0);
           INSERT INTO notes (title, done) VALUES ('keep me', 1), ('and me', 0);
           PRAGMA user_version = ${userVersion};`)
  return { sqlite3, db }
}

describe('baseline (adopting a database made without this library)', () => {
  it("with 'user_version', records 1–2 as baseline, runs only 3, and keeps every row", async () => {
    const { sqlite3, db } = await handRolled()
    const before = rows(db, 'notes')
    const written = await runMigrations(sqlite3, db, migrations, { baseline: 'user_version' })
    expect(written.map((r) => [r.version, r.baseline])).toEqual([
      [1, true],
      [2, true],
      [3, false],
    ])
    expect(rows(db, 'notes')).toEqual(before)
    expect(tables(db)).toEqual(['notes', 'schema_migrations', 'tags'])
    const history = readHistory(db)
    expect(history.version).toBe(3)
    expect(history.applied.map((r) => [r.version, r.name, r.baseline, r.checksum?.length])).toEqual([
      [1, 'notes', true, 64],
      [2, 'done', true, 64],
      [3, 'tags', false, 64],
    ])
    // The next open sees an ordinary, up-to-date history.
    expect(await runMigrations(sqlite3, db, migrations, { baseline: 'user_version' })).toEqual([])
  })

  it('with an explicit version, ignores user_version, and records the baseline alone when nothing is pending', async () => {
    const { sqlite3, db } = await handRolled(7) // the old code counted its own way
    const written = await runMigrations(sqlite3, db, migrations.slice(0, 2), { baseline: 2 })
    expect(written.map((r) => [r.version, r.baseline, r.durationMs])).toEqual([
      [1, true, 0],
      [2, true, 0],
    ])
    expect(readHistory(db).version).toBe(2)
  })

  it('records the baseline with a first pending migration that runs outside a transaction (VACUUM)', async () => {
    const { sqlite3, db } = await handRolled()
    const vacuum: Migration = { version: 3, name: 'compact', sql: 'VACUUM;', transaction: false }
    const written = await runMigrations(sqlite3, db, [...migrations.slice(0, 2), vacuum], { baseline: 'user_version' })
    expect(written.map((r) => [r.version, r.baseline])).toEqual([
      [1, true],
      [2, true],
      [3, false],
    ])
    expect(readHistory(db).applied.map((r) => r.version)).toEqual([1, 2, 3])
  })

  it('rolls the baseline back with the first migration when that migration fails', async () => {
    const { sqlite3, db } = await handRolled()
    const failing = [...migrations.slice(0, 2), { version: 3, name: 'bad', sql: 'CREATE TABLE notes (x);' }]
    await expect(runMigrations(sqlite3, db, failing, { baseline: 'user_version' })).rejects.toThrow(/table notes already exists/)
    expect(tables(db)).toEqual(['notes'])
    expect(readHistory(db)).toMatchObject({ version: 2, hasTable: false })
  })

  it('is ignored for an empty database (every migration runs) and for one that has our history', async () => {
    const { sqlite3, db } = await memoryDb()
    const first = await runMigrations(sqlite3, db, migrations.slice(0, 2), { baseline: 2 })
    expect(first.map((r) => r.baseline)).toEqual([false, false])
    const second = await runMigrations(sqlite3, db, migrations, { baseline: 3 })
    expect(second.map((r) => [r.version, r.baseline])).toEqual([[3, false]])
  })

  it('refuses a precomputed checksum that is not a sha-256, or one on a code migration', async () => {
    const { sqlite3, db } = await memoryDb()
    const bad: Migration[][] = [
      [{ ...migrations[0]!, checksum: 'abc' } as Migration],
      [{ version: 1, name: 'code', up() {}, checksum: 'a'.repeat(64) } as unknown as Migration],
    ]
    for (const list of bad) await expect(runMigrations(sqlite3, db, list)).rejects.toThrow(/`checksum` must be the lowercase hex sha-256/)
    expect(tables(db)).toEqual([])
  })

  it('refuses what it cannot adopt safely, with typed errors, and changes nothing', async () => {
    const cases: [number | 'user_version', number, unknown][] = [
      ['user_version', 0, HistoryMismatchError], // tables but no version: which migrations does it have?
      [5, 2, DatabaseTooNewError], // beyond the app's migrations
    ]
    for (const [baseline, userVersion, type] of cases) {
      const { sqlite3, db } = await handRolled(userVersion)
      await expect(runMigrations(sqlite3, db, migrations, { baseline })).rejects.toBeInstanceOf(type)
      expect(tables(db)).toEqual(['notes'])
    }
    const { sqlite3, db } = await handRolled()
    const gappy = [migrations[0]!, { ...migrations[2]!, version: 4 }]
    await expect(runMigrations(sqlite3, db, gappy, { baseline: 2 })).rejects.toThrow(
      /baseline 2 is not the version of one of the app's migrations \(1, 4\)/,
    )
    await expect(runMigrations(sqlite3, db, migrations, { baseline: 0 })).rejects.toBeInstanceOf(InvalidOptionsError)
    await expect(runMigrations(sqlite3, db, migrations, { baseline: '2' as never })).rejects.toBeInstanceOf(InvalidOptionsError)
  })

  it('without a baseline, a versioned file with no history is refused with a hint to adopt it', async () => {
    const { sqlite3, db } = await handRolled()
    await expect(runMigrations(sqlite3, db, migrations)).rejects.toThrow(/pass baseline: 'user_version'/)
  })

  it('without a baseline, a file with tables but no history and no user_version is refused before anything runs', async () => {
    const { sqlite3, db } = await handRolled(0)
    const before = rows(db, 'notes')
    const lenient = [
      { version: 1, name: 'notes', sql: 'CREATE TABLE IF NOT EXISTS notes (id INTEGER PRIMARY KEY);' },
      { version: 2, name: 'wipe', sql: 'DELETE FROM notes;' },
    ]
    await expect(runMigrations(sqlite3, db, lenient)).rejects.toThrow(/has tables but no schema_migrations table: .* pass baseline/)
    expect(rows(db, 'notes')).toEqual(before)
    expect(tables(db)).toEqual(['notes'])
  })
})

describe('functions and collations', () => {
  it('are registered before migrations run, so an expression index and a collated column can use them', async () => {
    const { sqlite3, db } = await memoryDb()
    const withExtensions: Migration[] = [
      { version: 1, name: 'words', sql: "CREATE TABLE words (w TEXT COLLATE reverse); INSERT INTO words VALUES ('ab'), ('ba'), ('ca');" },
      { version: 2, name: 'slugs', sql: 'CREATE INDEX words_slug ON words (slugify(w));' },
    ]
    await runMigrations(sqlite3, db, withExtensions, {
      functions: { slugify: { fn: (s) => `slug-${String(s)}`, deterministic: true, arity: 1 } },
      collations: { reverse: (a, b) => b.localeCompare(a) },
    })
    expect(db.selectValues('SELECT w FROM words ORDER BY w')).toEqual(['ca', 'ba', 'ab'])
    expect(db.selectValue("SELECT slugify('x')")).toBe('slug-x')
    expect(db.selectValue('PRAGMA integrity_check')).toBe('ok')
  })

  it("a migration naming a function the app did not register fails with SQLite's message", async () => {
    const { sqlite3, db } = await memoryDb()
    await expect(runMigrations(sqlite3, db, [{ version: 1, name: 'x', sql: 'SELECT missing_fn(1);' }])).rejects.toThrow(
      /no such function: missing_fn/,
    )
  })

  it('rejects bad names and definitions before anything runs', async () => {
    const { sqlite3, db } = await memoryDb()
    const bad: RunMigrationsOptions[] = [
      { functions: { 'drop table': () => 1 } },
      { functions: { f: 3 as never } },
      { collations: { c: 'x' as never } },
    ]
    for (const options of bad) {
      await expect(runMigrations(sqlite3, db, migrations, options)).rejects.toBeInstanceOf(InvalidOptionsError)
    }
    expect(tables(db)).toEqual([])
  })
})
