import { describe, expect, it } from 'vitest'

import { readHistory } from '../../core/runner/history'
import { runMigrations } from '../../core/runner/run-migrations'
import { diffSchemas } from '../../core/schema/schema-diff'
import { checkSchema, fingerprintOf, schemaFingerprint } from '../../core/schema/schema-fingerprint'
import { schemaShape } from '../../core/schema/schema-shape'
import { sha256HexSync } from '../../core/schema/sha256-sync'
import { readUntrustedShape } from '../../core/sqlite/untrusted-file'
import type { Migration } from '../../shared/types'
import { sqlite } from './sqlite'

const LABELS = { actual: 'after upgrading from version 3', expected: 'on a fresh install' }

/** A new in-memory database with `sql` run on it. */
async function dbWith(sql: string) {
  const sqlite3 = await sqlite()
  const db = new sqlite3.oo1.DB(':memory:')
  db.exec(sql)
  return db
}
async function diff(actualSql: string, expectedSql: string) {
  const [a, b] = [await dbWith(actualSql), await dbWith(expectedSql)]
  try {
    return diffSchemas(schemaShape(a), schemaShape(b), LABELS)?.message ?? null
  } finally {
    a.close()
    b.close()
  }
}

describe('schemaShape: equal schemas reached by different paths', () => {
  it.each([
    [
      'ALTER TABLE ADD COLUMN vs the column inline',
      'CREATE TABLE notes (id INTEGER PRIMARY KEY); ALTER TABLE notes ADD COLUMN done INTEGER NOT NULL DEFAULT 0;',
      'CREATE TABLE notes (id INTEGER PRIMARY KEY, done INTEGER NOT NULL DEFAULT 0);',
    ],
    [
      'quoted vs bare names, keyword case, whitespace and comments',
      'CREATE TABLE "notes" ("id" integer primary key, [title] text); create index "i" on "notes"("title"); CREATE VIEW "v" AS SELECT  "title"  FROM "notes" -- c',
      'CREATE TABLE notes (id INTEGER PRIMARY KEY, title TEXT);\nCREATE INDEX i ON notes (title);\nCREATE VIEW v AS SELECT title FROM notes',
    ],
    [
      'IF NOT EXISTS, function-name case and operator spacing',
      "CREATE TABLE IF NOT EXISTS t (a TEXT); CREATE VIEW IF NOT EXISTS v AS SELECT lower(a)||'x' AS b FROM t WHERE a<>'' ; CREATE INDEX IF NOT EXISTS i ON t(upper ( a ))",
      "CREATE TABLE t (a TEXT); CREATE VIEW v AS SELECT LOWER(a) || 'x' AS b FROM t WHERE a <> ''; CREATE INDEX i ON t (UPPER(a))",
    ],
    [
      'type and collation name case',
      'CREATE TABLE t (a integer, b varchar(10) COLLATE nocase)',
      'CREATE TABLE t (a INTEGER, b VARCHAR (10) COLLATE NOCASE)',
    ],
    [
      'a deferred foreign key as column or table constraint',
      'CREATE TABLE p (id INTEGER PRIMARY KEY); CREATE TABLE c (p INTEGER REFERENCES p (id) DEFERRABLE INITIALLY DEFERRED)',
      'CREATE TABLE p (id INTEGER PRIMARY KEY); CREATE TABLE c (p INTEGER, CONSTRAINT fk FOREIGN KEY ("p") REFERENCES [p] (id) DEFERRABLE INITIALLY DEFERRED)',
    ],
    ['DEFAULT (0) vs DEFAULT 0', 'CREATE TABLE t (a INTEGER DEFAULT (0))', 'CREATE TABLE t (a INTEGER DEFAULT 0)'],
    [
      'a table rebuilt and renamed vs created once',
      'CREATE TABLE t (a INTEGER, b TEXT); CREATE TABLE t_new (a INTEGER NOT NULL, b TEXT); DROP TABLE t; ALTER TABLE t_new RENAME TO t;',
      'CREATE TABLE t (a INTEGER NOT NULL, b TEXT)',
    ],
    [
      'CHECK as column or table constraint, in another order',
      "CREATE TABLE t (a INTEGER CHECK (a > 0), b TEXT, CHECK (b <> ''))",
      "CREATE TABLE t (a INTEGER, b TEXT, CHECK (b <> ''), CHECK (a > 0))",
    ],
    [
      'temp objects and the history table are left out',
      'CREATE TABLE t (a); CREATE TEMP TABLE scratch (x); CREATE TABLE schema_migrations (version INTEGER PRIMARY KEY); ANALYZE;',
      'CREATE TABLE t (a)',
    ],
  ])('%s', async (_, a, b) => {
    expect(await diff(a, b)).toBeNull()
    const [x, y] = [await dbWith(a), await dbWith(b)]
    expect(schemaFingerprint(x)).toBe(schemaFingerprint(y))
  })
})

