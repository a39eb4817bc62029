// Errors of opening and calling the database: bad options, another tab or a newer app, SQL errors, transactions.
import { SqliteOpfsMigrateError } from './library-error'

/** `openDatabase` or a call got options it cannot use (bad database name, bad `keepSnapshots`…). */
export class InvalidOptionsError extends SqliteOpfsMigrateError {
  override name = 'InvalidOptionsError'
  override readonly code = 'INVALID_OPTIONS'
}

/** Another tab (or worker) already has this database open. */
export class DatabaseLockedError extends SqliteOpfsMigrateError {
  override name = 'DatabaseLockedError'
  override readonly code = 'OWNED_ELSEWHERE'
  constructor(
    message: string,
    readonly database: string,
    options?: { cause?: unknown },
  ) {
    super(message, options)
  }
}

/** The file's version is newer than the app's latest migration (an older app met data from a newer one). Untouched. */
export class DatabaseTooNewError extends SqliteOpfsMigrateError {
  override name = 'DatabaseTooNewError'
  override readonly code = 'DATABASE_TOO_NEW'
  constructor(
    message: string,
    readonly databaseVersion: number,
    readonly latestVersion: number,
  ) {
    super(message)
  }
}

/** SQLite rejected a `query`/`exec`/`run` statement. */
export class SqliteError extends SqliteOpfsMigrateError {
  override name = 'SqliteError'
  override readonly code = 'SQLITE_ERROR'
  constructor(
    message: string,
    readonly sqliteCode: number | null,
    readonly sql: string,
  ) {
    super(message)
  }
}

/**
 * The app left a transaction open (`exec('BEGIN')` without `COMMIT`), so the file cannot be copied, replaced or
 * upgraded now: a copy could hold uncommitted pages, and a restore or upgrade would silently end the app's transaction.
 * Nothing was changed; commit or roll back first.
 */
export class TransactionOpenError extends SqliteOpfsMigrateError {
  override name = 'TransactionOpenError'
  override readonly code = 'TRANSACTION_OPEN'
}

/**
 * This tab's transaction was lost: it had one open (`exec('BEGIN')`, `SAVEPOINT`) when the tab that owned the database
 * closed, crashed, was frozen or handed over to newer code, and that tab's connection rolled it back. Nothing of the
 * transaction was committed, and nothing more of it will be: every call of this tab rejects with this error (nothing
 * runs) until the tab ends the transaction. `exec('ROLLBACK')` is the acknowledgment: it resolves (there is nothing left
 * to roll back) and the tab goes on normally. `exec('COMMIT')` (or `END`) rejects with this error, since nothing can be
 * committed, and also ends it. Then start the transaction again from the beginning. A call that could have ended the
 * transaction (`COMMIT`, `END`, `ROLLBACK`) and whose owner stopped before answering rejects with `OUTCOME_UNKNOWN`
 * instead, and the tab holds no transaction after it: read whether it was committed before doing it again.
 *
 * @example
 * try { await db.exec('INSERT INTO notes (title) VALUES (?)', [title]); await db.exec('COMMIT') } catch (e) {
 *   if (e instanceof TransactionLostError) { await db.exec('ROLLBACK'); return retryWholeTransaction() }
 *   throw e
 * }
 */
export class TransactionLostError extends SqliteOpfsMigrateError {
  override name = 'TransactionLostError'
  override readonly code = 'TRANSACTION_LOST'
}

/**
 * The call could not be answered. `code` says why: `DATABASE_CLOSED` (the handle was closed, or its worker had to close
 * the connection after a save failed and the saved file could not be reopened, until the handle is opened again; the
 * call did not run; a failed restore is `RECOVERY_PENDING` instead, see `RecoveryPendingError`),
 * `WORKER_DIED` (this tab's worker died or was terminated; the call may or may not have run), or `OUTCOME_UNKNOWN`
 * (another tab owned the database and closed or crashed while running this tab's call: it may or may not have been
 * committed — read before retrying a write). Calls that the owner had not started yet are never rejected this way:
 * they run at the next owner, exactly once.
 */
export class DatabaseClosedError extends SqliteOpfsMigrateError {
  override name = 'DatabaseClosedError'
  override readonly code: 'DATABASE_CLOSED' | 'WORKER_DIED' | 'OUTCOME_UNKNOWN'
  constructor(code: DatabaseClosedError['code'], message: string, options?: { cause?: unknown }) {
    super(message, options)
    this.code = code
  }
}

/** OPFS (with sync access handles) is not available in this browser/context. Nothing was opened; no fallback is used. */
export class OpfsUnavailableError extends SqliteOpfsMigrateError {
  override name = 'OpfsUnavailableError'
  override readonly code = 'OPFS_UNAVAILABLE'
}
