import { describe, expect, it } from 'vitest'

import { readHistory } from '../../core/runner/history'
import { runMigrations } from '../../core/runner/run-migrations'
import { MigrationStepError, stageMigration } from '../../core/runner/runner'
import {
  DatabaseTooNewError,
  HistoryMismatchError,
  InvalidMigrationsError,
  MigrationEditedError,
  UnsafePragmaError,
} from '../../shared/errors'
import type { Migration } from '../../shared/types'
import { memoryDb, rows, tables } from './sqlite'

const base: Migration[] = [
  { version: 1, name: 'create_notes', sql: 'CREATE TABLE notes (id INTEGER PRIMARY KEY, title TEXT NOT NULL);' },
  { version: 2, name: 'add_done', sql: 'ALTER TABLE notes ADD COLUMN done INTEGER NOT NULL DEFAULT 0;' },
  {
    version: 3,
    name: 'backfill',
    up(db) {
      db.exec(`INSERT INTO notes (title) VALUES ('first'), ('second')`)
    },
  },
]

describe('runMigrations', () => {
  it('applies a fresh database and records history and user_version', async () => {
    const { sqlite3, db } = await memoryDb()
    const applied = await runMigrations(sqlite3, db, base)
    expect(applied.map((r) => r.version)).toEqual([1, 2, 3])
    const history = readHistory(db)
    expect(history.version).toBe(3)
    expect(history.applied.map((r) => [r.version, r.name])).toEqual([
      [1, 'create_notes'],
      [2, 'add_done'],
      [3, 'backfill'],
    ])
    expect(history.applied[0]!.checksum).toMatch(/^[0-9a-f]{64}$/)
    expect(history.applied[2]!.checksum).toBeNull()
    expect(rows(db, 'notes')).toEqual([
      { id: 1, title: 'first', done: 0 },
      { id: 2, title: 'second', done: 0 },
    ])
  })

  it('is a no-op when reopened, and skips versions already applied', async () => {
    const { sqlite3, db } = await memoryDb()
    await runMigrations(sqlite3, db, base.slice(0, 2))
    db.exec(`INSERT INTO notes (title) VALUES ('kept')`)
    expect(await runMigrations(sqlite3, db, base.slice(0, 2))).toEqual([])
    const applied = await runMigrations(sqlite3, db, base)
    expect(applied.map((r) => r.version)).toEqual([3])
    expect(rows(db, 'notes').map((r) => r.title)).toEqual(['kept', 'first', 'second'])
    expect(readHistory(db).applied).toHaveLength(3)
  })

  it('leaves no trace of a failing migration and names the failing statement', async () => {
    const { sqlite3, db } = await memoryDb()
    await runMigrations(sqlite3, db, base.slice(0, 1))
    db.exec(`INSERT INTO notes (title) VALUES ('before')`)
    const before = rows(db, 'notes')
    const failing: Migration = {
      version: 2,
      name: 'broken',
      sql: `CREATE TABLE tags (id INTEGER PRIMARY KEY);
INSERT INTO tags VALUES (1);
UPDATE notes SET title = 'changed';
INSERT INTO no_such_table VALUES (1);`,
    }
    const error = await runMigrations(sqlite3, db, [base[0]!, failing]).catch((e: unknown) => e)
    expect(error).toBeInstanceOf(MigrationStepError)
    const step = error as MigrationStepError
    expect(step.migration.version).toBe(2)
    expect(step.statement).toBe('INSERT INTO no_such_table VALUES (1);')
    expect(step.sqliteCode).toBe(1)
    expect(step.sqliteMessage).toMatch(/no such table: no_such_table/)
    expect(tables(db)).toEqual(['notes', 'schema_migrations'])
    expect(rows(db, 'notes')).toEqual(before)
    expect(readHistory(db).version).toBe(1)
    expect(db.selectValue('PRAGMA foreign_keys')).toBe(1)
  })

  it('rolls back a code migration that throws halfway', async () => {
    const { sqlite3, db } = await memoryDb()
    const failing: Migration = {
      version: 2,
      name: 'half',
      up(db) {
        db.exec('CREATE TABLE half (x)')
        throw new Error('backfill blew up')
      },
    }
    const error = (await runMigrations(sqlite3, db, [base[0]!, failing]).catch((e: unknown) => e)) as MigrationStepError
    expect(error.sqliteMessage).toBe('backfill blew up')
    expect(tables(db)).toEqual(['notes', 'schema_migrations'])
  })

  it('rejects duplicate, out-of-order and malformed lists before touching the database', async () => {
    const { sqlite3, db } = await memoryDb()
    const cases: [Migration[], RegExp][] = [
      [[base[0]!, { ...base[1]!, version: 1 }], /migration #1 \("add_done"\): duplicate version 1/],
      [[base[1]!, base[0]!], /migration #1 \("create_notes"\): version 1 is not greater than the previous version 2/],
      [[{ version: 1.5, name: 'x', sql: 'SELECT 1' }], /version must be an integer/],
      [[{ version: 1, name: 'bad/name', sql: 'SELECT 1' }], /name must be/],
      [[{ version: 1, name: 'both', sql: 'SELECT 1', up() {} } as unknown as Migration], /exactly one of/],
      [[{ version: 1, name: 'async', up: (async () => {}) as unknown as () => void }], /must be synchronous/],
    ]
    for (const [list, message] of cases) {
      const error = await runMigrations(sqlite3, db, list).catch((e: unknown) => e)
      expect(error).toBeInstanceOf(InvalidMigrationsError)
      expect((error as Error).message).toMatch(message)
      expect((error as InvalidMigrationsError).code).toBe('INVALID_MIGRATIONS')
    }
    expect(tables(db)).toEqual([])
  })

  it('detects an applied SQL migration that was edited, unless accepted', async () => {
    const { sqlite3, db } = await memoryDb()
    await runMigrations(sqlite3, db, base.slice(0, 2))
    const edited: Migration[] = [base[0]!, { version: 2, name: 'add_done', sql: 'ALTER TABLE notes ADD COLUMN done INTEGER;' }]
    const error = await runMigrations(sqlite3, db, edited).catch((e: unknown) => e)
    expect(error).toBeInstanceOf(MigrationEditedError)
    expect((error as MigrationEditedError).version).toBe(2)
    expect(await runMigrations(sqlite3, db, edited, { acceptEditedMigrations: [2] })).toEqual([])
    expect(await runMigrations(sqlite3, db, edited, { acceptEditedMigrations: true })).toEqual([])
    // Line endings alone are not an edit.
    const crlf: Migration[] = [{ version: 1, name: 'create_notes', sql: base[0]!.sql!.replace(/\n/g, '\r\n') }, base[1]!]
    expect(await runMigrations(sqlite3, db, crlf)).toEqual([])
  })

  it('refuses a database newer than the app, leaving it untouched', async () => {
    const { sqlite3, db } = await memoryDb()
    await runMigrations(sqlite3, db, base)
    const error = await runMigrations(sqlite3, db, base.slice(0, 2)).catch((e: unknown) => e)
    expect(error).toBeInstanceOf(DatabaseTooNewError)
    expect(error).toMatchObject({ databaseVersion: 3, latestVersion: 2, code: 'DATABASE_TOO_NEW' })
    expect(readHistory(db).version).toBe(3)
  })

  it('reports history that disagrees with the app', async () => {
    const { sqlite3, db } = await memoryDb()
    await runMigrations(sqlite3, db, [base[0]!, base[2]!.version === 3 ? { ...base[1]!, version: 3 } : base[1]!])
    // A migration inserted below the applied version.
    let error = await runMigrations(sqlite3, db, [base[0]!, { ...base[2]!, version: 2 }, { ...base[1]!, version: 3 }]).catch(
      (e: unknown) => e,
    )
    expect(error).toBeInstanceOf(HistoryMismatchError)
    expect((error as Error).message).toMatch(/migration 2 \("backfill"\) is not applied/)
    // A renamed one.
    error = await runMigrations(sqlite3, db, [
      { ...base[0]!, name: 'renamed' },
      { ...base[1]!, version: 3 },
    ]).catch((e: unknown) => e)
    expect((error as Error).message).toMatch(/named "create_notes" but the app now calls it "renamed"/)
    // user_version set by another tool.
    const other = await memoryDb()
    other.db.exec('PRAGMA user_version = 7')
    error = await runMigrations(other.sqlite3, other.db, base.concat({ version: 8, name: 'x', sql: 'SELECT 1;' })).catch((e: unknown) => e)
    expect((error as HistoryMismatchError).code).toBe('HISTORY_MISMATCH')
  })

  it('rebuilds a parent table with foreign keys without losing a single child row', async () => {
    const { sqlite3, db } = await memoryDb()
    const schema: Migration[] = [
      {
        version: 1,
        name: 'parent_child',
        sql: `CREATE TABLE parent (id INTEGER PRIMARY KEY, name TEXT);
CREATE TABLE child (id INTEGER PRIMARY KEY, parent_id INTEGER NOT NULL REFERENCES parent(id) ON DELETE CASCADE, v TEXT);
CREATE INDEX child_parent ON child(parent_id);`,
      },
    ]
    await runMigrations(sqlite3, db, schema)
    db.exec(`INSERT INTO parent VALUES (1, 'a'), (2, 'b');
WITH RECURSIVE n(value) AS (SELECT 1 UNION ALL SELECT value + 1 FROM n WHERE value < 500)
INSERT INTO child (parent_id, v) SELECT 1 + (value % 2), 'v' || value FROM n`)
    const children = rows(db, 'child')
    expect(children).toHaveLength(500)
    // The 12-step rebuild: with foreign_keys ON this DROP TABLE would cascade-delete every child row.
    const rebuild: Migration = {
      version: 2,
      name: 'rebuild_parent',
      sql: `CREATE TABLE parent_new (id INTEGER PRIMARY KEY, name TEXT NOT NULL DEFAULT '', created_at TEXT);
INSERT INTO parent_new (id, name) SELECT id, name FROM parent;
DROP TABLE parent;
ALTER TABLE parent_new RENAME TO parent;`,
    }
    await runMigrations(sqlite3, db, [...schema, rebuild])
    expect(rows(db, 'child')).toEqual(children)
    expect(db.selectObjects('PRAGMA foreign_key_check')).toEqual([])
    expect(db.selectValue('PRAGMA foreign_keys')).toBe(1)

    // A rebuild that would leave dangling children is refused and undone.
    const dangling: Migration = { version: 3, name: 'drop_parent_row', sql: `DELETE FROM parent WHERE id = 2;` }
    const error = (await runMigrations(sqlite3, db, [...schema, rebuild, dangling]).catch((e: unknown) => e)) as MigrationStepError
    expect(error).toBeInstanceOf(MigrationStepError)
    expect(error.statement).toBe('PRAGMA foreign_key_check')
    expect(error.sqliteCode).toBe(787)
    expect(rows(db, 'child')).toEqual(children)
    expect(db.selectValue('SELECT count(*) FROM parent')).toBe(2)
  })

  it('runs a non-transactional migration (VACUUM) outside a transaction', async () => {
    const { sqlite3, db } = await memoryDb()
    const applied = await runMigrations(sqlite3, db, [base[0]!, { version: 2, name: 'vacuum', sql: 'VACUUM;', transaction: false }])
    expect(applied.map((r) => r.version)).toEqual([1, 2])
    const error = (await runMigrations(sqlite3, (await memoryDb()).db, [
      base[0]!,
      { version: 2, name: 'vacuum_in_tx', sql: 'VACUUM;' },
    ]).catch((e: unknown) => e)) as MigrationStepError
    expect(error.sqliteMessage).toMatch(/cannot VACUUM from within a transaction/)
  })
})

describe('stageMigration', () => {
  const parentChild: Migration = {
    version: 1,
    name: 'parent_child',
    sql: `CREATE TABLE parent (id INTEGER PRIMARY KEY);
          CREATE TABLE child (id INTEGER PRIMARY KEY, parent_id INTEGER REFERENCES parent (id));
          INSERT INTO parent VALUES (1); INSERT INTO child VALUES (1, 1);`,
  }

  it('leaves the transaction open until commit(), with the history row written inside it', async () => {
    const { sqlite3, db } = await memoryDb()
    db.exec('PRAGMA foreign_keys = ON')
    const staged = stageMigration(sqlite3, db, parentChild, { checksum: 'abc' })
    // Inside: the work and the history row are there, uncommitted; foreign keys are off for the rebuild.
    expect(sqlite3.capi.sqlite3_get_autocommit(db.pointer!)).toBe(0)
    expect(readHistory(db).applied.map((r) => [r.version, r.checksum])).toEqual([[1, 'abc']])
    expect(db.selectValue('PRAGMA foreign_keys')).toBe(0)
    staged.commit()
    expect(sqlite3.capi.sqlite3_get_autocommit(db.pointer!)).not.toBe(0)
    expect(readHistory(db).version).toBe(1)
    expect(db.selectValue('PRAGMA foreign_keys')).toBe(1)
    // Settling twice is a no-op.
    staged.rollback()
    expect(rows(db, 'child')).toEqual([{ id: 1, parent_id: 1 }])
  })

  it('rollback() undoes everything, history included, and puts the connection settings back', async () => {
    const { sqlite3, db } = await memoryDb()
    db.exec('PRAGMA foreign_keys = ON')
    const staged = stageMigration(sqlite3, db, parentChild, { checksum: null })
    db.exec('PRAGMA legacy_alter_table = ON') // not undone by ROLLBACK: the runner must put it back
    staged.rollback()
    expect(tables(db)).toEqual([])
    expect(readHistory(db)).toMatchObject({ version: 0, hasTable: false })
    expect(db.selectValue('PRAGMA foreign_keys')).toBe(1)
    expect(db.selectValue('PRAGMA legacy_alter_table')).toBe(0)
  })

  it('a failing body rolls back at once and throws MigrationStepError naming the statement', async () => {
    const { sqlite3, db } = await memoryDb()
    const broken: Migration = { version: 1, name: 'broken', sql: 'CREATE TABLE t (a); INSERT INTO nope VALUES (1);' }
    let error: unknown
    try {
      stageMigration(sqlite3, db, broken, { checksum: null })
    } catch (caught) {
      error = caught
    }
    expect(error).toBeInstanceOf(MigrationStepError)
    expect((error as MigrationStepError).statement).toBe('INSERT INTO nope VALUES (1);')
    expect(sqlite3.capi.sqlite3_get_autocommit(db.pointer!)).not.toBe(0)
    expect(tables(db)).toEqual([])
  })
})

describe('connection settings a migration changes', () => {
  // Every setting of the connection that a migration can change and ROLLBACK does not undo, read as SQLite reports it
  // (listed here independently of the library's own list). case_sensitive_like has no getter: LIKE tells it.
  const PRAGMAS = [
    'analysis_limit',
    'automatic_index',
    'busy_timeout',
    'cache_size',
    'cache_spill',
    'cell_size_check',
    'defer_foreign_keys',
    'foreign_keys',
    'ignore_check_constraints',
    'journal_mode',
    'journal_size_limit',
    'legacy_alter_table',
    'locking_mode',
    'max_page_count',
    'query_only',
    'read_uncommitted',
    'recursive_triggers',
    'reverse_unordered_selects',
    'secure_delete',
    'soft_heap_limit',
    'synchronous',
    'temp_store',
    'threads',
    'trusted_schema',
    'writable_schema',
  ]
  const settings = (db: Awaited<ReturnType<typeof memoryDb>>['db']) => ({
    ...Object.fromEntries(PRAGMAS.map((p) => [p, db.selectValue(`PRAGMA ${p}`)])),
    like_is_case_insensitive: db.selectValue(`SELECT 'a' LIKE 'A'`),
  })
  const CHANGES = `PRAGMA cache_size = 77;
PRAGMA recursive_triggers = ON;
PRAGMA case_sensitive_like = ON;
PRAGMA busy_timeout = 1234;
PRAGMA temp_store = MEMORY;
PRAGMA defer_foreign_keys = ON;
PRAGMA legacy_alter_table = ON;
PRAGMA ignore_check_constraints = ON;
PRAGMA secure_delete = ON;
PRAGMA automatic_index = OFF;
PRAGMA reverse_unordered_selects = ON;
PRAGMA cell_size_check = ON;
PRAGMA trusted_schema = OFF;
PRAGMA journal_size_limit = 4096;
PRAGMA analysis_limit = 50;
PRAGMA cache_spill = 10;
PRAGMA read_uncommitted = ON;
PRAGMA soft_heap_limit = 1000000;
PRAGMA threads = 1;
PRAGMA writable_schema = OFF;`

  it('are all put back after a SQL or code migration, committed or failed', async () => {
    const { sqlite3, db } = await memoryDb()
    const before = settings(db)
    const changeAll = (d: typeof db) => d.exec(CHANGES)
    const cases: { migration: Migration; fails: boolean }[] = [
      { migration: { version: 1, name: 'sql_settings', sql: `CREATE TABLE t (a);\n${CHANGES}` }, fails: false },
      { migration: { version: 2, name: 'code_settings', up: (d) => changeAll(d) }, fails: false },
      { migration: { version: 3, name: 'sql_fails', sql: `${CHANGES}\nINSERT INTO nope VALUES (1);` }, fails: true },
      {
        migration: {
          version: 3,
          name: 'code_fails',
          up: (d) => {
            changeAll(d)
            throw new Error('after the settings')
          },
        },
        fails: true,
      },
      // query_only makes the history row fail to write: the step fails, and query_only must not stay on.
      { migration: { version: 3, name: 'query_only', up: (d) => d.exec('PRAGMA query_only = ON') }, fails: true },
      {
        migration: { version: 3, name: 'no_tx', sql: `${CHANGES}\nPRAGMA synchronous = NORMAL;\nVACUUM;`, transaction: false },
        fails: false,
      },
    ]
    const list: Migration[] = []
    for (const { migration, fails } of cases) {
      const error = await runMigrations(sqlite3, db, [...list, migration]).catch((e: unknown) => e)
      expect(error instanceof MigrationStepError, `${migration.name}: ${String(error)}`).toBe(fails)
      expect(settings(db), migration.name).toEqual(before)
      if (!fails) list.push(migration)
    }
    expect(readHistory(db).version).toBe(3)
  })

  it('refuses a SQL migration that sets an unsafe pragma before anything is written, naming it', async () => {
    const unsafe: [string, string, string][] = [
      ['PRAGMA journal_mode = OFF;', 'journal_mode', 'OFF'],
      ["pragma main.journal_mode('memory');", 'journal_mode', 'memory'],
      ['PRAGMA /* fast */ journal_mode=WAL;', 'journal_mode', 'WAL'],
      ['PRAGMA synchronous = 0;', 'synchronous', '0'],
      ['PRAGMA "synchronous" = OFF;', 'synchronous', 'OFF'],
      ['PRAGMA locking_mode = EXCLUSIVE;', 'locking_mode', 'EXCLUSIVE'],
      ['PRAGMA writable_schema = ON;', 'writable_schema', 'ON'],
    ]
    for (const [statement, pragma, value] of unsafe) {
      const { sqlite3, db } = await memoryDb()
      const before = settings(db)
      const list: Migration[] = [
        base[0]!,
        {
          version: 2,
          name: 'speedup',
          sql: `-- bulk load\nINSERT INTO notes (title) VALUES ('x');\n${statement}\nUPDATE notes SET title = title || '!';`,
        },
      ]
      const error = await runMigrations(sqlite3, db, list).catch((e: unknown) => e)
      expect(error, statement).toBeInstanceOf(UnsafePragmaError)
      expect(error).toMatchObject({ code: 'UNSAFE_PRAGMA', version: 2, migrationName: 'speedup', statement, pragma, value })
      expect((error as Error).message).toMatch(/migration 2 \("speedup"\), line 3: PRAGMA/)
      expect(tables(db), statement).toEqual([]) // not even migration 1 ran
      expect(settings(db)).toEqual(before)
    }
  })

  it('accepts safe pragmas, and PRAGMA text inside strings and comments', async () => {
    const { sqlite3, db } = await memoryDb()
    const list: Migration[] = [
      base[0]!,
      {
        version: 2,
        name: 'texts',
        sql: `INSERT INTO notes (title) VALUES ('PRAGMA journal_mode = OFF;'); -- PRAGMA synchronous = OFF;
/* PRAGMA locking_mode = EXCLUSIVE; */ PRAGMA journal_mode = DELETE; PRAGMA writable_schema = RESET;
PRAGMA journal_mode; PRAGMA locking_mode;`,
      },
    ]
    expect((await runMigrations(sqlite3, db, list)).map((r) => r.version)).toEqual([1, 2])
    expect(rows(db, 'notes')).toEqual([{ id: 1, title: 'PRAGMA journal_mode = OFF;' }])
  })

  it('refuses an unsafe pragma in a code migration as SQLite prepares it, even when up() catches the refusal', async () => {
    const { sqlite3, db } = await memoryDb()
    await runMigrations(sqlite3, db, base.slice(0, 1))
    db.exec(`INSERT INTO notes (title) VALUES ('kept')`)
    const before = settings(db)
    for (const pragma of ['PRAGMA journal_mode = OFF', 'PRAGMA synchronous = OFF', 'PRAGMA locking_mode = EXCLUSIVE']) {
      const sneaky: Migration = {
        version: 2,
        name: 'sneaky',
        up(d) {
          d.exec(`UPDATE notes SET title = 'changed'`)
          try {
            d.exec(pragma)
          } catch {
            /* carries on without it */
          }
        },
      }
      const error = (await runMigrations(sqlite3, db, [base[0]!, sneaky]).catch((e: unknown) => e)) as MigrationStepError
      expect(error, pragma).toBeInstanceOf(MigrationStepError)
      expect(error.sqliteCode).toBe(23)
      expect(error.cause).toBeInstanceOf(UnsafePragmaError)
      expect(error.cause).toMatchObject({ code: 'UNSAFE_PRAGMA', version: 2, pragma: pragma.split(' ')[1] })
      expect(rows(db, 'notes')).toEqual([{ id: 1, title: 'kept' }])
      expect(readHistory(db).version).toBe(1)
      expect(settings(db)).toEqual(before)
    }
  })
})