describe('schemaShape: real differences, named in plain words', () => {
  it.each([
    [
      'a different default',
      'CREATE TABLE notes (id INTEGER PRIMARY KEY, done INTEGER DEFAULT 0)',
      'CREATE TABLE notes (id INTEGER PRIMARY KEY, done INTEGER)',
      'table notes: column done has DEFAULT 0 after upgrading from version 3, DEFAULT NULL on a fresh install',
    ],
    [
      'a missing index',
      'CREATE TABLE notes (title TEXT)',
      'CREATE TABLE notes (title TEXT); CREATE INDEX notes_title ON notes (title)',
      'index notes_title: is missing after upgrading from version 3, exists on a fresh install',
    ],
    [
      'a dropped CHECK',
      'CREATE TABLE t (a INTEGER)',
      'CREATE TABLE t (a INTEGER CHECK (a IN (0, 1)))',
      'table t: has CHECK (a IN (0, 1)) on a fresh install, not after upgrading from version 3',
    ],
    [
      'a missing column',
      'CREATE TABLE t (a)',
      'CREATE TABLE t (a, b TEXT)',
      'table t: has column b on a fresh install, not after upgrading from version 3',
    ],
    [
      'column order',
      'CREATE TABLE t (b, a)',
      'CREATE TABLE t (a, b)',
      'table t: has columns (b, a) after upgrading from version 3, columns (a, b) on a fresh install',
    ],
    [
      'NOT NULL',
      'CREATE TABLE t (a TEXT)',
      'CREATE TABLE t (a TEXT NOT NULL)',
      'table t: column a is nullable after upgrading from version 3, NOT NULL on a fresh install',
    ],
    [
      'a declared type',
      'CREATE TABLE t (a TEXT)',
      'CREATE TABLE t (a INTEGER)',
      'table t: column a has type TEXT after upgrading from version 3, type INTEGER on a fresh install',
    ],
    [
      'a column collation',
      'CREATE TABLE t (a TEXT)',
      'CREATE TABLE t (a TEXT COLLATE NOCASE)',
      'table t: column a has COLLATE BINARY after upgrading from version 3, COLLATE NOCASE on a fresh install',
    ],
    [
      'a generated column',
      'CREATE TABLE t (a INTEGER, b INTEGER)',
      'CREATE TABLE t (a INTEGER, b INTEGER AS (a * 2) STORED)',
      'table t: column b is an ordinary column after upgrading from version 3, generated AS a * 2 STORED on a fresh install',
    ],
    [
      'STRICT',
      'CREATE TABLE t (a INTEGER)',
      'CREATE TABLE t (a INTEGER) STRICT',
      'table t: not STRICT after upgrading from version 3, STRICT on a fresh install',
    ],
    [
      'WITHOUT ROWID',
      'CREATE TABLE t (a TEXT PRIMARY KEY)',
      'CREATE TABLE t (a TEXT PRIMARY KEY) WITHOUT ROWID',
      'table t: with rowid after upgrading from version 3, WITHOUT ROWID on a fresh install',
    ],
    [
      'a primary key',
      'CREATE TABLE t (a INTEGER, b INTEGER)',
      'CREATE TABLE t (a INTEGER, b INTEGER, PRIMARY KEY (b, a))',
      'table t: column a is not in the primary key after upgrading from version 3, primary key column 2 on a fresh install',
    ],
    [
      'a foreign key action',
      'CREATE TABLE p (id INTEGER PRIMARY KEY); CREATE TABLE c (p INTEGER REFERENCES p (id))',
      'CREATE TABLE p (id INTEGER PRIMARY KEY); CREATE TABLE c (p INTEGER REFERENCES p (id) ON DELETE CASCADE)',
      'table c: has FOREIGN KEY (p) REFERENCES p (id) ON UPDATE NO ACTION ON DELETE NO ACTION after upgrading from version 3, FOREIGN KEY (p) REFERENCES p (id) ON UPDATE NO ACTION ON DELETE CASCADE on a fresh install',
    ],
    [
      'a deferred foreign key',
      'CREATE TABLE p (id INTEGER PRIMARY KEY); CREATE TABLE c (p INTEGER, FOREIGN KEY (p) REFERENCES p (id))',
      'CREATE TABLE p (id INTEGER PRIMARY KEY); CREATE TABLE c (p INTEGER REFERENCES "p" (id) DEFERRABLE INITIALLY DEFERRED)',
      'table c: has FOREIGN KEY (p) REFERENCES p (id) ON UPDATE NO ACTION ON DELETE NO ACTION after upgrading from version 3, FOREIGN KEY (p) REFERENCES p (id) ON UPDATE NO ACTION ON DELETE NO ACTION DEFERRABLE INITIALLY DEFERRED on a fresh install',
    ],
    [
      'a UNIQUE constraint',
      'CREATE TABLE t (email TEXT)',
      'CREATE TABLE t (email TEXT UNIQUE)',
      'table t: has a UNIQUE (email) constraint on a fresh install, not after upgrading from version 3',
    ],
    [
      'a partial index',
      'CREATE TABLE t (a, b); CREATE INDEX i ON t (a)',
      'CREATE TABLE t (a, b); CREATE INDEX i ON t (a) WHERE b IS NOT NULL',
      'index i: ON t (a) after upgrading from version 3, ON t (a) WHERE b IS NOT NULL on a fresh install',
    ],
    [
      'an index on an expression, its order and collation',
      'CREATE TABLE t (a TEXT); CREATE INDEX i ON t (lower(a))',
      'CREATE TABLE t (a TEXT); CREATE INDEX i ON t (lower(a) COLLATE NOCASE DESC)',
      'index i: ON t (LOWER(a)) after upgrading from version 3, ON t (LOWER(a) COLLATE NOCASE DESC) on a fresh install',
    ],
    [
      'a unique index',
      'CREATE TABLE t (a); CREATE INDEX i ON t (a)',
      'CREATE TABLE t (a); CREATE UNIQUE INDEX i ON t (a)',
      'index i: ON t (a) after upgrading from version 3, UNIQUE ON t (a) on a fresh install',
    ],
    [
      "a view's SQL",
      'CREATE TABLE t (a); CREATE VIEW v AS SELECT a FROM t',
      "CREATE TABLE t (a); CREATE VIEW v AS SELECT a FROM t WHERE a <> 'x'",
      "view v: defined as CREATE VIEW v AS SELECT a FROM t after upgrading from version 3, CREATE VIEW v AS SELECT a FROM t WHERE a <> 'x' on a fresh install",
    ],
    [
      'a missing trigger',
      'CREATE TABLE t (a)',
      'CREATE TABLE t (a); CREATE TRIGGER tr AFTER INSERT ON t BEGIN SELECT 1; END',
      'trigger tr: is missing after upgrading from version 3, exists on a fresh install',
    ],
    [
      "a view's column name differs in case",
      'CREATE TABLE t (a); CREATE VIEW v AS SELECT a AS Title FROM t',
      'CREATE TABLE t (a); CREATE VIEW v AS SELECT a AS title FROM t',
      'view v: defined as CREATE VIEW v AS SELECT a AS Title FROM t after upgrading from version 3, CREATE VIEW v AS SELECT a AS title FROM t on a fresh install',
    ],
    [
      'a string literal differs only in case',
      "CREATE TABLE t (a TEXT DEFAULT 'x')",
      "CREATE TABLE t (a TEXT DEFAULT 'X')",
      "table t: column a has DEFAULT 'x' after upgrading from version 3, DEFAULT 'X' on a fresh install",
    ],
  ])('%s', async (_, a, b, message) => {
    expect(await diff(a, b)).toBe(message)
    const [x, y] = [await dbWith(a), await dbWith(b)]
    expect(schemaFingerprint(x)).not.toBe(schemaFingerprint(y))
  })
})

