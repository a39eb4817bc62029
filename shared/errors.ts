import type { SnapshotInfo } from './types'

/**
 * Every error the library throws is a `SqliteOpfsMigrateError` with a stable `code`. Subclasses carry the facts an app
 * needs to react (versions, the failing statement, SQLite's result code). They cross the worker boundary intact (see
 * `call-result.ts`), so `instanceof` and the fields work on the page.
 *
 * @example
 * try {
 *   await openDatabase({ name: 'app.db', worker })
 * } catch (e) {
 *   if (e instanceof DatabaseTooNewError) alert(`Please reload: data is v${e.databaseVersion}, app knows v${e.latestVersion}`)
 *   else if (e instanceof MigrationFailedError) report(e.version, e.statement, e.sqliteCode)
 *   else throw e
 * }
 */
export class SqliteOpfsMigrateError extends Error {
  // Every class names itself in its body, with a literal (not `constructor.name`, which a minifier may rename), so
  // importing the library changes no prototype.
  override name = 'SqliteOpfsMigrateError'
  /** Stable, machine-readable identifier of the failure. Never changes between releases. */
  readonly code: string = 'UNKNOWN'
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options)
  }
}

/** `openDatabase` or a call got options it cannot use (bad database name, bad `keepSnapshots`…). */
export class InvalidOptionsError extends SqliteOpfsMigrateError {
  override name = 'InvalidOptionsError'
  override readonly code = 'INVALID_OPTIONS'
}

/** The migration list is invalid. Raised before the database is touched. */
export class InvalidMigrationsError extends SqliteOpfsMigrateError {
  override name = 'InvalidMigrationsError'
  override readonly code = 'INVALID_MIGRATIONS'
  constructor(
    message: string,
    /** Position in the list (or file name, from `migrationsFromGlob`) of the offending entry. */
    readonly entry: number | string,
    readonly version: number | null,
    readonly migrationName: string | null,
    /** 1-based line of the file where the problem is, when it is one line (a malformed goose/dbmate/sql-migrate file). */
    readonly line: number | null = null,
  ) {
    super(message)
  }
}

/**
 * A migration sets a connection setting that would take away crash safety or that ROLLBACK cannot undo
 * (`journal_mode` OFF/MEMORY/WAL, `synchronous = OFF`, `locking_mode`, `writable_schema = ON`). A SQL migration is
 * refused at open, before anything is written (and by the build-time check); a code migration (`up(db)`) when it
 * prepares the statement, which then fails its upgrade (`MigrationFailedError` with this error as `cause`; restored).
 *
 * @example
 * try { db = await openDatabase({ name: 'app.db', worker }) } catch (e) {
 *   if (e instanceof UnsafePragmaError) console.error(`remove PRAGMA ${e.pragma} from migration ${e.version}`)
 * }
 */
export class UnsafePragmaError extends SqliteOpfsMigrateError {
  override name = 'UnsafePragmaError'
  override readonly code = 'UNSAFE_PRAGMA'
  constructor(
    message: string,
    readonly version: number,
    readonly migrationName: string,
    /** The PRAGMA statement (`null` inside a code migration, where only SQLite's view of it is known). */
    readonly statement: string | null,
    /** Lowercase name of the pragma, and the value it was given. */
    readonly pragma: string,
    readonly value: string,
  ) {
    super(message)
  }
}

