/**
 * Every way the app's migration list can disagree with a database's history must be refused with a typed error
 * (stable `code`, the versions involved and what to do) before anything is written. Each case tampers with a database
 * of known content, then compares every row of every table, `sqlite_schema` and `user_version` before and after, and
 * watches the connection for any commit, rollback or changed row while the runner decides.
 */
import { describe, expect, it } from 'vitest'

import { migrationsFromGlob } from '../../core/folder/migrations-from-glob'
import { checksumSql } from '../../core/runner/checksum'
import { HISTORY_TABLE_SQL, readHistory } from '../../core/runner/history'
import { runMigrations, type RunMigrationsOptions } from '../../core/runner/run-migrations'
import type { Database, Sqlite3 } from '../../core/sqlite/sqlite'
import { DatabaseTooNewError, HistoryMismatchError, MigrationEditedError, SqliteOpfsMigrateError } from '../../shared/errors'
import { HISTORY_TABLE } from '../../shared/stored-names'
import type { Migration } from '../../shared/types'
import { memoryDb, rows } from './sqlite'

const notes: Migration = { version: 1, name: 'create_notes', sql: 'CREATE TABLE notes (id INTEGER PRIMARY KEY, title TEXT NOT NULL);\n' }
const done: Migration = { version: 2, name: 'add_done', sql: 'ALTER TABLE notes ADD COLUMN done INTEGER NOT NULL DEFAULT 0;\n' }
const welcome: Migration = {
  version: 3,
  name: 'seed_welcome',
  up(db) {
    db.exec(`INSERT INTO notes (title) VALUES ('welcome')`)
  },
}
const priority: Migration = { version: 4, name: 'add_priority', sql: 'ALTER TABLE notes ADD COLUMN priority INTEGER NOT NULL DEFAULT 0;\n' }
const tags: Migration = {
  version: 5,
  name: 'create_tags',
  sql: 'CREATE TABLE tags (id INTEGER PRIMARY KEY, name TEXT NOT NULL UNIQUE);\nCREATE INDEX notes_done ON notes (done);\n',
}
/** What the app shipped when the database was last opened. */
const app: Migration[] = [notes, done, welcome, priority, tags]

interface Fixture {
  sqlite3: Sqlite3
  db: Database
}

/** A database migrated by `list` (the app's five by default), then given user data. */
async function seeded(list: readonly Migration[] = app): Promise<Fixture> {
  const { sqlite3, db } = await memoryDb()
  await runMigrations(sqlite3, db, list)
  db.exec(`INSERT INTO notes (title, done) VALUES ('buy milk', 1), ('call mum', 0)`)
  if (list.includes(tags)) db.exec(`INSERT INTO tags (name) VALUES ('home'), ('work')`)
  // The fixture is what the cases think it is: otherwise "nothing changed" could compare two empty files.
  expect(readHistory(db).applied.map((r) => r.version)).toEqual(list.map((m) => m.version))
  expect(rows(db, 'notes').map((r) => r.title)).toEqual(['welcome', 'buy milk', 'call mum'])
  return { sqlite3, db }
}

/** Every table's rows, the whole of `sqlite_schema` and `user_version`. */
function state(db: Database) {
  const schema = db.selectObjects('SELECT type, name, tbl_name, rootpage, sql FROM sqlite_schema ORDER BY type, name')
  const names = db.selectValues(`SELECT name FROM sqlite_schema WHERE type = 'table' ORDER BY name`).map(String)
  const data = Object.fromEntries(names.map((name) => [name, rows(db, `"${name}"`)]))
  return { userVersion: db.selectValue('PRAGMA user_version'), schema, data }
}

/**
 * Counts commits, rollbacks and changed rows on the connection until `stop()`: a write that was later rolled back
 * leaves the file as it was, but it still means the runner started work before refusing.
 */
function watchWrites({ sqlite3, db }: Fixture): { stop(): { commits: number; rollbacks: number; changedRows: number } } {
  const { capi } = sqlite3
  let commits = 0
  let rollbacks = 0
  const changesBefore = Number(capi.sqlite3_total_changes(db.pointer!))
  capi.sqlite3_commit_hook(db.pointer!, () => (commits++, 0), 0)
  capi.sqlite3_rollback_hook(db.pointer!, () => (rollbacks++, 0), 0)
  return {
    stop() {
      capi.sqlite3_commit_hook(db.pointer!, 0, 0)
      capi.sqlite3_rollback_hook(db.pointer!, 0, 0)
      return { commits, rollbacks, changedRows: Number(capi.sqlite3_total_changes(db.pointer!)) - changesBefore }
    },
  }
}

