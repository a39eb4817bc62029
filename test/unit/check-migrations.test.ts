import { describe, expect, it } from 'vitest'

import { checkMigrationFiles, type Diagnostic } from '../../node/check-migrations'
import { sqlite } from './sqlite'

const check = async (paths: Record<string, unknown>, options = {}) =>
  checkMigrationFiles(
    await sqlite(),
    Object.entries(paths).map(([path, value]) => ({ path, value })),
    options,
  )
const brief = (ds: Diagnostic[]) => ds.map((d) => [d.severity, d.rule, d.file, d.line])

const notes = { 'm/0001_notes.sql': 'CREATE TABLE notes (id INTEGER PRIMARY KEY, title TEXT, body TEXT);' }

describe('checkMigrationFiles: errors', () => {
  it('passes a sound folder and returns each migration with its build-time checksum', async () => {
    const result = await check({ ...notes, 'm/0002_tags.sql': 'CREATE TABLE tags (id INTEGER PRIMARY KEY);' })
    expect(result.ok).toBe(true)
    expect(result.diagnostics).toEqual([])
    expect(
      result.migrations.map((m) => [
        m.migration.version,
        m.checksum?.length,
        (m.migration as { checksum?: string }).checksum === m.checksum,
      ]),
    ).toEqual([
      [1, 64, true],
      [2, 64, true],
    ])
  })

  it('names the file and line of a statement SQLite cannot prepare against the previous migrations’ schema', async () => {
    const result = await check({
      ...notes,
      'm/0002_bad.sql': '-- adds an index\nCREATE INDEX x ON notes (title);\n\nCREATE INDEX y ON notes (missing);',
    })
    expect(brief(result.diagnostics)).toEqual([['error', 'sql-error', 'm/0002_bad.sql', 4]])
    expect(result.diagnostics[0]!.message).toMatch(/m\/0002_bad\.sql:4: no such column: missing/)
    const syntax = await check({ 'm/0001_x.sql': 'CREATE TABLE a (x);\nCREATE TABLE b (x,, y);' })
    expect(brief(syntax.diagnostics)).toEqual([['error', 'sql-error', 'm/0001_x.sql', 2]])
  })

  it('points at the line of the original file for a statement in an up section, and at the line of a bad marker', async () => {
    const goose =
      '-- adds tags\n-- +goose Up\nCREATE TABLE tags (id INTEGER PRIMARY KEY);\nCREATE INDEX t ON tags (missing);\n-- +goose Down\nDROP TABLE tags;\n'
    expect(brief((await check({ ...notes, 'm/0002_tags.sql': goose })).diagnostics)).toEqual([['error', 'sql-error', 'm/0002_tags.sql', 4]])
    const dbmate = '-- migrate:up\nCREATE TABLE tags (id INTEGER PRIMARY KEY);\n-- migrate:down\nDROP TABLE tags;\n-- migrate:down\n'
    const bad = await check({ ...notes, 'm/0002_tags.sql': dbmate })
    expect(brief(bad.diagnostics)).toEqual([['error', 'invalid-migration', 'm/0002_tags.sql', 5]])
    expect(bad.diagnostics[0]!.message).toMatch(/^m\/0002_tags\.sql:5: dbmate: a second "-- migrate:down"/)
    // The Down section is never checked either: here it would fail (no such table).
    const down = await check({ ...notes, 'm/0002_x.sql': '-- +goose Up\nSELECT 1;\n-- +goose Down\nDROP TABLE nowhere;\n' })
    expect(down.diagnostics).toEqual([])
  })

  it('reports bad names and duplicate versions', async () => {
    const result = await check({ 'm/notes.sql': 'SELECT 1;', 'm/1_a.sql': 'SELECT 1;', 'm/01_b.sql': 'SELECT 1;' })
    expect(brief(result.diagnostics)).toEqual([
      ['error', 'bad-file-name', 'm/notes.sql', null],
      ['error', 'duplicate-version', 'm/01_b.sql', null],
    ])
  })

  it('runs code migrations on the scratch database and reports one that throws or returns a promise', async () => {
    const up = (db: { exec: (sql: string) => void }) => db.exec('CREATE TABLE made_by_code (x)')
    const ok = await check({ 'm/1_code.ts': { up }, 'm/2_uses.sql': 'CREATE INDEX i ON made_by_code (x);' })
    expect(ok.diagnostics).toEqual([])
    const throws = await check({
      'm/1_code.ts': {
        up: () => {
          throw new Error('boom')
        },
      },
    })
    expect(brief(throws.diagnostics)).toEqual([['error', 'code-error', 'm/1_code.ts', null]])
    const asynchronous = await check({ 'm/1_code.ts': { up: async () => {} } })
    expect(asynchronous.diagnostics[0]!.message).toMatch(/must be synchronous/)
  })

  it('stops at the first failing migration and says how many later ones were not checked', async () => {
    const result = await check({ 'm/1_a.sql': 'CREATE TABLE a (x;', 'm/2_b.sql': 'SELECT 1;', 'm/3_c.sql': 'SELECT 1;' })
    expect(brief(result.diagnostics)).toEqual([
      ['error', 'sql-error', 'm/1_a.sql', 1],
      ['warning', 'sql-error', 'm/1_a.sql', null],
    ])
    expect(result.diagnostics[1]!.message).toMatch(/2 later migration\(s\) not checked/)
  })

  it('needs the app’s functions and collations by name to parse statements that use them', async () => {
    const files = { 'm/1_a.sql': 'CREATE TABLE w (t TEXT COLLATE unicode);\nCREATE INDEX ws ON w (slugify(t));' }
    expect(brief((await check(files)).diagnostics)).toEqual([['error', 'sql-error', 'm/1_a.sql', 1]])
    expect((await check(files, { functions: ['slugify'], collations: ['unicode'] })).diagnostics).toEqual([])
  })

  it('requires the no-transaction directive for VACUUM, refuses ROLLBACK, and accepts BEGIN/COMMIT/PRAGMA foreign_keys', async () => {
    const vacuum = await check({ ...notes, 'm/0002_vacuum.sql': 'VACUUM;' })
    expect(brief(vacuum.diagnostics)).toEqual([['error', 'needs-no-transaction', 'm/0002_vacuum.sql', 1]])
    const directive = await check({ ...notes, 'm/0002_vacuum.sql': '-- sqlite-opfs-migrate: no-transaction\nVACUUM;' })
    expect(brief(directive.diagnostics)).toEqual([['warning', 'no-transaction', 'm/0002_vacuum.sql', 2]])
    const rollback = await check({ 'm/1_a.sql': 'CREATE TABLE a (x);\nROLLBACK;' })
    expect(brief(rollback.diagnostics)).toEqual([['error', 'rollback', 'm/1_a.sql', 2]])
    const own = await check({ 'm/1_a.sql': 'PRAGMA foreign_keys=OFF;\nBEGIN;\nCREATE TABLE a (x);\nCOMMIT;\nPRAGMA foreign_keys=ON;' })
    expect(own.diagnostics).toEqual([])
    // Outside the runner's transaction the file manages its own, ROLLBACK included (as the runner runs it).
    const managed = await check({
      'm/1_a.sql': '-- sqlite-opfs-migrate: no-transaction\nBEGIN;\nCREATE TABLE a (x);\nROLLBACK;\nCREATE TABLE b (y);',
    })
    expect(managed.diagnostics).toEqual([])
  })

  it('refuses pragmas that take away crash safety, in SQL (file:line) and in code, but not in strings or comments', async () => {
    const sql = await check({
      ...notes,
      'm/0002_fast.sql':
        "-- speed up the backfill\nINSERT INTO notes (title) VALUES ('PRAGMA journal_mode = OFF');\nPRAGMA journal_mode = OFF;\nUPDATE notes SET title = title WHERE id > 0;",
    })
    expect(brief(sql.diagnostics)).toEqual([['error', 'unsafe-pragma', 'm/0002_fast.sql', 3]])
    expect(sql.diagnostics[0]!.message).toMatch(/m\/0002_fast\.sql:3: PRAGMA journal_mode = OFF is refused in a migration/)
    const noTx = await check({ 'm/1_a.sql': '-- sqlite-opfs-migrate: no-transaction\nPRAGMA synchronous = OFF;\nVACUUM;' })
    expect(brief(noTx.diagnostics).filter((d) => d[0] === 'error')).toEqual([['error', 'unsafe-pragma', 'm/1_a.sql', 2]])
    const code = await check({
      ...notes,
      'm/0002_code.ts': {
        up: (db: { exec: (s: string) => void }) => {
          try {
            db.exec('PRAGMA locking_mode = EXCLUSIVE')
          } catch {
            /* ignored */
          }
        },
      },
    })
    expect(brief(code.diagnostics)).toEqual([['error', 'unsafe-pragma', 'm/0002_code.ts', null]])
    const safe = await check({
      'm/1_a.sql': '/* PRAGMA writable_schema = ON; */ PRAGMA journal_mode = DELETE;\nPRAGMA cache_size = 100; -- PRAGMA synchronous = OFF',
    })
    expect(safe.diagnostics).toEqual([])
  })

  it('reports seed rows that break a foreign key', async () => {
    const result = await check({
      'm/1_a.sql': 'CREATE TABLE p (id INTEGER PRIMARY KEY);\nCREATE TABLE c (p INTEGER REFERENCES p(id));\nINSERT INTO c VALUES (7);',
    })
    expect(brief(result.diagnostics)).toEqual([['error', 'foreign-key', 'm/1_a.sql', null]])
  })
})

