/**
 * Files the library did not write are read without trusting them (core/sqlite/untrusted-file.ts): each hostile shape is
 * refused with `INVALID_DATABASE_FILE` and its `reason`, quickly, without running the file's views or triggers and
 * without calling the app's functions; files the library did write pass.
 */
import { describe, expect, it } from 'vitest'

import { runMigrations } from '../../core/runner/run-migrations'
import { identifiersOf } from '../../core/sqlite/sql-identifiers'
import type { Database } from '../../core/sqlite/sqlite'
import { checkOwnSnapshot, checkReadable, inspectUntrustedFile } from '../../core/sqlite/untrusted-file'
import { InvalidDatabaseFileError } from '../../shared/errors'
import type { Migration } from '../../shared/types'
import { memoryDb } from './sqlite'

const app: Migration[] = [
  { version: 1, name: 'notes', sql: 'CREATE TABLE notes (id INTEGER PRIMARY KEY, title TEXT NOT NULL);' },
  { version: 2, name: 'done', sql: 'ALTER TABLE notes ADD COLUMN done INTEGER NOT NULL DEFAULT 0;' },
]
/** What `recordApplied` would have written for the app's two migrations, as fake rows of a view. */
const FAKE_ROWS = `SELECT 1 AS version, 'notes' AS name, NULL AS checksum, '2026-01-01' AS applied_at, 1.0 AS duration_ms, 0 AS baseline
  UNION ALL SELECT 2, 'done', NULL, '2026-01-01', 1.0, 0`

/** A file built by `build` on a fresh connection, as bytes. */
async function fileOf(build: (db: Database) => unknown): Promise<Uint8Array> {
  const { sqlite3, db } = await memoryDb()
  try {
    await build(db)
    return sqlite3.capi.sqlite3_js_db_export(db)
  } finally {
    db.close()
  }
}

async function refusal(bytes: Uint8Array, options: Partial<Parameters<typeof inspectUntrustedFile>[2]> = {}) {
  const { sqlite3 } = await memoryDb()
  try {
    inspectUntrustedFile(sqlite3, bytes, { quickCheck: true, ...options })
  } catch (error) {
    expect(error).toBeInstanceOf(InvalidDatabaseFileError)
    return error as InvalidDatabaseFileError
  }
  throw new Error('the file was accepted')
}

