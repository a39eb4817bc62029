import { UnsafePragmaError } from '../../shared/errors'
import type { Migration } from '../../shared/types'
import type { Sqlite3 } from '../sqlite/sqlite'
import { pragmaAssignment, splitStatements, unsafePragmaReason } from './statement-kind'

// A migration must not take away the crash safety the upgrade relies on (see `unsafePragmaReason`). SQL migrations are
// read before anything is written; code migrations can only be watched as they run, through SQLite's authorizer.

/** SQLite's authorizer action code for a PRAGMA statement. */
const SQLITE_PRAGMA = 19

/**
 * Throws `UnsafePragmaError` for the first SQL migration that sets an unsafe pragma, naming the statement and its line.
 * Reads text only (strings and comments are skipped), so it runs at open before sqlite-wasm has loaded.
 *
 * @example
 * refuseUnsafePragmas([{ version: 1, name: 'fast', sql: 'PRAGMA journal_mode = OFF;\nUPDATE t SET n = n + 1;' }])
 * // throws UnsafePragmaError: migration 1 ("fast"), line 1: PRAGMA journal_mode = OFF is refused in a migration: …
 */
export function refuseUnsafePragmas(migrations: readonly Migration[]): void {
  for (const migration of migrations) {
    // Most migrations hold no PRAGMA at all: a plain search keeps a large seed file from costing the open anything.
    if (typeof migration.sql !== 'string' || !/pragma/i.test(migration.sql)) continue
    for (const statement of splitStatements(migration.sql)) {
      const set = pragmaAssignment(statement.sql)
      const reason = set && unsafePragmaReason(set.name, set.value)
      if (set && reason)
        throw new UnsafePragmaError(
          `migration ${migration.version} ("${migration.name}"), line ${statement.line}: ${reason}; nothing was written`,
          migration.version,
          migration.name,
          statement.sql,
          set.name,
          set.value,
        )
    }
  }
}

/**
 * An authorizer hook for `withTimeLimit` that refuses (SQLITE_DENY) any statement setting an unsafe pragma while a
 * migration's body runs; `refused()` then says which, so the step's error can name it instead of "not authorized".
 *
 * @example
 * const guard = pragmaGuard(sqlite3)
 * withTimeLimit(sqlite3, db, 0, () => migration.up(db), guard.authorize)
 */
export function pragmaGuard(sqlite3: Sqlite3): {
  authorize: (action: number, arg1: number, arg2: number) => number
  refused: () => { pragma: string; value: string; reason: string } | null
} {
  let refused: { pragma: string; value: string; reason: string } | null = null
  const text = (pointer: number): string | null => (pointer ? (sqlite3.wasm.cstrToJs(pointer) as string) : null)
  return {
    authorize(action, arg1, arg2) {
      if (action !== SQLITE_PRAGMA) return 0
      const pragma = (text(arg1) ?? '').toLowerCase()
      const value = text(arg2)
      const reason = unsafePragmaReason(pragma, value)
      if (!reason) return 0
      refused ??= { pragma, value: value!, reason }
      return 1
    },
    refused: () => refused,
  }
}