describe('fingerprints', () => {
  it('sha-256 is computed synchronously and right', async () => {
    expect(sha256HexSync('abc')).toBe('ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad')
    expect(sha256HexSync('')).toBe('e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855')
    const long = 'x'.repeat(1000) + 'é'
    const digest = new Uint8Array(await crypto.subtle.digest('SHA-256', new TextEncoder().encode(long)))
    expect(sha256HexSync(long)).toBe(Array.from(digest, (b) => b.toString(16).padStart(2, '0')).join(''))
  })

  it('each applied migration records the schema it left; a change by hand shows as changed', async () => {
    const sqlite3 = await sqlite()
    const db = new sqlite3.oo1.DB(':memory:')
    const applied = await runMigrations(sqlite3, db, [
      { version: 1, name: 'notes', sql: 'CREATE TABLE notes (id INTEGER PRIMARY KEY, title TEXT)' },
      // A code migration that makes a temp table: temp objects are not part of the schema.
      { version: 2, name: 'scratch', up: (d) => d.exec('CREATE TEMP TABLE scratch (x); CREATE INDEX notes_title ON notes (title)') },
    ])
    expect(applied.map((r) => r.schemaFingerprint)).toEqual([expect.stringMatching(/^[0-9a-f]{64}$/), schemaFingerprint(db)])
    expect(applied[0]!.schemaFingerprint).not.toBe(applied[1]!.schemaFingerprint)
    expect(readHistory(db).applied.map((r) => r.schemaFingerprint)).toEqual(applied.map((r) => r.schemaFingerprint))
    expect(checkSchema(db, readHistory(db))).toMatchObject({ state: 'matches', recordedBy: 2 })
    db.exec('CREATE INDEX by_hand ON notes (id, title)')
    expect(checkSchema(db, readHistory(db))).toMatchObject({
      state: 'changed',
      recorded: applied[1]!.schemaFingerprint,
      fingerprint: fingerprintOf(schemaShape(db)),
    })
  })
})

