import type { Sqlite3 } from './sqlite'

// While a recovery is pending (see `DatabaseFile.holdForRecovery`), the app's statements may only read: a write would
// be lost under the restore the next open makes. `PRAGMA query_only` alone is not enough, since the app can turn it
// off; SQLite's authorizer refuses a statement as it is prepared, whatever it is.

/** Authorizer action codes that only read or delimit a transaction: READ, SELECT, TRANSACTION, FUNCTION, SAVEPOINT, RECURSIVE. */
const READING_ACTIONS = new Set([20, 21, 22, 31, 32, 33])
const SQLITE_PRAGMA = 19
/** Pragmas whose argument names what to read, not a value to set. */
const READING_PRAGMAS = new Set([
  'table_info',
  'table_xinfo',
  'table_list',
  'index_info',
  'index_xinfo',
  'index_list',
  'foreign_key_list',
  'foreign_key_check',
  'integrity_check',
  'quick_check',
])

/**
 * An authorizer hook for `withTimeLimit` that refuses (SQLITE_DENY) every statement that could change anything:
 * writes, schema changes, ATTACH, and any PRAGMA given a value (`query_only = OFF` among them) but those that only
 * read. SQLite then fails the statement with SQLITE_AUTH before it runs.
 *
 * @example
 * withTimeLimit(sqlite3, db, 0, () => db.exec(sql), readOnlyGuard(sqlite3)) // an INSERT fails SQLITE_AUTH
 */
export function readOnlyGuard(sqlite3: Sqlite3): (action: number, arg1: number, arg2: number) => number {
  return (action, arg1, arg2) => {
    if (READING_ACTIONS.has(action)) return 0
    if (action !== SQLITE_PRAGMA) return 1
    if (!arg2) return 0 // a pragma read
    return READING_PRAGMAS.has(String(sqlite3.wasm.cstrToJs(arg1)).toLowerCase()) ? 0 : 1
  }
}

/** SQLite's primary result code for a statement its authorizer refused. */
export const SQLITE_AUTH = 23