/** OPFS (with sync access handles) is not available in this browser/context. Nothing was opened; no fallback is used. */
export class OpfsUnavailableError extends SqliteOpfsMigrateError {
  override name = 'OpfsUnavailableError'
  override readonly code = 'OPFS_UNAVAILABLE'
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

/** An applied SQL migration has been edited since (its checksum differs). Pass `acceptEditedMigrations` to accept. */
export class MigrationEditedError extends SqliteOpfsMigrateError {
  override name = 'MigrationEditedError'
  override readonly code = 'MIGRATION_EDITED'
  constructor(
    message: string,
    readonly version: number,
    readonly migrationName: string,
    readonly appliedChecksum: string,
    readonly currentChecksum: string,
  ) {
    super(message)
  }
}

/**
 * The history table disagrees with the app's migrations or with `PRAGMA user_version` (a migration was removed or
 * renamed, one was inserted below the applied version, or the file was versioned by another tool). Untouched.
 */
export class HistoryMismatchError extends SqliteOpfsMigrateError {
  override name = 'HistoryMismatchError'
  override readonly code = 'HISTORY_MISMATCH'
  constructor(
    message: string,
    readonly version: number | null,
  ) {
    super(message)
  }
}

/**
 * Not enough storage: for an upgrade's snapshot (checked before anything is written; both figures known), or to open
 * the OPFS storage at all (the browser refused with `QuotaExceededError`; figures `null`).
 */
export class InsufficientStorageError extends SqliteOpfsMigrateError {
  override name = 'InsufficientStorageError'
  override readonly code = 'INSUFFICIENT_STORAGE'
  constructor(
    message: string,
    readonly requiredBytes: number | null,
    readonly availableBytes: number | null,
    options?: { cause?: unknown },
  ) {
    super(message, options)
  }
}

/**
 * A snapshot could not be written, read, found, verified or restored. `SNAPSHOT_NOT_RESTORABLE`: its bytes are intact
 * but are not a database this library can put back (e.g. the kept copy of a damaged file, or a file whose history is
 * not this library's); refused before anything was touched, and `cause` is the `InvalidDatabaseFileError` saying why.
 */
export class SnapshotError extends SqliteOpfsMigrateError {
  override name = 'SnapshotError'
  override readonly code: 'SNAPSHOT_WRITE_FAILED' | 'SNAPSHOT_NOT_FOUND' | 'SNAPSHOT_CORRUPT' | 'SNAPSHOT_NOT_RESTORABLE' | 'RESTORE_FAILED'
  constructor(
    code: SnapshotError['code'],
    message: string,
    readonly snapshotId: string | null,
    options?: { cause?: unknown },
  ) {
    super(message, options)
    this.code = code
  }
}

/**
 * A migration (or the verification after it) failed. The file has been restored from the snapshot to
 * `restoredToVersion`, exactly as it was before the upgrade.
 */
export class MigrationFailedError extends SqliteOpfsMigrateError {
  override name = 'MigrationFailedError'
  override readonly code = 'MIGRATION_FAILED'
  constructor(
    message: string,
    readonly details: {
      /** `migration`: the step itself failed; `verification`: the integrity check after the last step failed. */
      phase: 'migration' | 'verification'
      version: number
      migrationName: string
      /** The SQL statement that failed (`null` for code migrations and verification). */
      statement: string | null
      /** SQLite's (extended) result code, when SQLite raised the error. */
      sqliteCode: number | null
      sqliteMessage: string
      /**
       * The migration ran longer than `migrationTimeLimitMs` and was stopped (`sqliteCode` 9, SQLITE_INTERRUPT;
       * `statement` is the one SQLite was running, if any). `false` for every other failure.
       */
      timedOut: boolean
      /** Version of the file after the restore (the version before the upgrade). */
      restoredToVersion: number
      snapshotId: string
    },
    options?: { cause?: unknown },
  ) {
    super(message, options)
  }
  get version(): number {
    return this.details.version
  }
  get statement(): string | null {
    return this.details.statement
  }
  get sqliteCode(): number | null {
    return this.details.sqliteCode
  }
  get restoredToVersion(): number {
    return this.details.restoredToVersion
  }
  get timedOut(): boolean {
    return this.details.timedOut
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

/**
 * The database file itself is damaged, so it was not opened (nor migrated, nor changed). `reason`:
 * `not-a-database` (no SQLite header: overwritten), `malformed` (SQLite found a damaged page) or `emptied` (the file is
 * empty although this library last left it with content: OPFS lost it). `snapshots` are this database's snapshots,
 * newest first. The way out: open again with `restoreFrom: <snapshot id>`, which first keeps the damaged file as a
 * snapshot of its own (reason `before-restore`, so it can still be exported with `exportSnapshot`), then restores.
 *
 * @example
 * try { db = await openDatabase({ name, worker }) } catch (e) {
 *   if (!(e instanceof DatabaseCorruptError) || !e.snapshots[0]) throw e
 *   db = await openDatabase({ name, worker, restoreFrom: e.snapshots[0].id })
 * }
 */
export class DatabaseCorruptError extends SqliteOpfsMigrateError {
  override name = 'DatabaseCorruptError'
  override readonly code = 'DATABASE_CORRUPT'
  constructor(
    message: string,
    readonly reason: 'not-a-database' | 'malformed' | 'emptied',
    /** SQLite's result code when SQLite found the damage (26 SQLITE_NOTADB, 11 SQLITE_CORRUPT). */
    readonly sqliteCode: number | null,
    readonly snapshots: SnapshotInfo[],
    options?: { cause?: unknown },
  ) {
    super(message, options)
  }
}

/**
 * A file given to `importDatabase` (or to the CLI) was refused; the current database is untouched. `reason` says why:
 * `empty`, `not-sqlite` (no SQLite header), `corrupt` (truncated, unreadable or failing `quick_check`), `unsupported`
 * (WAL mode, which this build cannot keep, or file format versions above 2), `unexpected-schema` (its
 * `schema_migrations` is not this library's history table: a view, another definition, or hooked by a trigger, index,
 * view or foreign key), `timed-out` (checking it took too long: a file built to hang the check), `too-new` (a version
 * above the app's latest migration) or `history-mismatch` (its `schema_migrations` does not match the app's migrations).
 *
 * @example
 * try { await db.importDatabase(file) } catch (e) {
 *   if (e instanceof InvalidDatabaseFileError) alert(`Not imported (${e.reason}): ${e.message}`)
 * }
 */
export class InvalidDatabaseFileError extends SqliteOpfsMigrateError {
  override name = 'InvalidDatabaseFileError'
  override readonly code = 'INVALID_DATABASE_FILE'
  constructor(
    readonly reason:
      'empty' | 'not-sqlite' | 'corrupt' | 'unsupported' | 'unexpected-schema' | 'timed-out' | 'too-new' | 'history-mismatch',
    message: string,
    options?: { cause?: unknown },
  ) {
    super(message, options)
  }
}

/**
 * A write committed in memory could not be saved to IndexedDB (`storage: 'indexeddb'`), so it was undone: the database
 * is exactly what was last saved, as it would be after a reload. `quota` tells a full disk (`QuotaExceededError`) from
 * any other refusal (site data cleared, connection closed). Nothing earlier is lost; the app may retry the write.
 *
 * @example
 * try { await db.exec('INSERT INTO notes (title) VALUES (?)', [title]) } catch (e) {
 *   if (e instanceof WriteNotSavedError) toast(e.quota ? 'Storage is full: the note was not saved' : 'Not saved, try again')
 * }
 */
export class WriteNotSavedError extends SqliteOpfsMigrateError {
  override name = 'WriteNotSavedError'
  override readonly code = 'WRITE_NOT_SAVED'
  constructor(
    message: string,
    readonly quota: boolean,
    options?: { cause?: unknown },
  ) {
    super(message, options)
  }
}

/**
 * The database already lives in the other storage than the one asked for (`storage: 'opfs'` for a database kept in
 * IndexedDB, or the reverse). Opening it there would start an empty database beside the real one, so nothing was opened.
 * Open it with the storage it lives in (or `'auto'`, which follows the data); to move it, export it there and import it.
 *
 * @example
 * try { db = await openDatabase({ name, worker, storage: 'opfs' }) } catch (e) {
 *   if (e instanceof StorageMismatchError) db = await openDatabase({ name, worker, storage: e.found })
 * }
 */
export class StorageMismatchError extends SqliteOpfsMigrateError {
  override name = 'StorageMismatchError'
  override readonly code = 'STORAGE_MISMATCH'
  constructor(
    message: string,
    readonly requested: 'opfs' | 'indexeddb',
    readonly found: 'opfs' | 'indexeddb',
  ) {
    super(message)
  }
}

/**
 * A change of the file could not be finished: restoring the snapshot after a failed upgrade failed
 * (`what: 'restore-failed'`), or the file is right but its upgrade or restore marker could not be cleared
 * (`'marker-not-cleared'`). The marker stays, so the next open restores `snapshotId`; until then every write is refused
 * with this error, because a write now would be overwritten by that restore. Reads and `exportDatabase` still work
 * while the connection is open; when the file itself could not be written (`restore-failed` with the connection left
 * closed), every call gets this error.
 * Close the database and open it again: the open finishes the recovery (`recoveredFrom` names the snapshot) and runs
 * the pending migrations again.
 *
 * @example
 * try { await db.exec('INSERT INTO notes (title) VALUES (?)', [title]) } catch (e) {
 *   if (e instanceof RecoveryPendingError) { await db.close(); db = await openDatabase({ name, worker }) }
 * }
 */
export class RecoveryPendingError extends SqliteOpfsMigrateError {
  override name = 'RecoveryPendingError'
  override readonly code = 'RECOVERY_PENDING'
  constructor(
    message: string,
    readonly what: 'restore-failed' | 'marker-not-cleared',
    /** The snapshot the next open restores. */
    readonly snapshotId: string,
    options?: { cause?: unknown },
  ) {
    super(message, options)
  }
}

/**
 * A record this library keeps in IndexedDB (the snapshot index, the upgrade marker, the file state, an IndexedDB-kept
 * database's image manifest, the last failure) was written in a format newer than this release knows: a newer version
 * of the app wrote it (in another tab, or before a deploy was rolled back). It is not read, and nothing of the database
 * or its records is changed, so the newer version still finds everything as it left it. Load the newer app (reload).
 *
 * @example
 * try { db = await openDatabase({ name: 'app.db', worker }) } catch (e) {
 *   if (e instanceof UnsupportedFormatError) alert(`Reload: a newer version stored this data (${e.record} v${e.foundVersion})`)
 * }
 */
export class UnsupportedFormatError extends SqliteOpfsMigrateError {
  override name = 'UnsupportedFormatError'
  override readonly code = 'UNSUPPORTED_FORMAT'
  constructor(
    message: string,
    readonly database: string,
    /** Which record: its key's first element (`snapshots`, `marker`, `file-state`, `image`, `last-failure`). */
    readonly record: 'snapshots' | 'marker' | 'file-state' | 'image' | 'last-failure',
    /** The record's `formatVersion`; `null` when it holds no version number this library could have written. */
    readonly foundVersion: number | null,
    /** The newest format of that record this release reads. */
    readonly supportedVersion: number,
  ) {
    super(message)
  }
}

/** Every exported error class, by its `name`; used to rebuild errors that crossed the worker boundary. */
export const errorClasses = {
  DatabaseCorruptError,
  SqliteOpfsMigrateError,
  InvalidOptionsError,
  InvalidMigrationsError,
  OpfsUnavailableError,
  DatabaseLockedError,
  DatabaseTooNewError,
  MigrationEditedError,
  HistoryMismatchError,
  InsufficientStorageError,
  SnapshotError,
  MigrationFailedError,
  SqliteError,
  TransactionOpenError,
  TransactionLostError,
  DatabaseClosedError,
  InvalidDatabaseFileError,
  WriteNotSavedError,
  StorageMismatchError,
  UnsafePragmaError,
  RecoveryPendingError,
  UnsupportedFormatError,
} as const