describe('fingerprints of adopted databases', () => {
  it('baseline rows record none (unknown), the next migration records one (matches)', async () => {
    const sqlite3 = await sqlite()
    const db = new sqlite3.oo1.DB(':memory:')
    db.exec('CREATE TABLE notes (id INTEGER PRIMARY KEY); PRAGMA user_version = 1')
    const list: Migration[] = [{ version: 1, name: 'notes', sql: 'CREATE TABLE notes (id INTEGER PRIMARY KEY)' }]
    await runMigrations(sqlite3, db, list, { baseline: 'user_version' })
    expect(readHistory(db).applied).toMatchObject([{ version: 1, baseline: true, schemaFingerprint: null }])
    expect(checkSchema(db, readHistory(db))).toMatchObject({ state: 'unknown', recorded: null, recordedBy: 1 })
    await runMigrations(sqlite3, db, [...list, { version: 2, name: 'title', sql: 'ALTER TABLE notes ADD COLUMN title TEXT' }])
    expect(checkSchema(db, readHistory(db))).toMatchObject({ state: 'matches', recordedBy: 2 })
  })
})

describe('schemaShape of an untrusted file', () => {
  it('reads the same with views and triggers disabled (as the CLI reads a file), fts5 shadow tables left out', async () => {
    const sqlite3 = await sqlite()
    const db = await dbWith(
      'CREATE TABLE t (a); CREATE VIEW v AS SELECT a FROM t; CREATE TRIGGER tr AFTER INSERT ON t BEGIN SELECT 1; END; CREATE VIRTUAL TABLE f USING fts5(x)',
    )
    const shape = schemaShape(db)
    expect(readUntrustedShape(sqlite3, sqlite3.capi.sqlite3_js_db_export(db), {})).toEqual(shape)
    expect(shape.tables.map((t) => [t.name, t.virtual])).toEqual([
      ['f', true],
      ['t', false],
    ])
    expect(shape.views).toEqual([{ name: 'v', sql: 'CREATE VIEW v AS SELECT a FROM t' }])
  })
})
