// Errors about the file and what is kept of it: room, snapshots, damage, imports, saving, storage and stored formats.
import type { SnapshotInfo } from '../types'
import { SqliteOpfsMigrateError } from './library-error'

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
 * Also a record of a layout no release wrote (`foundVersion: null`), e.g. one left by a pre-release build.
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
