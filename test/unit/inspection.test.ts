import { describe, expect, it } from 'vitest'

import { dryRun } from '../../core/runner/dry-run'
import { runMigrations } from '../../core/runner/run-migrations'
import { prepareMigrations } from '../../core/runner/runner'
import { describeSchema } from '../../core/schema/schema'
import { checkIntegrity } from '../../core/sqlite/integrity-check'
import { openMemoryCopy } from '../../core/sqlite/memory-copy'
import {
  InsufficientStorageError,
  InvalidDatabaseFileError,
  MigrationEditedError,
  MigrationFailedError,
  SnapshotError,
} from '../../shared/errors'
import type { Migration } from '../../shared/types'
import { checkImportable } from '../../worker/host/import-database'
import { describeFailure } from '../../worker/records/upgrade-failure'
import { memoryDb } from './sqlite'

const v1: Migration[] = [
  { version: 1, name: 'create_notes', sql: 'CREATE TABLE notes (id INTEGER PRIMARY KEY, title TEXT NOT NULL);' },
  { version: 2, name: 'create_tags', sql: 'CREATE TABLE tags (id INTEGER PRIMARY KEY, note_id INTEGER REFERENCES notes(id), name TEXT);' },
]
const v2: Migration[] = [
  ...v1,
  { version: 3, name: 'index_tags', sql: 'CREATE INDEX tags_name ON tags(name);' },
  { version: 4, name: 'add_done', sql: 'ALTER TABLE notes ADD COLUMN done INTEGER NOT NULL DEFAULT 0;' },
]
const request = { acceptEditedMigrations: false, foreignKeys: true, verify: 'quick_check' } as const

/** A v1 database with two notes, as file bytes. */
async function v1File() {
  const { sqlite3, db } = await memoryDb()
  await runMigrations(sqlite3, db, v1)
  db.exec(`INSERT INTO notes (title) VALUES ('a'), ('b'); INSERT INTO tags (note_id, name) VALUES (1, 'x')`)
  const bytes = sqlite3.capi.sqlite3_js_db_export(db.pointer!)
  return { sqlite3, db, bytes }
}

describe('dryRun', () => {
  it('applies pending migrations to a copy, reports each step and the schema after, and leaves the bytes alone', async () => {
    const { sqlite3, bytes } = await v1File()
    const before = bytes.slice()
    const result = dryRun(sqlite3, bytes, await prepareMigrations(v2), request)
    expect(result).toMatchObject({
      fromVersion: 2,
      reachedVersion: 4,
      latestVersion: 4,
      ok: true,
      verify: { check: 'quick_check', ok: true },
    })
    expect(result.steps.map((s) => [s.version, s.outcome])).toEqual([
      [3, 'applied'],
      [4, 'applied'],
    ])
    expect(result.steps.every((s) => typeof s.durationMs === 'number' && s.error === null)).toBe(true)
    const notes = result.schema.find((o) => o.name === 'notes')!
    expect(notes.columns.map((c) => c.name)).toEqual(['id', 'title', 'done'])
    expect(notes.rowCount).toBe(2)
    expect(result.schema.find((o) => o.name === 'tags_name')).toMatchObject({ type: 'index', tableName: 'tags', rowCount: null })
    expect(bytes).toEqual(before)
  })

  it('stops at the failing step, reports its statement and SQLite code, and marks the rest skipped', async () => {
    const { sqlite3, bytes } = await v1File()
    const failing: Migration[] = [
      ...v1,
      { version: 3, name: 'bad', sql: 'CREATE INDEX ok_index ON notes(title);\nINSERT INTO notes (title) VALUES (NULL);' },
      { version: 4, name: 'after', sql: 'CREATE TABLE later (id INTEGER);' },
    ]
    const result = dryRun(sqlite3, bytes, await prepareMigrations(failing), request)
    expect(result.ok).toBe(false)
    expect(result.reachedVersion).toBe(2)
    expect(result.verify).toBeNull()
    expect(result.steps[0]).toMatchObject({
      version: 3,
      outcome: 'failed',
      error: { sqliteCode: 1299, statement: 'INSERT INTO notes (title) VALUES (NULL);' },
    })
    expect(result.steps[0]!.error!.message).toMatch(/NOT NULL constraint failed: notes.title/)
    expect(result.steps[1]).toMatchObject({ version: 4, outcome: 'skipped', durationMs: null })
    // The failed step rolled back in the copy too: its index is not in the schema after.
    expect(result.schema.map((o) => o.name)).not.toContain('ok_index')
  })

  it('reports a foreign-key violation a migration would leave, as an upgrade would refuse it', async () => {
    const { sqlite3, bytes } = await v1File()
    const orphaning: Migration[] = [...v1, { version: 3, name: 'orphan', sql: "INSERT INTO tags (note_id, name) VALUES (99, 'y');" }]
    const result = dryRun(sqlite3, bytes, await prepareMigrations(orphaning), request)
    expect(result.steps[0]).toMatchObject({ outcome: 'failed', error: { sqliteCode: 787 } })
  })

  it('throws what the history check throws, before any step', async () => {
    const { sqlite3, bytes } = await v1File()
    const edited: Migration[] = [{ ...v1[0]!, sql: `${(v1[0] as { sql: string }).sql}\n-- edited` } as Migration, v1[1]!]
    await expect(async () => dryRun(sqlite3, bytes, await prepareMigrations(edited), request)).rejects.toBeInstanceOf(MigrationEditedError)
  })
})

