import type {
  AppliedMigration,
  DatabaseStatus,
  DryRunResult,
  ExecuteOptions,
  ExecuteResult,
  ImportResult,
  IntegrityReport,
  OpenResult,
  RestoreResult,
  RunResult,
  SchemaObject,
  SnapshotInfo,
  SqlParams,
  SqlValue,
} from '../shared/types'
import type { BatchStatement } from '../shared/worker-api'
import type { WorkerConnection } from './worker-connection'

/**
 * An open database, served by its worker. Every method returns a promise that rejects with a typed error
 * (`SqliteError`, `SnapshotError`, `DatabaseClosedError`, …) and never hangs, even if the worker dies.
 * Each method is one call of `METHODS` (shared/worker-protocol.ts), typed from its row.
 *
 * @example
 * const notes = await db.query<{ id: number; title: string }>('SELECT id, title FROM notes WHERE done = ?', [0])
 * await db.exec('INSERT INTO notes (title) VALUES (?)', ['Buy milk'])
 * await db.close()
 */
export class DatabaseHandle {
  readonly #connection: WorkerConnection

  /** @internal Created by `openDatabase`. */
  constructor(
    readonly name: string,
    /** What happened at open: the version reached, the migrations it applied, a recovery from an interrupted upgrade. */
    readonly opened: OpenResult,
    connection: WorkerConnection,
  ) {
    this.#connection = connection
  }

  /** Runs a statement and returns its rows as objects keyed by column name. */
  query<Row = Record<string, SqlValue>>(sql: string, params?: SqlParams): Promise<Row[]> {
    return this.#connection.call((w) => w.query(sql, params)) as Promise<Row[]>
  }

  /** Runs one or more statements (parameters bind to the first statement that has any); returns the changes made. */
  exec(sql: string, params?: SqlParams): Promise<RunResult> {
    return this.#connection.call((w) => w.exec(sql, params))
  }

  /**
   * Runs SQL and returns its rows, their column names and the changes it made, in one call: what a query builder needs
   * (`INSERT … RETURNING` has both rows and changes). Rows are objects, or arrays in column order with
   * `rowMode: 'array'`. Like `exec`, it may begin or end this tab's transaction.
   *
   * @example
   * const { rows, changes } = await db.execute('UPDATE notes SET done = 1 WHERE id = ? RETURNING id', [7])
   * const { rows: values, columns } = await db.execute('SELECT id, title FROM notes', [], { rowMode: 'array' })
   */
  execute<Row = Record<string, SqlValue>>(sql: string, params?: SqlParams, options?: ExecuteOptions): Promise<ExecuteResult<Row>> {
    return this.#connection.call((w) => w.execute(sql, params, options)) as Promise<ExecuteResult<Row>>
  }

  /**
   * Runs statements in one transaction: all of them or none.
   *
   * @example
   * await db.batch([{ sql: 'INSERT INTO notes (title) VALUES (?)', params: ['a'] }, { sql: 'DELETE FROM notes WHERE id = 1' }])
   */
  batch(statements: readonly BatchStatement[]): Promise<RunResult[]> {
    return this.#connection.call((w) => w.batch(statements))
  }

  /** Name, version, latest known version, applied history, pending migrations, snapshots and file size. */
  status(): Promise<DatabaseStatus> {
    return this.#connection.call((w) => w.status())
  }

  /** Snapshots of this database kept in IndexedDB, newest first. */
  snapshots(): Promise<SnapshotInfo[]> {
    return this.#connection.call((w) => w.snapshots())
  }

  /** Takes a snapshot of the file now (`reason: 'manual'`). Manual snapshots count towards `keepSnapshots`. */
  snapshot(): Promise<SnapshotInfo> {
    return this.#connection.call((w) => w.snapshot())
  }

  /**
   * Puts the file back exactly as a snapshot holds it (checked against its sha-256). By default the current file is
   * snapshotted first, so the restore can itself be undone. The database stays at the snapshot's version: pending
   * migrations run at the next open, or now with `migrate()`.
   *
   * @example
   * const [latest] = await db.snapshots()
   * const { version } = await db.restoreSnapshot(latest.id)
   */
  restoreSnapshot(id: string, options: { snapshotCurrent?: boolean } = {}): Promise<RestoreResult> {
    return this.#connection.call((w) => w.restoreSnapshot(id, { snapshotCurrent: options.snapshotCurrent ?? true }))
  }

  /** Deletes a snapshot; resolves to whether it existed. */
  deleteSnapshot(id: string): Promise<boolean> {
    return this.#connection.call((w) => w.deleteSnapshot(id))
  }

  /** Applies pending migrations now (e.g. after `restoreSnapshot`), with the same snapshot and restore as at open. */
  migrate(): Promise<AppliedMigration[]> {
    return this.#connection.call((w) => w.migrate())
  }

  /** The database file as a Blob (a valid SQLite file, e.g. to download as `.sqlite`). */
  exportDatabase(): Promise<Blob> {
    return this.#connection.call((w) => w.exportDatabase())
  }

  /**
   * Applies the pending migrations to an in-memory copy of the database and reports, per migration, whether it
   * applied (and how long it took) or failed (with the statement and SQLite code), then the integrity check and the
   * schema of the copy. The real file is not touched. Rejects like an upgrade's history check would
   * (`MigrationEditedError`, `HistoryMismatchError`). Needs memory for one copy of the file.
   *
   * @example
   * const run = await db.dryRun()
   * if (!run.ok) console.warn(run.steps.find((s) => s.outcome === 'failed'))
   */
  dryRun(): Promise<DryRunResult> {
    return this.#connection.call((w) => w.dryRun())
  }

  /**
   * Replaces the database with an SQLite file (e.g. from `<input type="file">`). The file is checked first (SQLite
   * header, `quick_check`, a version and a history this app's migrations accept); a refused file rejects with
   * `InvalidDatabaseFileError` and the database is untouched. The current database is snapshotted first, so
   * `restoreSnapshot(result.undoSnapshot.id)` undoes the import. Pending migrations run at `migrate()` or the next open.
   *
   * @example
   * const [file] = input.files!
   * const { version } = await db.importDatabase(file)
   */
  importDatabase(file: Blob): Promise<ImportResult> {
    return this.#connection.call((w) => w.importDatabase(file))
  }

  /**
   * Runs `PRAGMA integrity_check` and `PRAGMA foreign_key_check`.
   *
   * @example
   * const { ok, integrity, foreignKeys } = await db.integrityCheck()
   */
  integrityCheck(): Promise<IntegrityReport> {
    return this.#connection.call((w) => w.integrityCheck())
  }

  /**
   * Tables (with columns and row counts), views, indexes and triggers.
   *
   * @example
   * const tables = (await db.schema()).filter((o) => o.type === 'table').map((t) => `${t.name}: ${t.rowCount} rows`)
   */
  schema(): Promise<SchemaObject[]> {
    return this.#connection.call((w) => w.schema())
  }

  /**
   * A snapshot's bytes as a Blob (checked against its sha-256), e.g. to download as `.sqlite`.
   *
   * @example
   * const blob = await db.exportSnapshot(snapshot.id)
   */
  exportSnapshot(id: string): Promise<Blob> {
    return this.#connection.call((w) => w.exportSnapshot(id))
  }

  /** Closes the database and ends its worker. Safe to call twice. */
  close(): Promise<void> {
    return this.#connection.close(true)
  }

  /** Whether the handle can still be used (false after `close()` or if the worker died). */
  get isOpen(): boolean {
    return this.#connection.open
  }
}
