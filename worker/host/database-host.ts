import { planUpgrade, type UpgradePlan } from '../../core/runner/baseline'
import { dryRun } from '../../core/runner/dry-run'
import { readHistory } from '../../core/runner/history'
import { type MigrationSetOptions, type PreparedMigrations, prepareMigrations, recordBaseline } from '../../core/runner/runner'
import { describeSchema } from '../../core/schema/schema'
import { checkSchema } from '../../core/schema/schema-fingerprint'
import { checkIntegrity } from '../../core/sqlite/integrity-check'
import { readOnlyGuard, SQLITE_AUTH } from '../../core/sqlite/read-only-guard'
import { messageOf, sqliteCodeOf } from '../../core/sqlite/sqlite'
import { withTimeLimit } from '../../core/sqlite/time-limit'
import { DatabaseCorruptError, InvalidOptionsError, SqliteError } from '../../shared/errors'
import type {
  AppliedMigration,
  DatabaseStatus,
  DryRunResult,
  ExecuteOptions,
  ExecuteResult,
  ImportResult,
  IntegrityReport,
  Migration,
  OpenRequest,
  OpenResult,
  PendingMigration,
  ProgressEvent,
  RunResult,
  SchemaObject,
  SnapshotInfo,
  SqlParams,
  SqlValue,
  StorageInfo,
} from '../../shared/types'
import { type BatchStatement, DATABASE_NAME } from '../../shared/worker-api'
import { type MethodArgs, type MethodResult, type RemoteMethod, rulesOf } from '../../shared/worker-protocol'
import { deleteSnapshot, findSnapshot, listSnapshots, loadVerifiedBlob, snapshotStore } from '../records/snapshot-store'
import { readLastFailure } from '../records/upgrade-failure'
import { readOpenState, recordFileState } from '../records/upgrade-marker'
import { openStorage } from '../storage/storage'
import {
  corruptError,
  damageOf,
  ensureNotTooNew,
  KEEP_CURRENT_FILE,
  keepCurrentFile,
  recoverInterrupted,
  restoreAtOpen,
} from './damaged-file'
import { DatabaseFile } from './database-file'
import { importDatabase } from './import-database'
import { loadSqlite } from './load-sqlite'
import { upgrade } from './upgrade'

/** The app's migrations and what goes with them (see `serveDatabase`). */
export interface AppMigrations extends MigrationSetOptions {
  migrations: readonly Migration[]
}

/** What `openHost` opens, and for whom. */
export interface OpenHostOptions {
  request: OpenRequest
  app: AppMigrations
  /** Reports the open's progress (recovery, upgrade), and later the snapshots and restores. */
  emit: (event: ProgressEvent) => void
}

/**
 * Opens (and upgrades) one database in this worker, whose owner lock the caller holds (and keeps: on failure the file
 * and its storage are closed, never the lock). Work that does not depend on the file (validating migrations, hashing
 * them, reading the upgrade marker) runs while sqlite-wasm loads, so an up-to-date open costs what a raw open costs
 * plus two small reads.
 *
 * @example
 * const { host, result } = await openHost({ request, app: { migrations }, emit: (event) => console.log(event) })
 */
