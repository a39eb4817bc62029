// Errors about the app's migrations: an invalid list, a migration that failed, a history that does not match.
import { SqliteOpfsMigrateError } from './library-error'

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