describe('checkMigrationFiles: lint warnings', () => {
  const warns = async (sql: string) => brief((await check({ ...notes, 'm/0002_x.sql': sql })).diagnostics)

  it('warns on DROP TABLE and DROP COLUMN, at their line', async () => {
    expect(await warns('SELECT 1;\nDROP TABLE notes;')).toEqual([['warning', 'drop-table', 'm/0002_x.sql', 2]])
    expect(await warns('ALTER TABLE notes DROP COLUMN body;')).toEqual([['warning', 'drop-column', 'm/0002_x.sql', 1]])
  })

  it('warns on DELETE and UPDATE without WHERE, not with one (nor on a WHERE inside a string)', async () => {
    expect(await warns("DELETE FROM notes;\nUPDATE notes SET title = 'where';")).toEqual([
      ['warning', 'delete-without-where', 'm/0002_x.sql', 1],
      ['warning', 'update-without-where', 'm/0002_x.sql', 2],
    ])
    expect(await warns("DELETE FROM notes WHERE id < 0;\nUPDATE notes SET title = trim(title) WHERE title <> '';")).toEqual([])
    // Comment markers inside strings are text; a WHERE inside a subquery is not the statement's; aliases are fine.
    expect(await warns("UPDATE notes SET title = '--x' WHERE id = 1;\nUPDATE notes SET body = '/*' WHERE id = 2;")).toEqual([])
    expect(await warns('UPDATE notes SET title = (SELECT title FROM notes n2 WHERE n2.id = 1);\nUPDATE notes AS n SET body = 1;')).toEqual([
      ['warning', 'update-without-where', 'm/0002_x.sql', 1],
      ['warning', 'update-without-where', 'm/0002_x.sql', 2],
    ])
    expect(await warns('DELETE FROM notes WHERE id IN (SELECT id FROM notes WHERE title IS NULL);')).toEqual([])
  })

  it('accepts a 12-step rebuild that copies every column, in both common shapes', async () => {
    const newFirst = `CREATE TABLE new_notes (id INTEGER PRIMARY KEY, title TEXT NOT NULL DEFAULT '', body TEXT);
INSERT INTO new_notes (id, title, body) SELECT id, coalesce(title, ''), body FROM notes;
DROP TABLE notes;
ALTER TABLE new_notes RENAME TO notes;`
    expect(await warns(newFirst)).toEqual([])
    const renameFirst = `ALTER TABLE notes RENAME TO old_notes;
CREATE TABLE notes (id INTEGER PRIMARY KEY, title TEXT NOT NULL DEFAULT '', body TEXT);
INSERT INTO notes SELECT * FROM old_notes;
DROP TABLE old_notes;`
    expect(await warns(renameFirst)).toEqual([])
  })

  it('warns on a rebuild that loses columns or never copies the rows', async () => {
    const losesBody = `CREATE TABLE new_notes (id INTEGER PRIMARY KEY, title TEXT);
INSERT INTO new_notes SELECT id, title FROM notes;
DROP TABLE notes;
ALTER TABLE new_notes RENAME TO notes;`
    expect(await warns(losesBody)).toEqual([['warning', 'rebuild-drops-columns', 'm/0002_x.sql', 3]])
    const noCopy = `DROP TABLE notes;\nCREATE TABLE notes (id INTEGER PRIMARY KEY, title TEXT, body TEXT);`
    expect(await warns(noCopy)).toEqual([['warning', 'rebuild-drops-rows', 'm/0002_x.sql', 1]])
  })

  it('does not warn on a scratch table created and dropped within the migration', async () => {
    expect(await warns('CREATE TABLE tmp (x);\nINSERT INTO tmp SELECT id FROM notes;\nDROP TABLE tmp;')).toEqual([])
  })

  it('a per-file allow comment accepts a reviewed warning; an unknown rule name is an error', async () => {
    expect(await warns('-- sqlite-opfs-migrate: allow drop-table, delete-without-where\nDELETE FROM notes;\nDROP TABLE notes;')).toEqual([])
    expect(await warns('-- sqlite-opfs-migrate: allow drop-tabel\nSELECT 1;')).toEqual([['error', 'unknown-rule', 'm/0002_x.sql', null]])
  })

  it('strict turns warnings into errors', async () => {
    const result = await check({ ...notes, 'm/0002_x.sql': 'DROP TABLE notes;' }, { strict: true })
    expect(result.ok).toBe(false)
    expect(brief(result.diagnostics)).toEqual([['error', 'drop-table', 'm/0002_x.sql', 1]])
  })
})