describe('inspectUntrustedFile', () => {
  it('accepts a file the library migrated, and returns its history', async () => {
    const bytes = await fileOf(async (db) => {
      const { sqlite3 } = await memoryDb()
      await runMigrations(sqlite3, db, app)
      db.exec(`INSERT INTO notes (title) VALUES ('kept')`)
    })
    const { sqlite3 } = await memoryDb()
    const history = inspectUntrustedFile(sqlite3, bytes, { quickCheck: true })
    expect(history).toMatchObject({
      version: 2,
      hasTable: true,
      applied: [
        { version: 1, name: 'notes' },
        { version: 2, name: 'done' },
      ],
    })
  })

  it('refuses a recursive VIEW named schema_migrations at once (it is never run)', async () => {
    const bytes = await fileOf((db) =>
      db.exec(`CREATE TABLE notes (id INTEGER PRIMARY KEY, title TEXT);
        CREATE VIEW schema_migrations AS WITH RECURSIVE r(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM r)
          SELECT i AS version, 'x' AS name, NULL AS checksum, '' AS applied_at, 0.0 AS duration_ms, 0 AS baseline FROM r;
        PRAGMA user_version = 2;`),
    )
    const started = performance.now()
    const error = await refusal(bytes)
    expect(error).toMatchObject({ code: 'INVALID_DATABASE_FILE', reason: 'unexpected-schema' })
    expect(error.message).toMatch(/it is a view/)
    expect(performance.now() - started).toBeLessThan(5000) // a bound, not a timing claim: it would never end otherwise
  })

  it('refuses a history VIEW with an INSTEAD OF INSERT trigger that deletes the app rows', async () => {
    const bytes = await fileOf((db) =>
      db.exec(`CREATE TABLE notes (id INTEGER PRIMARY KEY, title TEXT NOT NULL, done INTEGER NOT NULL DEFAULT 0);
        CREATE VIEW schema_migrations AS ${FAKE_ROWS};
        CREATE TRIGGER eat INSTEAD OF INSERT ON schema_migrations BEGIN DELETE FROM notes; END;
        PRAGMA user_version = 2;`),
    )
    expect(await refusal(bytes)).toMatchObject({ reason: 'unexpected-schema' })
  })

  for (const [what, sql] of [
    ['a trigger on the history table', `CREATE TRIGGER eat AFTER INSERT ON schema_migrations BEGIN DELETE FROM notes; END;`],
    [
      'a trigger elsewhere that writes the history',
      `CREATE TRIGGER forget AFTER INSERT ON notes BEGIN DELETE FROM "Schema_Migrations"; END;`,
    ],
    ['an index on the history table', `CREATE UNIQUE INDEX one_name ON schema_migrations (substr(name, 1, 1));`],
    ['a view over the history table', `CREATE VIEW history AS SELECT * FROM main.schema_migrations;`],
    ['a foreign key to the history table', `CREATE TABLE pinned (v INTEGER REFERENCES [schema_migrations] (version) ON DELETE CASCADE);`],
  ] as const)
    it(`refuses ${what}`, async () => {
      const bytes = await fileOf(async (db) => {
        const { sqlite3 } = await memoryDb()
        await runMigrations(sqlite3, db, app)
        db.exec(sql)
      })
      const error = await refusal(bytes)
      expect(error).toMatchObject({ reason: 'unexpected-schema' })
      expect(error.message).toMatch(/refers to it/)
    })

  it('refuses a history table of another shape (another tool, extra columns, a generated column)', async () => {
    for (const definition of [
      'version TEXT PRIMARY KEY',
      'version INTEGER PRIMARY KEY, name TEXT NOT NULL, checksum TEXT, applied_at TEXT NOT NULL, duration_ms REAL NOT NULL, baseline INTEGER NOT NULL DEFAULT 0, x AS (version * 2)',
    ]) {
      const bytes = await fileOf((db) => db.exec(`CREATE TABLE schema_migrations (${definition})`))
      expect(await refusal(bytes)).toMatchObject({ reason: 'unexpected-schema' })
    }
    const virtual = await fileOf((db) => db.exec(`CREATE VIRTUAL TABLE schema_migrations USING fts5(version, name)`))
    expect(await refusal(virtual)).toMatchObject({ reason: 'unexpected-schema' })
  })

  it('refuses the history tables only pre-release code wrote (without baseline, without schema_fingerprint)', async () => {
    const columns = 'version INTEGER PRIMARY KEY, name TEXT NOT NULL, checksum TEXT, applied_at TEXT NOT NULL, duration_ms REAL NOT NULL'
    const baseline = 'baseline INTEGER NOT NULL DEFAULT 0 CHECK (baseline IN (0, 1))'
    // Spaced as that code wrote them, and also as the next upgrade's ALTER TABLE left them (with schema_fingerprint).
    for (const definition of [columns, `${columns}, ${baseline}`])
      for (const altered of [false, true]) {
        const bytes = await fileOf((db) => {
          db.exec(`CREATE TABLE schema_migrations ( ${definition} ) STRICT`)
          if (altered) db.exec('ALTER TABLE schema_migrations ADD COLUMN schema_fingerprint TEXT')
        })
        expect(await refusal(bytes), `${definition} (altered: ${altered})`).toMatchObject({ reason: 'unexpected-schema' })
      }
  })

  it('refuses headers the storage cannot keep: WAL, and file format versions above 2', async () => {
    const good = await fileOf((db) => db.exec('CREATE TABLE t (x)'))
    for (const [write, read] of [
      [2, 2],
      [1, 2],
      [3, 1],
      [1, 3],
      [0, 1],
    ]) {
      const bytes = good.slice()
      bytes.set([write!, read!], 18)
      expect(await refusal(bytes), `${write}/${read}`).toMatchObject({ reason: 'unsupported' })
    }
    // Where WAL is allowed (the CLI, a snapshot restored to OPFS), it is read as the rollback-journal file it becomes.
    const wal = good.slice()
    wal.set([2, 2], 18)
    const { sqlite3 } = await memoryDb()
    expect(inspectUntrustedFile(sqlite3, wal, { quickCheck: true, allowWal: true })).toMatchObject({ version: 0 })
  })

  it('stops a check that runs past its deadline (a CHECK constraint made slow), as timed-out', async () => {
    const bytes = await fileOf((db) =>
      db.exec(`CREATE TABLE slow (x INTEGER CHECK (length(printf('%.*c', 3000000, 'a')) > 0));
        WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 2000) INSERT INTO slow SELECT 1 FROM n;`),
    )
    const started = performance.now()
    expect(await refusal(bytes, { timeLimitMs: 50 })).toMatchObject({ reason: 'timed-out' })
    expect(performance.now() - started).toBeLessThan(5000)
  })

  it("never calls the app's functions: the file's CHECKs see inert stand-ins", async () => {
    let called = 0
    const extensions = { functions: { shout: { fn: () => ++called, deterministic: true } } }
    const bytes = await fileOf(async (db) => {
      db.createFunction('shout', () => 1, { arity: -1, deterministic: true, innocuous: true } as never)
      db.exec(`CREATE TABLE t (x TEXT CHECK (shout(x) IS NOT 0)); INSERT INTO t VALUES ('a'), ('b');`)
    })
    const { sqlite3 } = await memoryDb()
    expect(inspectUntrustedFile(sqlite3, bytes, { quickCheck: true, extensions })).toMatchObject({ version: 0 })
    expect(called).toBe(0)
  })

  it("checkReadable (an upgrade's own snapshot) only asks for a header SQLite keeps and a schema it reads", async () => {
    const { sqlite3 } = await memoryDb()
    const own = await fileOf(async (db) => {
      await runMigrations(sqlite3, db, app)
      db.exec('CREATE VIEW history AS SELECT * FROM schema_migrations')
    })
    expect(checkReadable(sqlite3, own, {})).toBe(2)
    const text = new TextEncoder().encode('not the bytes of a database '.repeat(40))
    expect(() => checkReadable(sqlite3, text, {})).toThrow(expect.objectContaining({ reason: 'not-sqlite' }))
  })

  it('matches whole names: an object named like the history, or a string or comment naming it, is no reference', async () => {
    const { sqlite3 } = await memoryDb()
    const bytes = await fileOf(async (db) => {
      await runMigrations(sqlite3, db, app)
      db.exec(`CREATE TABLE schema_migrations_old (version INTEGER);
        CREATE TABLE "old schema_migrations" (x);
        CREATE VIEW labels AS SELECT 'schema_migrations' AS label /* schema_migrations */ FROM notes; -- schema_migrations`)
    })
    expect(inspectUntrustedFile(sqlite3, bytes, { quickCheck: true })).toMatchObject({ version: 2 })
  })

  it("checkOwnSnapshot (the library's copy of the app's file) lets the app's objects name the history, nothing more", async () => {
    const { sqlite3 } = await memoryDb()
    const own = await fileOf(async (db) => {
      await runMigrations(sqlite3, db, app)
      db.exec('CREATE VIEW latest AS SELECT max(version) AS version FROM schema_migrations')
    })
    expect((await refusal(own)).message).toMatch(/refers to it/) // a file from elsewhere: still refused
    expect(checkOwnSnapshot(sqlite3, own, {})).toBe(2)
    const historyView = await fileOf((db) => db.exec(`CREATE VIEW schema_migrations AS ${FAKE_ROWS}; PRAGMA user_version = 2;`))
    expect(() => checkOwnSnapshot(sqlite3, historyView, {})).toThrow(expect.objectContaining({ reason: 'unexpected-schema' }))
    const damaged = new TextEncoder().encode('not the bytes of a database '.repeat(40))
    expect(() => checkOwnSnapshot(sqlite3, damaged, {})).toThrow(expect.objectContaining({ reason: 'not-sqlite' }))
    const torn = own.slice()
    torn.fill(0xff, 100, 8192) // the schema page's content, after the header
    expect(() => checkOwnSnapshot(sqlite3, torn, {})).toThrow(expect.objectContaining({ code: 'INVALID_DATABASE_FILE' }))
  })
})

describe('identifiersOf', () => {
  it('reads bare and quoted names, lower-cased, and skips strings, comments and numbers', () => {
    const names = identifiersOf(`CREATE VIEW [My View] AS SELECT "Schema_Migrations"."version", \`a\`\`b\`, 'schema_migrations' AS s,
      1e5 AS n /* hidden */ FROM main.x -- trailing`)
    expect(names).toEqual(
      new Set(['create', 'view', 'my view', 'as', 'select', 'schema_migrations', 'version', 'a`b', 's', 'n', 'from', 'main', 'x']),
    )
    expect(identifiersOf(`SELECT "a""b", 'it''s' FROM t`)).toEqual(new Set(['select', 'a"b', 'from', 't']))
    expect(identifiersOf('CREATE TABLE schema_migrations_old (x)').has('schema_migrations')).toBe(false)
    expect(identifiersOf('SELECT * FROM schema_migrations').has('schema_migrations')).toBe(true)
  })
})
