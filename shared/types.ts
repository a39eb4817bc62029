/**
 * Types shared by the page (client) and the worker (host). Everything here crosses the worker boundary by structured
 * clone, so it is plain data: no classes, no functions (except `up`, which never leaves the worker).
 */

import type { SchemaCheck } from './schema-types'
export type * from './schema-types'

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
  /** sha-256 (hex) of `sql` as `checksumSql` computes it, when known ahead (the Vite plugin computes it at build time). */
  checksum?: string
  up?: never
}

/** A migration written as a synchronous function. It must not return a promise. */
export interface CodeMigration extends MigrationBase {
  up: (db: MigrationDatabase) => void
  sql?: never
  checksum?: never
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
  /** `true` when the migration was not run but recorded as already in the file, when the database was adopted (`baseline`). */
  baseline: boolean
  /**
   * Fingerprint (sha-256 hex of the normalised schema, see `SchemaShape`) the migration left, computed in its
   * transaction; `null` for baseline rows and rows written by library versions before fingerprints.
   */
  schemaFingerprint: string | null
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

/**
 * Why a snapshot was taken: before an upgrade, before a restore or an import (so it can be undone), on request, or to
 * hold an imported file (the import is restored from it, so a crash mid-import is finished at the next open).
 */
export type SnapshotReason = 'upgrade' | 'before-restore' | 'manual' | 'before-import' | 'import'

/** Metadata of a snapshot of the database file stored in IndexedDB. */
export interface SnapshotInfo {
  id: string
  database: string
  /** `PRAGMA user_version` of the file when the snapshot was taken. */
  fromVersion: number
  /** The version the upgrade that took it was heading to (equal to `fromVersion` for manual snapshots). */
  toVersion: number
  bytes: number
  /**
   * sha-256 (hex) of the file when it is at most one chunk (8 MiB); for a larger file, the sha-256 of its chunks'
   * sha-256 digests, concatenated (a hash list). Equal files have equal checksums.
   */
  checksum: string
  /** Size of the chunks the snapshot is stored and checked in (8 MiB). */
  chunkBytes: number
  /** sha-256 (hex) of each chunk, checked before a restore writes anything. */
  chunkSha256: string[]
  /** ISO-8601 */
  createdAt: string
  reason: SnapshotReason
}

/** What `status()` reports. */
export interface DatabaseStatus {
  name: string
  /** SQLite's VFS under the database: `opfs-sahpool` (OPFS) or `memdb` (in memory, saved to IndexedDB). */
  vfs: string
  /** Where the database lives, and why (see `StorageInfo`). */
  storage: StorageInfo
  /** `PRAGMA user_version` of the file. */
  version: number
  /** Latest version among the app's migrations. */
  latestVersion: number
  applied: AppliedMigration[]
  pending: PendingMigration[]
  snapshots: SnapshotInfo[]
  /** File size in bytes. */
  bytes: number
  /** The last upgrade that failed (kept until an upgrade succeeds), or `null`. */
  lastFailure: UpgradeFailure | null
  /** Which tab owns the database, and how many are connected. */
  tabs: TabsInfo
  /** Whether the schema is what the migrations left, or was changed outside them (see `SchemaCheck`). */
  schema: SchemaCheck
}

/**
 * A failed upgrade, as recorded in IndexedDB next to the snapshots: what failed, where, and what was put back.
 *
 * @example
 * const { lastFailure } = await db.status()
 * if (lastFailure) console.warn(`${lastFailure.code} at migration ${lastFailure.version}: ${lastFailure.message}`)
 */
export interface UpgradeFailure {
  /** ISO-8601 time of the failure. */
  at: string
  /** The `code` of the error the app was given (`MIGRATION_FAILED`, `RESTORE_FAILED`, `INSUFFICIENT_STORAGE`, …). */
  code: string
  /** The class name of that error, e.g. `MigrationFailedError`. */
  errorName: string
  message: string
  fromVersion: number
  toVersion: number
  /**
   * `preparation`: before any change (quota, snapshot); `migration` / `verification`: see `MigrationFailedError`;
   * `completion`: every migration committed but the marker could not be cleared (`RECOVERY_PENDING`: the next open
   * restores the snapshot and upgrades again).
   */
  phase: 'preparation' | 'migration' | 'verification' | 'completion'
  /** The migration that failed, when one did. */
  version: number | null
  migrationName: string | null
  statement: string | null
  sqliteCode: number | null
  /** The migration ran past `migrationTimeLimitMs` and was stopped (see `MigrationFailedError`). */
  timedOut: boolean
  /** The version the file was put back to, `null` when nothing had changed or the restore failed. */
  restoredToVersion: number | null
  /** The snapshot taken before the upgrade, when one was. */
  snapshotId: string | null
}

/** A column of a table or view, from `PRAGMA table_xinfo`. */
export interface ColumnInfo {
  name: string
  /** Declared type, `''` when none. */
  type: string
  notNull: boolean
  /** The default as SQL text, or `null`. */
  defaultValue: string | null
  /** 1-based position in the primary key, 0 when not part of it. */
  primaryKey: number
  /** 0 normal, 1 hidden (virtual tables), 2 or 3 generated. */
  hidden: number
}

/** An entry of `sqlite_schema` (internal `sqlite_*` objects left out), with columns and row counts for tables. */
export interface SchemaObject {
  type: 'table' | 'view' | 'index' | 'trigger'
  name: string
  /** The table an index or trigger belongs to (the object's own name for tables and views). */
  tableName: string
  /** The `CREATE` statement, `null` for automatic indexes. */
  sql: string | null
  /** Columns of tables and views, `[]` for indexes and triggers. */
  columns: ColumnInfo[]
  /** `count(*)` of tables, `null` for the rest. */
  rowCount: number | null
}

/** A row `PRAGMA foreign_key_check` reported: it points at a parent row that does not exist. */
export interface ForeignKeyViolation {
  table: string
  rowid: number | null
  parent: string
  /** Index of the foreign key in `PRAGMA foreign_key_list(table)`. */
  foreignKey: number
}

/** What `integrityCheck()` found. */
export interface IntegrityReport {
  /** `true` when `integrity_check` said `ok` and `foreign_key_check` found nothing. */
  ok: boolean
  /** Lines of `PRAGMA integrity_check` (`['ok']` for a sound file; at most 100 lines). */
  integrity: string[]
  foreignKeys: ForeignKeyViolation[]
  durationMs: number
}

/** One pending migration as a dry run saw it. */
export interface DryRunStep {
  version: number
  name: string
  kind: 'sql' | 'code'
  /** `skipped`: an earlier step failed, so this one was not tried. */
  outcome: 'applied' | 'failed' | 'skipped'
  durationMs: number | null
  /** Rows the step inserted, updated or deleted (its history row not counted); `null` unless applied. */
  changes: number | null
  /** The schema right after the step, when asked for (`sqlite-opfs-migrate plan` does). */
  schemaAfter?: SchemaObject[]
  error: { message: string; statement: string | null; sqliteCode: number | null } | null
}

/** What `dryRun()` found, on an in-memory copy; the real file is not touched. */
export interface DryRunResult {
  fromVersion: number
  /** The version the copy reached (the last applied step's). */
  reachedVersion: number
  latestVersion: number
  /** Every step applied and the configured integrity check passed. */
  ok: boolean
  steps: DryRunStep[]
  /** The integrity check after the last step, like a real upgrade runs it; `null` when skipped or not configured. */
  verify: { check: VerifyCheck; ok: boolean; messages: string[] } | null
  /** The schema of the copy after the run. */
  schema: SchemaObject[]
  durationMs: number
}

/** What `importDatabase()` reports. */
export interface ImportResult {
  /** The snapshot holding the imported bytes (restoring it again re-imports the file). */
  imported: SnapshotInfo
  /** The snapshot of the database as it was before the import (restore it to undo the import). */
  undoSnapshot: SnapshotInfo
  /** `PRAGMA user_version` of the imported file; migrations above it are pending until `migrate()` or the next open. */
  version: number
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
export type RestoreReason = 'upgrade-failed' | 'interrupted-upgrade' | 'requested' | 'import'

/** Integrity check run after an upgrade. */
export type VerifyCheck = 'quick_check' | 'integrity_check'

/** Result of a write through `exec` / `run`. */
export interface RunResult {
  /** Rows changed by the last statement. */
  changes: number
  /** `last_insert_rowid()` after the statement. */
  lastInsertRowid: number | bigint
}

/** Options of `DatabaseHandle.execute`. */
export interface ExecuteOptions {
  /** `'object'` (default): each row keyed by column name; `'array'`: each row its values in column order. */
  rowMode?: 'object' | 'array'
}

/** What `DatabaseHandle.execute` returns: the rows of a statement and the changes it made, together. */
export interface ExecuteResult<Row = Record<string, SqlValue>> {
  /** The rows (of every statement that returned some), as objects or arrays (`rowMode`). */
  rows: Row[]
  /** The result's column names, in order (of the last statement that has columns; empty for none). */
  columns: string[]
  /** Rows changed by the statements (`sqlite3_total_changes` before and after: triggers' changes count too). */
  changes: number
  /** `last_insert_rowid()` after the statements. */
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
  /** Milliseconds each migration may run (0: no limit); see `OpenDatabaseOptions.migrationTimeLimitMs`. */
  migrationTimeLimitMs: number
  lockTimeoutMs: number
  ownerTimeoutMs: number
  autoMigrate: boolean
  restoreFrom: string | null
  /** Where the database may live; see `OpenDatabaseOptions.storage`. */
  storage: StorageChoice
  /** Identifies this tab's connection among the database's tabs. */
  tabId: string
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
  /**
   * `'this-tab'` when this tab's worker owns the database file; `'another-tab'` when another tab does and serves this
   * tab's calls (`appliedNow` and `recoveredFrom` then tell what that tab's open did while this one waited for it).
   */
  servedBy: 'this-tab' | 'another-tab'
  /** Where the database lives, and why (see `StorageInfo`). */
  storage: StorageInfo
}

/**
 * Where a database may live (`OpenDatabaseOptions.storage`): `'opfs'` (the default) keeps the file in OPFS and refuses
 * engines without OPFS sync access handles; `'indexeddb'` keeps it in memory in the worker and saves it to IndexedDB
 * at every committed write; `'auto'` uses OPFS where it works and IndexedDB elsewhere, and follows a database that
 * already lives in one of them.
 */
export type StorageChoice = 'opfs' | 'indexeddb' | 'auto'

/**
 * Where a database lives, as `status()` and the open result report it.
 *
 * @example
 * const { storage } = await db.status()
 * if (storage.fallbackReason) console.warn(`kept in IndexedDB: ${storage.fallbackReason}`)
 */
export interface StorageInfo {
  /** `opfs`: a file in the origin private file system; `indexeddb`: in memory, saved to IndexedDB at every commit. */
  kind: 'opfs' | 'indexeddb'
  /** What the app asked for. */
  requested: StorageChoice
  /**
   * With `'auto'`, why the database is not in OPFS: the error OPFS gave (no sync access handles in this engine or
   * window), or that the database already lived in IndexedDB. `null` when it is where the app asked, or in OPFS.
   */
  fallbackReason: string | null
}

/**
 * Sent to `onVersionChange` when this tab's code is about to be, or already is, older than the database: a tab with
 * newer migrations took the database over (this tab's calls wait for it, then fail with `DatabaseTooNewError` once it
 * upgraded), or the database already is newer. Tell the user to reload.
 *
 * @example
 * openDatabase({ ..., onVersionChange: (e) => showBanner(`A newer version (v${e.newVersion}) is open in another tab: reload`) })
 */
export interface VersionChangeEvent {
  type: 'versionchange'
  /** `'newer-tab'`: a tab whose code knows `newVersion` asked for the database. `'database-newer'`: it is at `newVersion`. */
  reason: 'newer-tab' | 'database-newer'
  /** The latest migration version this tab's code knows. */
  knownVersion: number
  newVersion: number
}

/** Who serves the database, as `status().tabs` reports it. */
export interface TabsInfo {
  /** Id of the tab whose worker owns the database file and runs every tab's calls. */
  ownerTab: string
  /** Id of this tab's connection. */
  thisTab: string
  /** Whether this tab is the owner. */
  isOwner: boolean
  /** How many tabs (connections) have this database open, this one included. */
  connected: number
}

/** What `restoreSnapshot` reports. */
export interface RestoreResult {
  restored: SnapshotInfo
  /** The snapshot of the current file taken first (so the restore itself can be undone), or `null` when skipped. */
  undoSnapshot: SnapshotInfo | null
  version: number
}