export async function openHost({ request, app, emit }: OpenHostOptions): Promise<{ host: DatabaseHost; result: OpenResult }> {
  if (typeof request?.name !== 'string' || !DATABASE_NAME.test(request.name))
    throw new InvalidOptionsError(`database name must match ${DATABASE_NAME}, got ${JSON.stringify(request?.name)}`)
  const store = snapshotStore()
  const stateRead = readOpenState(store, request.name).then(
    (state) => ({ state }),
    (error: unknown) => ({ error }),
  )
  const [prepared, sqlite3] = await Promise.all([prepareMigrations(app.migrations, app), loadSqlite()])
  const read = await stateRead
  if ('error' in read) throw read.error
  let opened: Awaited<ReturnType<typeof openStorage>>
  try {
    opened = await openStorage({ sqlite3, request, store, known: read.state })
  } catch (error) {
    // An IndexedDB image too damaged to load: the same error as a damaged file, with the snapshots to restore from.
    if (error instanceof DatabaseCorruptError && error.snapshots.length === 0)
      throw await corruptError({ store, name: request.name }, error, error.message, error)
    throw error
  }
  const { name, foreignKeys } = request
  const file = new DatabaseFile({ sqlite3, storage: opened.storage, store, name, foreignKeys, emit, extensions: prepared.extensions })
  try {
    const { marker, state } = read.state
    // `restoreFrom` replaces the recovery the marker asks for: it is the way out when that snapshot is lost or damaged.
    let recoveredFrom: SnapshotInfo | null = null
    if (request.restoreFrom === KEEP_CURRENT_FILE) await keepCurrentFile(file, marker, state?.bytes ?? 0)
    else if (request.restoreFrom) recoveredFrom = await restoreAtOpen(file, request.restoreFrom, prepared.list.at(-1)?.version ?? 0)
    else if (marker) recoveredFrom = await recoverInterrupted(file, marker)
    const host = new DatabaseHost(file, prepared, request, opened.info)
    let appliedNow: AppliedMigration[] = []
    try {
      file.open()
      // Only when nothing was restored just now: a restore may rightly leave an empty file (a new database's snapshot).
      // 'current-file' restores nothing: keeping an emptied file would migrate it from scratch over the record of the loss.
      if (state?.bytes && !recoveredFrom && (!request.restoreFrom || request.restoreFrom === KEEP_CURRENT_FILE) && file.size() === 0)
        throw await corruptError(
          file,
          { reason: 'emptied', sqliteCode: null },
          `its file is empty, but it had ${state.bytes} bytes when this library last changed it`,
        )
      if (request.autoMigrate) appliedNow = await host.upgradeIfPending()
      else host.plan() // still refuses a file that is too new or whose history does not match
      await file.persist()
      // Only once per database (or after 0.2's records): where it lives, for 'auto' and STORAGE_MISMATCH. An upgrade or
      // a restore just recorded it (clearMarker).
      if (state?.storage !== file.storage.kind && appliedNow.length === 0 && !recoveredFrom && !request.restoreFrom)
        await recordFileState(store, request.name, file.size(), file.storage.kind)
    } catch (error) {
      const damage = damageOf(error)
      if (damage) throw await corruptError(file, damage, `SQLite cannot read it (${messageOf(error)})`, error)
      throw error
    }
    return {
      host,
      result: {
        version: file.version(),
        latestVersion: host.latestVersion,
        appliedNow,
        recoveredFrom,
        servedBy: 'this-tab',
        storage: opened.info,
      },
    }
  } catch (error) {
    file.shutdown()
    throw error
  }
}

/** What the host answers to a call: the method's result, but `status` without `tabs` (the tab's coordinator adds them). */
export type HostResult<M extends RemoteMethod> = M extends 'status' ? Omit<DatabaseStatus, 'tabs'> : MethodResult<M>

/** The calls on the database (`METHODS`' `database` rows), as the host implements them. */
export type HostApi = { [M in RemoteMethod]: (...args: MethodArgs<M>) => Promise<HostResult<M>> }

/** The worker side of an open database handle. */
export class DatabaseHost implements HostApi {
  readonly latestVersion: number

  constructor(
    readonly file: DatabaseFile,
    readonly prepared: PreparedMigrations,
    readonly request: OpenRequest,
    /** Where the database lives, and why. */
    readonly storage: StorageInfo,
  ) {
    this.latestVersion = prepared.list.at(-1)?.version ?? 0
  }

  /**
   * Checks the history against the app's migrations (throwing what `checkHistory` throws) and returns what an upgrade
   * must do: baseline rows to record when adopting a file made without this library, and the pending migrations.
   */
  plan(): UpgradePlan {
    return planUpgrade(readHistory(this.file.db), this.prepared, this.request.acceptEditedMigrations)
  }