/** Runs the app's `list` and returns what it threw, after checking that it threw our error and wrote nothing. */
async function refusal(fixture: Fixture, list: readonly Migration[], options: RunMigrationsOptions = {}): Promise<SqliteOpfsMigrateError> {
  const before = state(fixture.db)
  const watch = watchWrites(fixture)
  const outcome = await runMigrations(fixture.sqlite3, fixture.db, list, options).then(
    (applied) => ({ applied }),
    (error: unknown) => ({ error }),
  )
  expect(watch.stop()).toEqual({ commits: 0, rollbacks: 0, changedRows: 0 })
  expect(state(fixture.db)).toEqual(before)
  expect(outcome, 'the runner accepted the list instead of refusing it').toHaveProperty('error')
  const { error } = outcome as { error: unknown }
  expect(error).toBeInstanceOf(SqliteOpfsMigrateError)
  return error as SqliteOpfsMigrateError
}

/** Runs the app's `list` and checks that it was accepted as up to date: nothing applied, nothing written. */
async function acceptance(fixture: Fixture, list: readonly Migration[], options: RunMigrationsOptions = {}): Promise<void> {
  const before = state(fixture.db)
  const watch = watchWrites(fixture)
  const applied = await runMigrations(fixture.sqlite3, fixture.db, list, options)
  expect(watch.stop()).toEqual({ commits: 0, rollbacks: 0, changedRows: 0 })
  expect(applied).toEqual([])
  expect(state(fixture.db)).toEqual(before)
}

const withSql = (migration: Migration, sql: string): Migration => ({ version: migration.version, name: migration.name, sql })
const replace = (list: readonly Migration[], ...replacements: Migration[]): Migration[] =>
  list.map((m) => replacements.find((r) => r.version === m.version) ?? m)