describe('checkImportable', () => {
  const check = async (bytes: Uint8Array, migrations = v2) => {
    const { sqlite3 } = await memoryDb()
    return checkImportable(sqlite3, bytes, await prepareMigrations(migrations), request)
  }
  const reasonOf = async (bytes: Uint8Array, migrations = v2) => {
    try {
      await check(bytes, migrations)
    } catch (error) {
      expect(error).toBeInstanceOf(InvalidDatabaseFileError)
      return (error as InvalidDatabaseFileError).reason
    }
    throw new Error('expected a refusal')
  }

  it('accepts a sound file of this app and returns its version', async () => {
    expect(await check((await v1File()).bytes)).toBe(2)
  })
  it('refuses empty, non-SQLite, truncated and corrupted files', async () => {
    const { bytes } = await v1File()
    expect(await reasonOf(new Uint8Array())).toBe('empty')
    expect(await reasonOf(new TextEncoder().encode('id,title\n1,hello\n'.repeat(20)))).toBe('not-sqlite')
    expect(await reasonOf(bytes.slice(0, bytes.length - 100))).toBe('corrupt')
    const scrambled = bytes.slice()
    // Overwrite the root page of the second table's b-tree (pages after the first) with noise.
    for (let i = 4096; i < scrambled.length; i++) scrambled[i] = (i * 7919) & 0xff
    expect(await reasonOf(scrambled)).toBe('corrupt')
  })
  it('refuses WAL-mode files, files newer than the app and files whose history does not match', async () => {
    const { bytes } = await v1File()
    const wal = bytes.slice()
    wal[18] = 2
    wal[19] = 2
    expect(await reasonOf(wal)).toBe('unsupported')
    expect(await reasonOf(bytes, v1.slice(0, 1))).toBe('too-new')
    expect(await reasonOf(bytes, [v1[0]!, { ...v1[1]!, name: 'renamed' }])).toBe('history-mismatch')
  })
})

describe('describeSchema and checkIntegrity', () => {
  it('lists tables with columns and counts, views, indexes and triggers; quotes odd names', async () => {
    const { db } = await memoryDb()
    db.exec(`CREATE TABLE "we""ird" (a INTEGER PRIMARY KEY, b TEXT NOT NULL DEFAULT 'x');
      INSERT INTO "we""ird" (b) VALUES ('1'), ('2');
      CREATE VIEW v AS SELECT b FROM "we""ird";
      CREATE INDEX i ON "we""ird"(b);
      CREATE TRIGGER t AFTER INSERT ON "we""ird" BEGIN SELECT 1; END;`)
    const schema = describeSchema(db)
    expect(schema.map((o) => [o.type, o.name])).toEqual([
      ['table', 'we"ird'],
      ['view', 'v'],
      ['index', 'i'],
      ['trigger', 't'],
    ])
    expect(schema[0]).toMatchObject({
      rowCount: 2,
      columns: [
        { name: 'a', primaryKey: 1 },
        { name: 'b', notNull: true, defaultValue: "'x'" },
      ],
    })
    expect(schema[1]!.columns.map((c) => c.name)).toEqual(['b'])
  })
  it('reports foreign-key violations even when the connection does not enforce them', async () => {
    const { db } = await memoryDb()
    db.exec('PRAGMA foreign_keys = OFF')
    db.exec(`CREATE TABLE p (id INTEGER PRIMARY KEY); CREATE TABLE c (id INTEGER PRIMARY KEY, p INTEGER REFERENCES p(id));
      INSERT INTO c VALUES (1, 5);`)
    const report = checkIntegrity(db)
    expect(report).toMatchObject({ ok: false, integrity: ['ok'], foreignKeys: [{ table: 'c', rowid: 1, parent: 'p', foreignKey: 0 }] })
    db.exec('DELETE FROM c')
    expect(checkIntegrity(db).ok).toBe(true)
  })
  it('openMemoryCopy refuses bytes SQLite cannot read', async () => {
    const { sqlite3 } = await memoryDb()
    const junk = new Uint8Array(4096).fill(7)
    expect(() => openMemoryCopy(sqlite3, junk)).toThrow(/not a database|SQLITE_NOTADB/i)
  })
})

describe('describeFailure', () => {
  it('keeps the migration, statement, SQLite code and restored version of a MigrationFailedError', () => {
    const error = new MigrationFailedError('m', {
      phase: 'migration',
      version: 5,
      migrationName: 'backfill',
      statement: 'INSERT …',
      sqliteCode: 1299,
      sqliteMessage: 'NOT NULL',
      timedOut: false,
      restoredToVersion: 3,
      snapshotId: 's1',
    })
    expect(describeFailure(error, { fromVersion: 3, toVersion: 5 })).toMatchObject({
      code: 'MIGRATION_FAILED',
      errorName: 'MigrationFailedError',
      phase: 'migration',
      version: 5,
      migrationName: 'backfill',
      statement: 'INSERT …',
      sqliteCode: 1299,
      restoredToVersion: 3,
      snapshotId: 's1',
      fromVersion: 3,
      toVersion: 5,
    })
  })
  it('records a refusal before any change (quota) as phase preparation, with nothing restored', () => {
    const error = new InsufficientStorageError('need 2 MB', 2_000_000, 1_000)
    expect(describeFailure(error, { fromVersion: 2, toVersion: 4 })).toMatchObject({
      code: 'INSUFFICIENT_STORAGE',
      phase: 'preparation',
      version: null,
      restoredToVersion: null,
      snapshotId: null,
    })
  })
  it('records a failed restore with its snapshot and no restored version', () => {
    const error = new SnapshotError('RESTORE_FAILED', 'disk full', 's2')
    expect(describeFailure(error, { fromVersion: 1, toVersion: 2 })).toMatchObject({
      code: 'RESTORE_FAILED',
      phase: 'migration',
      restoredToVersion: null,
      snapshotId: 's2',
      version: null,
    })
  })
})