  /** Checks history and applies pending migrations (with snapshot and restore); returns what it applied. */
  async upgradeIfPending(): Promise<AppliedMigration[]> {
    const { adopted, pending } = this.plan()
    // Adopting with nothing to run writes only our history table and user_version: one transaction, no snapshot.
    if (pending.length === 0) {
      recordBaseline(this.file.sqlite3, this.file.db, adopted)
      return []
    }
    const { verify, keepSnapshots, minFreeBytes, migrationTimeLimitMs: timeLimitMs } = this.request
    const options = { checksums: this.prepared.checksums, verify, keepSnapshots, minFreeBytes, timeLimitMs, adopted }
    return (await upgrade(this.file, pending, options)).applied
  }

  /**
   * Runs a call on the database by its name in `METHODS`, with its row's rules: a call `refused` while a recovery is
   * pending rejects with that `RecoveryPendingError` before it runs (a write now would be overwritten by the recovery).
   */
  async call<M extends RemoteMethod>(method: M, args: MethodArgs<M>): Promise<HostResult<M>> {
    if (rulesOf(method).whileRecoveryPending === 'refused' && this.file.recoveryPending) throw this.file.recoveryPending
    return callByName(this, method, args)
  }

  async query(sql: string, params?: SqlParams): Promise<Record<string, SqlValue>[]> {
    return this.#sql(sql, () => this.file.db.exec({ sql, bind: bindable(params), rowMode: 'object', returnValue: 'resultRows' })) as Record<
      string,
      SqlValue
    >[]
  }

  async exec(sql: string, params?: SqlParams): Promise<RunResult> {
    return this.#run(sql, params)
  }