describe('history faults: refused with a typed error before anything is written', () => {
  it('1. an applied SQL migration edited: MIGRATION_EDITED naming it, accepted only when that version is accepted', async () => {
    const fixture = await seeded()
    const edited = withSql(done, 'ALTER TABLE notes ADD COLUMN done INTEGER;\n')
    const list = replace(app, edited)

    const error = await refusal(fixture, list)
    expect(error).toBeInstanceOf(MigrationEditedError)
    expect(error).toMatchObject({
      code: 'MIGRATION_EDITED',
      version: 2,
      migrationName: 'add_done',
      appliedChecksum: await checksumSql(done.sql!),
      currentChecksum: await checksumSql(edited.sql!),
    })
    expect(error.message).toMatch(
      /^migration 2 \("add_done"\) was edited after it was applied \(checksum [0-9a-f]{12}… is now [0-9a-f]{12}…\)/,
    )
    expect(error.message).toMatch(/add a new migration instead, or pass acceptEditedMigrations/)

    // Accepting another version, or none, is not accepting this one.
    for (const acceptEditedMigrations of [[4], [], false] as const)
      expect(await refusal(fixture, list, { acceptEditedMigrations })).toMatchObject({ code: 'MIGRATION_EDITED', version: 2 })
    await acceptance(fixture, list, { acceptEditedMigrations: true })
    await acceptance(fixture, list, { acceptEditedMigrations: [2] })
    // Acceptance is per open: the stored checksum is not rewritten, so the next open without it refuses again.
    expect(await refusal(fixture, list)).toMatchObject({ code: 'MIGRATION_EDITED', version: 2 })
    // Two edits: accepting one names the other.
    const twoEdits = replace(list, withSql(priority, priority.sql!.replace('DEFAULT 0', 'DEFAULT 1')))
    expect(await refusal(fixture, twoEdits, { acceptEditedMigrations: [2] })).toMatchObject({ code: 'MIGRATION_EDITED', version: 4 })
    await acceptance(fixture, twoEdits, { acceptEditedMigrations: [4, 2] })

    // Line endings and a BOM are normalised before hashing (CRLF checkouts): not an edit.
    for (const sql of [done.sql!.replace(/\n/g, '\r\n'), done.sql!.replace(/\n/g, '\r'), `\uFEFF${done.sql!}`])
      await acceptance(fixture, replace(app, withSql(done, sql)))
    // Any other whitespace counts (the checksum covers every byte): trailing spaces, a blank line, indentation, a
    // missing final newline are all reported as edits.
    for (const sql of [
      done.sql!.replace(';', ';  '),
      `${done.sql!}\n`,
      `  ${done.sql!}`,
      done.sql!.trimEnd(),
      done.sql!.replace(/ /g, '\t'),
    ])
      expect(await refusal(fixture, replace(app, withSql(done, sql)))).toMatchObject({ code: 'MIGRATION_EDITED', version: 2 })
  })

  it('2. an applied migration removed: from the middle → HISTORY_MISMATCH; the latest → DATABASE_TOO_NEW', async () => {
    const fixture = await seeded()
    for (const removed of [done, welcome]) {
      const error = await refusal(
        fixture,
        app.filter((m) => m !== removed),
      )
      expect(error).toBeInstanceOf(HistoryMismatchError)
      expect(error).toMatchObject({ code: 'HISTORY_MISMATCH', version: removed.version })
      expect(error.message).toMatch(
        new RegExp(
          `^applied migration ${removed.version} \\("${removed.name}"\\) is missing from the app's migrations; never delete applied migrations`,
        ),
      )
      expect(error.message).toMatch(/put it back/)
    }
    // Without its latest migration the app cannot tell a deletion from being an older build: the file is newer.
    const error = await refusal(fixture, app.slice(0, -1))
    expect(error).toBeInstanceOf(DatabaseTooNewError)
    expect(error).toMatchObject({ code: 'DATABASE_TOO_NEW', databaseVersion: 5, latestVersion: 4 })
    expect(error.message).toBe(
      "database is at version 5, newer than this app's latest migration 4; it was upgraded by a newer version of the app " +
        '(reload to get it). The file was not touched.',
    )
  })

  it('3. migrations reordered, renamed, renumbered, or a new one inserted below the applied version: HISTORY_MISMATCH', async () => {
    const fixture = await seeded()
    const whatToDo = /applied migrations must keep their version and name/

    // Two applied migrations swapped in version (each keeps its name and SQL).
    let error = await refusal(fixture, [notes, done, welcome, { ...tags, version: 4 }, { ...priority, version: 5 }])
    expect(error).toBeInstanceOf(HistoryMismatchError)
    expect(error).toMatchObject({ code: 'HISTORY_MISMATCH', version: 4 })
    expect(error.message).toMatch(/^applied migration 4 was named "add_priority" but the app now calls it "create_tags"/)
    expect(error.message).toMatch(whatToDo)
    // Their SQL swapped under unchanged names: the lower one is reported as edited.
    error = await refusal(fixture, replace(app, withSql(priority, tags.sql!), withSql(tags, priority.sql!)))
    expect(error).toMatchObject({ code: 'MIGRATION_EDITED', version: 4, migrationName: 'add_priority' })

    // Renamed, same SQL (SQL and code migrations alike).
    for (const renamed of [
      { ...done, name: 'add_done_flag' },
      { ...welcome, name: 'seed_welcome_note' },
    ]) {
      error = await refusal(fixture, replace(app, renamed))
      expect(error).toMatchObject({ code: 'HISTORY_MISMATCH', version: renamed.version })
      expect(error.message).toMatch(
        new RegExp(`^applied migration ${renamed.version} was named "\\w+" but the app now calls it "${renamed.name}"`),
      )
      expect(error.message).toMatch(whatToDo)
    }

    // Renumbered: the latest applied one moved from 5 to 6 (so 5 is gone from the app's list).
    error = await refusal(fixture, [notes, done, welcome, priority, { ...tags, version: 6 }])
    expect(error).toMatchObject({ code: 'HISTORY_MISMATCH', version: 5 })
    expect(error.message).toMatch(/^applied migration 5 \("create_tags"\) is missing from the app's migrations/)

    // A new migration numbered below the applied version, where the history has a hole (the database went 3 → 5).
    const skipped = await seeded([notes, done, welcome, tags])
    error = await refusal(skipped, app)
    expect(error).toMatchObject({ code: 'HISTORY_MISMATCH', version: 4 })
    expect(error.message).toMatch(/^migration 4 \("add_priority"\) is not applied but the database is already at version 5; /)
    expect(error.message).toMatch(/new migrations must have versions above the latest applied one \(renumber it above 5\)/)

    // The same with dotted file versions, numbered by position: 0.3.5 lands at 4 and pushes 0.4 to 5.
    const files = {
      './0.1_create_notes.sql': notes.sql!,
      './0.2_add_done.sql': done.sql!,
      './0.3_seed_welcome.ts': { up: welcome.up },
      './0.4_add_priority.sql': priority.sql!,
      './0.5_create_tags.sql': tags.sql!,
    }
    const dotted = await seeded(migrationsFromGlob(files))
    const inserted = migrationsFromGlob({ ...files, './0.3.5_add_archived.sql': 'ALTER TABLE notes ADD COLUMN archived INTEGER;' })
    expect(inserted.map((m) => [m.version, m.name]).slice(3, 5)).toEqual([
      [4, '0.3.5_add_archived'],
      [5, '0.4_add_priority'],
    ])
    error = await refusal(dotted, inserted)
    expect(error).toMatchObject({ code: 'HISTORY_MISMATCH', version: 4 })
    expect(error.message).toMatch(/^applied migration 4 was named "0\.4_add_priority" but the app now calls it "0\.3\.5_add_archived"/)
  })

  it('4. history tampered with by hand: deleted rows, a moved user_version, bad checksums, a dropped table', async () => {
    const restoreHint = /restore a snapshot or backup/

    // A history row deleted from the middle: looks like a migration inserted below the version, or a deleted row.
    let fixture = await seeded()
    fixture.db.exec(`DELETE FROM ${HISTORY_TABLE} WHERE version = 3`)
    let error = await refusal(fixture, app)
    expect(error).toMatchObject({ code: 'HISTORY_MISMATCH', version: 3 })
    expect(error.message).toMatch(/^migration 3 \("seed_welcome"\) is not applied but the database is already at version 5; /)
    expect(error.message).toMatch(/its schema_migrations row was deleted/)
    expect(error.message).toMatch(restoreHint)

    // The latest history row deleted: user_version is ahead of the history.
    fixture = await seeded()
    fixture.db.exec(`DELETE FROM ${HISTORY_TABLE} WHERE version = 5`)
    error = await refusal(fixture, app)
    expect(error).toMatchObject({ code: 'HISTORY_MISMATCH', version: 5 })
    expect(error.message).toMatch(/^user_version is 5 but the latest migration in schema_migrations is 4: /)
    expect(error.message).toMatch(restoreHint)

    // Every history row deleted (the table kept): with user_version left, and with user_version reset to 0, which
    // must not pass for a new database (migration 1 would run again over the user's tables).
    fixture = await seeded()
    fixture.db.exec(`DELETE FROM ${HISTORY_TABLE}`)
    expect(await refusal(fixture, app)).toMatchObject({ code: 'HISTORY_MISMATCH', version: 5 })
    fixture.db.exec('PRAGMA user_version = 0')
    error = await refusal(fixture, app)
    expect(error).toMatchObject({ code: 'HISTORY_MISMATCH', version: 0 })
    expect(error.message).toMatch(/^database has tables but its schema_migrations table is empty: /)
    expect(error.message).toMatch(restoreHint)
    // An empty history table alone (no other tables) is still a new database.
    const empty = await memoryDb()
    empty.db.exec(HISTORY_TABLE_SQL[0]!)
    expect((await runMigrations(empty.sqlite3, empty.db, app)).map((r) => r.version)).toEqual([1, 2, 3, 4, 5])
    // A history table without this library's columns (another tool's, or one only pre-release code wrote) is not read.
    const older = await memoryDb()
    older.db.exec(
      `CREATE TABLE ${HISTORY_TABLE} (version INTEGER PRIMARY KEY, name TEXT NOT NULL, checksum TEXT, applied_at TEXT NOT NULL, duration_ms REAL NOT NULL)`,
    )
    error = await refusal(older, app)
    expect(error).toMatchObject({ code: 'HISTORY_MISMATCH', version: 0 })
    expect(error.message).toMatch(/^schema_migrations is not this library's history table \(no such column: baseline\)/)

    // user_version moved lower than the history's latest version.
    fixture = await seeded()
    fixture.db.exec('PRAGMA user_version = 3')
    error = await refusal(fixture, app)
    expect(error).toMatchObject({ code: 'HISTORY_MISMATCH', version: 3 })
    expect(error.message).toMatch(/^user_version is 3 but the latest migration in schema_migrations is 5: /)
    expect(error.message).toMatch(/set PRAGMA user_version = 5 if the history is right/)
    // Higher, still within the app's migrations (the database was at 4).
    const atFour = await seeded(app.slice(0, 4))
    atFour.db.exec('PRAGMA user_version = 5')
    expect(await refusal(atFour, app)).toMatchObject({ code: 'HISTORY_MISMATCH', version: 5 })
    // Higher than the app's latest migration: the version check runs first, so this is reported as a newer database
    // (observed behaviour; the history itself still ends at 5).
    fixture.db.exec('PRAGMA user_version = 9')
    expect(await refusal(fixture, app)).toMatchObject({ code: 'DATABASE_TOO_NEW', databaseVersion: 9, latestVersion: 5 })

    // Checksums: garbage, or another row's (duplicated), in a SQL migration's row → MIGRATION_EDITED for that row.
    fixture = await seeded()
    fixture.db.exec(`UPDATE ${HISTORY_TABLE} SET checksum = 'not-a-checksum' WHERE version = 2`)
    error = await refusal(fixture, app)
    expect(error).toMatchObject({ code: 'MIGRATION_EDITED', version: 2, appliedChecksum: 'not-a-checksum' })
    expect(error.message).toMatch(
      /^migration 2 \("add_done"\) was edited after it was applied \(checksum not-a-checks… is now [0-9a-f]{12}…\)/,
    )
    fixture = await seeded()
    fixture.db.exec(`UPDATE ${HISTORY_TABLE} SET checksum = (SELECT checksum FROM ${HISTORY_TABLE} WHERE version = 1) WHERE version = 4`)
    expect(await refusal(fixture, app)).toMatchObject({
      code: 'MIGRATION_EDITED',
      version: 4,
      appliedChecksum: await checksumSql(notes.sql!),
    })
    // A duplicate history row cannot be made: the version is the table's primary key.
    expect(() => fixture.db.exec(`INSERT INTO ${HISTORY_TABLE} SELECT * FROM ${HISTORY_TABLE} WHERE version = 2`)).toThrow(
      /UNIQUE constraint failed/,
    )
    // Observed: a NULL checksum (what code migrations store) turns the edit check off for that row, and a checksum in
    // a code migration's row is ignored (the app has none to compare it with). Both are accepted.
    fixture = await seeded()
    fixture.db.exec(`UPDATE ${HISTORY_TABLE} SET checksum = NULL WHERE version = 2`)
    fixture.db.exec(`UPDATE ${HISTORY_TABLE} SET checksum = 'not-a-checksum' WHERE version = 3`)
    await acceptance(fixture, replace(app, withSql(done, 'ALTER TABLE notes ADD COLUMN done INTEGER;')))

    // The history table dropped while the tables remain: refused as a file versioned by other code, with the way to
    // adopt it; with user_version also reset, as a file made by other code.
    fixture = await seeded()
    fixture.db.exec(`DROP TABLE ${HISTORY_TABLE}`)
    error = await refusal(fixture, app)
    expect(error).toMatchObject({ code: 'HISTORY_MISMATCH', version: 5 })
    expect(error.message).toMatch(/^database has user_version 5 but no schema_migrations table: .*pass baseline: 'user_version'/)
    fixture.db.exec('PRAGMA user_version = 0')
    error = await refusal(fixture, app)
    expect(error).toMatchObject({ code: 'HISTORY_MISMATCH', version: 0 })
    expect(error.message).toMatch(
      /^database has tables but no schema_migrations table: .*pass baseline: <the version of the migration its schema matches>/,
    )
  })

  it('5. a code migration replaced by a different function at the same version is not detected (documented: no checksum)', async () => {
    const fixture = await seeded()
    let called = false
    const replaced: Migration = {
      version: 3,
      name: 'seed_welcome',
      up(db) {
        called = true
        db.exec(`INSERT INTO notes (title) VALUES ('a different welcome')`)
      },
    }
    // Accepted as up to date; the new function is not run (the version is applied) and nothing is written.
    await acceptance(fixture, replace(app, replaced))
    expect(called).toBe(false)
    // Its history row has no checksum to compare with: that is what the README documents ("Code migrations have none").
    expect(readHistory(fixture.db).applied.find((r) => r.version === 3)).toMatchObject({ name: 'seed_welcome', checksum: null })
    // Observed, same reason: a SQL migration rewritten as code under the same name and version, and a code
    // migration rewritten as SQL, are accepted too.
    await acceptance(fixture, replace(app, { version: 2, name: 'add_done', up() {} }))
    await acceptance(fixture, replace(app, withSql(welcome, `INSERT INTO notes (title) VALUES ('welcome');`)))
    // Only its version and name are checked: renamed, it is refused like any other.
    const error = await refusal(fixture, replace(app, { ...replaced, name: 'seed_welcome_v2' }))
    expect(error).toMatchObject({ code: 'HISTORY_MISMATCH', version: 3 })
    expect(error.message).toMatch(/^applied migration 3 was named "seed_welcome" but the app now calls it "seed_welcome_v2"/)
  })
})
