/**
 * Types shared by the page (client) and the worker (host). Everything here crosses the worker boundary by structured
 * clone, so it is plain data: no classes, no functions (except `up`, which never leaves the worker).
 */

/** The subset of sqlite-wasm's oo1 `Database` a TypeScript migration receives. */
export type MigrationDatabase = import('@sqlite.org/sqlite-wasm').Database

/**
 * One schema step. Either SQL text or a synchronous `up(db)` function (for backfills written in TypeScript).
 *
 * @example
 * const migrations: Migration[] = [
 *   { version: 1, name: 'create_notes', sql: 'CREATE TABLE notes (id INTEGER PRIMARY KEY, title TEXT NOT NULL);' },
 *   { version: 2, name: 'backfill_titles', up(db) { db.exec("UPDATE notes SET title = trim(title)") } },
 * ]
 */
export type Migration = SqlMigration | CodeMigration

interface MigrationBase {
  /** Positive integer, unique and strictly increasing through the list; becomes `PRAGMA user_version`. */
  version: number
  /** Human name, e.g. `create_notes` (letters, digits, `_`, `-`, `.` and spaces). */
  name: string
  /**
   * `false` runs the migration outside a transaction (needed for `VACUUM`). Such a migration cannot be rolled back
   * statement by statement; a failure is undone by restoring the snapshot like any other. Default `true`.
   */
  transaction?: boolean
}

/** A migration written as SQL text (usually a `0001_name.sql` file). */
export interface SqlMigration extends MigrationBase {
  sql: string
  up?: never
}

/** A migration written as a synchronous function. It must not return a promise. */
export interface CodeMigration extends MigrationBase {
  up: (db: MigrationDatabase) => void
  sql?: never
}

/** A row of the history table `schema_migrations`. */
export interface AppliedMigration {
  version: number
  name: string
  /** sha-256 (hex) of the SQL text with CRLF normalised to LF; `null` for code migrations. */
  checksum: string | null
  /** ISO-8601 time the migration committed. */
  appliedAt: string
  durationMs: number
}

/** A migration the app ships that the database has not applied yet. */
export interface PendingMigration {
  version: number
  name: string
  kind: 'sql' | 'code'
  /** The SQL text, for SQL migrations (so a UI can show what will run). */
  sql?: string
  checksum: string | null
  transaction: boolean
}

/** Why a snapshot was taken. */
export type SnapshotReason = 'upgrade' | 'before-restore' | 'manual'

/** Metadata of a snapshot of the database file stored in IndexedDB. */
export interface SnapshotInfo {
  id: string
  database: string
  /** `PRAGMA user_version` of the file when the snapshot was taken. */
  fromVersion: number
  /** The version the upgrade that took it was heading to (equal to `fromVersion` for manual snapshots). */
  toVersion: number
  bytes: number
  /** sha-256 (hex) of the file bytes. */
  sha256: string
  /** ISO-8601 */
  createdAt: string
  reason: SnapshotReason
}

/** What `status()` reports. */
export interface DatabaseStatus {
  name: string
  /** Storage back-end, always `opfs-sahpool` for now. */
  vfs: string
  /** `PRAGMA user_version` of the file. */
  version: number
  /** Latest version among the app's migrations. */
  latestVersion: number
  applied: AppliedMigration[]
  pending: PendingMigration[]
  snapshots: SnapshotInfo[]
  /** File size in bytes. */
  bytes: number
}

/**
 * Progress of an open/upgrade/restore, delivered to `onProgress`. A tagged union on `type`.
 *
 * @example
 * onProgress(e) {
 *   if (e.type === 'migration-start') label.textContent = `Migration ${e.index + 1}/${e.total}: ${e.name}`
 * }
 */
export type ProgressEvent =
  | { type: 'quota-check'; requiredBytes: number; availableBytes: number | null }
  | { type: 'snapshot'; snapshotId: string; bytesWritten: number; totalBytes: number; done: boolean }
  | { type: 'migration-start'; index: number; total: number; version: number; name: string }
  | { type: 'migration-end'; index: number; total: number; version: number; name: string; durationMs: number }
  | { type: 'verify'; check: VerifyCheck; done: boolean; ok?: boolean }
  | { type: 'restore'; snapshotId: string; bytesRead: number; totalBytes: number; done: boolean; reason: RestoreReason }

/** Why a restore happened: a failed upgrade, an upgrade interrupted earlier (marker found), or an explicit call. */
export type RestoreReason = 'upgrade-failed' | 'interrupted-upgrade' | 'requested'

/** Integrity check run after an upgrade. */
export type VerifyCheck = 'quick_check' | 'integrity_check'

/** Result of a write through `exec` / `run`. */
export interface RunResult {
  /** Rows changed by the last statement. */
  changes: number
  /** `last_insert_rowid()` after the statement. */
  lastInsertRowid: number | bigint
}

/** A value SQLite can bind. */
export type SqlValue = string | number | bigint | boolean | null | Uint8Array
/** Positional (`?`) or named (`:name`, `$name`, `@name`) parameters. */
export type SqlParams = readonly SqlValue[] | Readonly<Record<string, SqlValue>>

/** What the page sends the worker to open a database (plain data; see `OpenDatabaseOptions` for docs). */
export interface OpenRequest {
  name: string
  acceptEditedMigrations: boolean | readonly number[]
  keepSnapshots: number
  verify: VerifyCheck | false
  foreignKeys: boolean
  minFreeBytes: number
  lockTimeoutMs: number
}

/** What a successful open tells the page. */
export interface OpenResult {
  /** `PRAGMA user_version` after the open. */
  version: number
  /** Latest version among the app's migrations. */
  latestVersion: number
  /** Migrations applied by this open (empty when it was already up to date). */
  appliedNow: AppliedMigration[]
  /** Set when this open found an interrupted upgrade and restored its snapshot before upgrading again. */
  recoveredFrom: SnapshotInfo | null
}

/** What `restoreSnapshot` reports. */
export interface RestoreResult {
  restored: SnapshotInfo
  /** The snapshot of the current file taken first (so the restore itself can be undone), or `null` when skipped. */
  undoSnapshot: SnapshotInfo | null
  version: number
}
