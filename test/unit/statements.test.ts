import { describe, expect, it } from 'vitest'

import { statementKind } from '../../core/runner/statement-kind'
import { runStatements, type SqlStatement, StatementError } from '../../core/runner/statements'
import type { Database, Sqlite3 } from '../../core/sqlite/sqlite'
import { memoryDb } from './sqlite'

/** The statements runStatements would run, skipping them all. */
function listStatements(sqlite3: Sqlite3, db: Database, sql: string): SqlStatement[] {
  const found: SqlStatement[] = []
  runStatements(sqlite3, db, sql, (s) => {
    found.push(s)
    return 'skip'
  })
  return found
}

describe('runStatements', () => {
  it('runs statements as SQLite delimits them: strings, comments and trigger bodies never split one', async () => {
    const { sqlite3, db } = await memoryDb()
    const sql = [
      'CREATE TABLE t(a TEXT); -- a comment; with a semicolon',
      "INSERT INTO t VALUES ('x;y'), ('/* not a comment */');",
      '/* block; comment */',
      'CREATE TRIGGER t_ai AFTER INSERT ON t BEGIN',
      "  UPDATE t SET a = a || ';' WHERE rowid = new.rowid;",
      'END;',
      "INSERT INTO t VALUES ('last') -- no semicolon, no newline",
    ].join('\n')
    const seen: [number, string][] = []
    runStatements(sqlite3, db, sql, (s) => void seen.push([s.line, s.sql.split('\n')[0]!]))
    expect(seen).toEqual([
      [1, 'CREATE TABLE t(a TEXT);'],
      [2, "INSERT INTO t VALUES ('x;y'), ('/* not a comment */');"],
      [4, 'CREATE TRIGGER t_ai AFTER INSERT ON t BEGIN'],
      [7, "INSERT INTO t VALUES ('last') -- no semicolon, no newline"],
    ])
    expect(db.selectValues('SELECT a FROM t ORDER BY rowid')).toEqual(['x;y', '/* not a comment */', 'last;'])
  })

  it('compiles each statement against the schema the previous ones left, and skips what visit refuses', async () => {
    const { sqlite3, db } = await memoryDb()
    runStatements(sqlite3, db, 'CREATE TABLE a(x);\nINSERT INTO a VALUES (1);\nDROP TABLE a;', (s) =>
      s.sql.startsWith('DROP') ? 'skip' : 'run',
    )
    expect(db.selectValue('SELECT x FROM a')).toBe(1)
  })

  it('names the line of the failing statement (or token, for syntax errors), also after multi-byte text', async () => {
    const { sqlite3, db } = await memoryDb()
    const sql = "-- é, ü and 🙂 before\nCREATE TABLE t(a);\n\nSELECT 'ok';\nSELECT *\n  FROM missing;"
    const error = (() => {
      try {
        runStatements(sqlite3, db, sql)
      } catch (e) {
        return e as StatementError
      }
    })()
    expect(error).toBeInstanceOf(StatementError)
    expect(error).toMatchObject({ line: 5, statement: 'SELECT *\n  FROM missing;', sqliteMessage: 'no such table: missing' })
    const syntax = (() => {
      try {
        runStatements(sqlite3, db, 'SELECT 1;\nCREATE TABLE x (a,, b);')
      } catch (e) {
        return e as StatementError
      }
    })()
    expect(syntax).toMatchObject({ line: 2, resultCode: 1, sqliteMessage: expect.stringContaining('syntax error') })
  })

  it('reports runtime failures (a constraint) at the statement, with the extended result code', async () => {
    const { sqlite3, db } = await memoryDb()
    const run = () => runStatements(sqlite3, db, 'CREATE TABLE t(a NOT NULL);\n\nINSERT INTO t VALUES (NULL);')
    expect(run).toThrow(expect.objectContaining({ line: 3, resultCode: 1299, statement: 'INSERT INTO t VALUES (NULL);' }))
  })

  it('lists nothing for blank or comment-only text', async () => {
    const { sqlite3, db } = await memoryDb()
    expect(listStatements(sqlite3, db, '  -- nothing here\n/* nor here */ ;; ')).toEqual([])
    expect(listStatements(sqlite3, db, 'SELECT 1;;  ; SELECT 2').map((s) => s.sql)).toEqual(['SELECT 1;', 'SELECT 2'])
  })
})

describe('statementKind', () => {
  it('recognises transaction control, foreign-key pragmas, ROLLBACK and statements that cannot run in a transaction', () => {
    expect(statementKind('BEGIN TRANSACTION;')).toBe('transaction-control')
    expect(statementKind('-- x\nbegin immediate;')).toBe('transaction-control')
    expect(statementKind('COMMIT;')).toBe('transaction-control')
    expect(statementKind('END TRANSACTION;')).toBe('transaction-control')
    expect(statementKind('PRAGMA foreign_keys=OFF;')).toBe('foreign-keys-pragma')
    expect(statementKind('pragma main.foreign_keys = on')).toBe('foreign-keys-pragma')
    expect(statementKind('PRAGMA foreign_keys;')).toBe('other')
    expect(statementKind('PRAGMA foreign_key_check;')).toBe('other')
    expect(statementKind('ROLLBACK;')).toBe('rollback')
    expect(statementKind('ROLLBACK TO before_backfill;')).toBe('other')
    expect(statementKind('VACUUM;')).toBe('no-transaction')
    expect(statementKind("ATTACH 'x.db' AS x;")).toBe('no-transaction')
    expect(statementKind('CREATE TRIGGER t AFTER INSERT ON a BEGIN SELECT 1; END;')).toBe('other')
  })
})