  async execute(sql: string, params?: SqlParams, options: ExecuteOptions = {}): Promise<ExecuteResult<unknown>> {
    const { db, sqlite3 } = this.file
    const rowMode = options?.rowMode === 'array' ? 'array' : 'object'
    return this.#sql(sql, () => {
      const before = sqlite3.capi.sqlite3_total_changes(db.pointer!)
      const columns: string[] = []
      const rows = db.exec({ sql, bind: bindable(params), rowMode, columnNames: columns, returnValue: 'resultRows' }) as unknown[]
      return {
        rows,
        columns,
        changes: sqlite3.capi.sqlite3_total_changes(db.pointer!) - before,
        lastInsertRowid: sqlite3.capi.sqlite3_last_insert_rowid(db.pointer!),
      }
    })
  }

  async batch(statements: readonly BatchStatement[]): Promise<RunResult[]> {
    const db = this.file.db
    db.exec('BEGIN IMMEDIATE')
    try {
      const results = statements.map((s) => this.#run(s.sql, s.params))
      db.exec('COMMIT')
      return results
    } catch (error) {
      if (!this.file.sqlite3.capi.sqlite3_get_autocommit(db.pointer!)) db.exec('ROLLBACK')
      throw error
    }
  }

  /** The status, but for `tabs`, which the tab's coordinator knows. */
  async status(): Promise<Omit<DatabaseStatus, 'tabs'>> {
    const history = readHistory(this.file.db)
    return {
      name: this.file.name,
      vfs: this.file.storage.vfs,
      storage: this.storage,
      version: history.version,
      latestVersion: this.latestVersion,
      applied: history.applied,
      pending: this.prepared.list.filter((m) => m.version > history.version).map((m) => this.#describe(m)),
      snapshots: await listSnapshots(this.file.store, this.file.name),
      bytes: this.file.size(),
      lastFailure: await readLastFailure(this.file.store, this.file.name),
      // Computed here, when asked, never at open: an up-to-date open reads only version and history.
      schema: checkSchema(this.file.db, history),
    }
  }

  async dryRun(): Promise<DryRunResult> {
    return dryRun(this.file.sqlite3, this.file.exportBytes(), this.prepared, this.request)
  }

  async importDatabase(blob: Blob): Promise<ImportResult> {
    return importDatabase(this.file, this.prepared, this.request, blob)
  }

  async integrityCheck(): Promise<IntegrityReport> {
    return checkIntegrity(this.file.db)
  }

  async schema(): Promise<SchemaObject[]> {
    return describeSchema(this.file.db)
  }

  async exportSnapshot(id: string): Promise<Blob> {
    return loadVerifiedBlob(this.file.store, await findSnapshot(this.file.store, this.file.name, id))
  }

  snapshots() {
    return listSnapshots(this.file.store, this.file.name)
  }

  snapshot() {
    const version = this.file.version()
    return this.file.snapshot('manual', version)
  }

  async restoreSnapshot(id: string, options: { snapshotCurrent: boolean }) {
    // Refused (not found, damaged, not a database, too new) before the undo snapshot or anything else is written.
    const loaded = await this.file.loadRestorable(id)
    ensureNotTooNew(id, Math.max(loaded.info.fromVersion, loaded.version), this.latestVersion)
    const undoSnapshot = options.snapshotCurrent ? await this.file.snapshot('before-restore', loaded.info.fromVersion) : null
    const restored = await this.file.restore(id, 'requested', loaded)
    return { restored, undoSnapshot, version: this.file.version() }
  }

  /** Refused while a recovery is pending (see `call`): the snapshot it needs must stay. */
  async deleteSnapshot(id: string) {
    return deleteSnapshot(this.file.store, this.file.name, id)
  }

  async migrate() {
    return this.upgradeIfPending()
  }

  async exportDatabase(): Promise<Blob> {
    // Chunk by chunk (each copied into its own Blob), so a large file is never in memory twice.
    const parts = Array.from(this.file.chunks(), (chunk) => new Blob([chunk as Uint8Array<ArrayBuffer>]))
    return new Blob(parts, { type: 'application/vnd.sqlite3' })
  }

  #describe(m: Migration): PendingMigration {
    return {
      version: m.version,
      name: m.name,
      kind: typeof m.sql === 'string' ? 'sql' : 'code',
      ...(typeof m.sql === 'string' ? { sql: m.sql } : {}),
      checksum: this.prepared.checksums.get(m.version) ?? null,
      transaction: m.transaction !== false,
    }
  }

  #run(sql: string, params?: SqlParams): RunResult {
    const { db, sqlite3 } = this.file
    return this.#sql(sql, () => {
      const before = sqlite3.capi.sqlite3_total_changes(db.pointer!)
      db.exec({ sql, bind: bindable(params) })
      return {
        changes: sqlite3.capi.sqlite3_total_changes(db.pointer!) - before,
        lastInsertRowid: sqlite3.capi.sqlite3_last_insert_rowid(db.pointer!),
      }
    })
  }

  /** Runs a statement, turning sqlite-wasm's errors into `SqliteError` with the code and the SQL. */
  #sql<T>(sql: string, run: () => T): T {
    const held = this.file.recoveryPending
    try {
      // Held for recovery, only reading statements run: anything else (`PRAGMA query_only = OFF` too) fails SQLITE_AUTH.
      return held ? withTimeLimit(this.file.sqlite3, this.file.db, 0, run, readOnlyGuard(this.file.sqlite3)) : run()
    } catch (error) {
      const code = sqliteCodeOf(error)
      const refused = code !== null && ((code & 0xff) === SQLITE_READONLY || (code & 0xff) === SQLITE_AUTH)
      if (held && (error === held || refused)) throw held
      if (code === null && !(error instanceof Error && /sqlite/i.test(error.name))) throw error
      throw new SqliteError(messageOf(error), code, sql)
    }
  }
}

/** Calls `api[method]`: typed through `HostApi`, a name chosen at run time keeps its own signature. */
function callByName<M extends RemoteMethod>(api: HostApi, method: M, args: MethodArgs<M>): Promise<HostResult<M>> {
  return api[method](...args)
}

/** SQLite's primary result code for a write refused on a read-only (here: `query_only`) connection. */
const SQLITE_READONLY = 8

/** sqlite-wasm binds arrays and plain objects; an empty list means "no parameters". */
function bindable(params: SqlParams | undefined): never {
  if (params === undefined || (Array.isArray(params) && params.length === 0)) return undefined as never
  return params as never
}
