import type { UseStore } from 'idb-keyval'

import { openFileReader } from '../../core/sqlite/file-reader'
import { registerExtensions, type SqlExtensions } from '../../core/sqlite/sql-extensions'
import type { Database, Sqlite3 } from '../../core/sqlite/sqlite'
import { readSqliteHeader, SQLITE_HEADER_BYTES } from '../../core/sqlite/sqlite-header'
import { checkOwnSnapshot, checkReadable, inspectUntrustedFile, type UntrustedCheckOptions } from '../../core/sqlite/untrusted-file'
import {
  DatabaseClosedError,
  InvalidDatabaseFileError,
  RecoveryPendingError,
  SnapshotError,
  SqliteError,
  TransactionOpenError,
} from '../../shared/errors'
import type { ProgressEvent, RestoreReason, SnapshotInfo, SnapshotReason } from '../../shared/types'
import { CHUNK_BYTES, readVerifiedBytes } from '../records/snapshot-chunks'
import { findSnapshot, listSnapshot, type StagedSnapshot, stageSnapshot } from '../records/snapshot-store'
import { clearMarker, readMarker, writeMarker } from '../records/upgrade-marker'
import type { Storage } from '../storage/storage'

/** A snapshot read whole, its chunks verified and its bytes checked as a database this library can restore. */
export interface RestorableSnapshot {
  info: SnapshotInfo
  bytes: Uint8Array
  /** `user_version` of the bytes themselves (0 for an empty file). */
  version: number
}

/** What a `DatabaseFile` works with. */
export interface DatabaseFileOptions {
  sqlite3: Sqlite3
  /** Where the file lives. */
  storage: Storage
  /** The IndexedDB store of its snapshots and marker. */
  store: UseStore
  /** The database's name. */
  name: string
  /** `PRAGMA foreign_keys = ON` each time the connection opens. */
  foreignKeys: boolean
  /** Reports snapshot and restore progress. */
  emit: (event: ProgressEvent) => void
  /** Registered on the connection each time it opens, before anything reads the schema. */
  extensions?: SqlExtensions | undefined
}

/**
 * The database file of one worker: its connection, and the two operations that copy the whole file, snapshot (file →
 * IndexedDB) and restore (IndexedDB → file, guarded by a marker so a crash mid-restore is finished at the next open).
 *
 * @example
 * const file = new DatabaseFile({ sqlite3, storage, store, name: 'app.db', foreignKeys: true, emit })
 * file.open()
 * const info = await file.snapshot('manual', file.version())
 */
export class DatabaseFile {
  readonly sqlite3: Sqlite3
  readonly storage: Storage
  readonly store: UseStore
  readonly name: string
  readonly foreignKeys: boolean
  readonly emit: (event: ProgressEvent) => void
  readonly extensions: SqlExtensions
  #db: Database | null = null
  /**
   * Why the connection is closed when it should not be (a save failed and the saved file could not be reopened), for
   * the error of the calls that follow. A failed restore is a pending recovery instead (`#recoveryPending`).
   */
  #closedBecause: string | null = null
  #recoveryPending: RecoveryPendingError | null = null

  constructor(options: DatabaseFileOptions) {
    this.sqlite3 = options.sqlite3
    this.storage = options.storage
    this.store = options.store
    this.name = options.name
    this.foreignKeys = options.foreignKeys
    this.emit = options.emit
    this.extensions = options.extensions ?? {}
  }

  /** The open connection; a typed `DATABASE_CLOSED` when there is none (never a plain `Error`). */
  get db(): Database {
    if (!this.#db)
      throw (
        this.#recoveryPending ??
        new DatabaseClosedError(
          'DATABASE_CLOSED',
          `database ${this.name} is not open in its worker${this.#closedBecause ? ` (${this.#closedBecause})` : ''}; close the handle and open it again`,
        )
      )
    return this.#db
  }

  /** Set once a change of the file could not be finished (see `holdForRecovery`); writes are refused from then on. */
  get recoveryPending(): RecoveryPendingError | null {
    return this.#recoveryPending
  }

  /**
   * Refuses every write from now until the database is reopened: the marker of an unfinished change is still there,
   * so the next open restores its snapshot, and a write made meanwhile would be lost under it. The connection (if open)
   * becomes `query_only`, and the host runs the app's statements under an authorizer that refuses all but reads (see
   * `readOnlyGuard`: the app could turn `query_only` off); reads and copies still work. Returns the error for chaining.
   */
  holdForRecovery(error: RecoveryPendingError): RecoveryPendingError {
    this.#recoveryPending ??= error
    this.#readOnlyIfHeld()
    return this.#recoveryPending
  }

  #readOnlyIfHeld(): void {
    if (!this.#recoveryPending || !this.#db) return
    try {
      this.#db.exec('PRAGMA query_only = ON')
    } catch {
      /* a second guard only: the host refuses every statement that is not a read (see `readOnlyGuard`) */
    }
  }

  /** Whether the connection is open. */
  get isOpen(): boolean {
    return this.#db !== null
  }

  /** Opens the connection (creating the file if needed). */
  open(): Database {
    if (!this.#db) {
      const db = this.storage.connect()
      try {
        registerExtensions(this.sqlite3, db, this.extensions)
      } catch (error) {
        db.close()
        throw error
      }
      this.#db = db
      this.#closedBecause = null
    }
    if (this.foreignKeys) this.#db.exec('PRAGMA foreign_keys = ON')
    this.#readOnlyIfHeld()
    return this.#db
  }

  /** Closes the connection (a no-op when closed). */
  close(): void {
    this.#db?.close()
    this.#db = null
  }

  /** Closes the connection, then the storage's own handles (OPFS); the owner lock is the coordinator's to let go. */
  shutdown(): void {
    try {
      this.close()
    } finally {
      this.storage.shutdown()
    }
  }

  /**
   * Makes what the connection committed durable (IndexedDB storage; OPFS writes already are). When that fails the
   * connection is reopened from what was last saved, so the database never shows a write that a reload would lose,
   * and the error (`WriteNotSavedError`) goes to the call that made the write.
   */
  async persist(): Promise<void> {
    if (!this.#db) return
    try {
      await this.storage.persist(this.#db)
    } catch (error) {
      this.close()
      try {
        this.open()
      } catch {
        // The save's error is the one to report; the calls that follow say why they cannot run.
        this.#closedBecause = 'a save failed and the last saved file could not be reopened'
      }
      throw error
    }
  }

  /** `PRAGMA user_version`. */
  version(): number {
    return Number(this.db.selectValue('PRAGMA user_version'))
  }

  /** Size of the file in bytes. */
  size(): number {
    return Number(this.db.selectValue('PRAGMA page_count')) * Number(this.db.selectValue('PRAGMA page_size'))
  }

  /** The raw bytes of the file; refused while the app has a transaction open. */
  exportBytes(): Uint8Array<ArrayBuffer> {
    this.#ensureNoOpenTransaction('copy')
    this.#checkpoint()
    return this.storage.exportFile(this.#db)
  }

  /**
   * The file's bytes in pieces of `chunkBytes` (the last one shorter), read through the VFS, so the whole file is never
   * in memory. Each piece is a view that the next one overwrites: copy it before asking for more. Refused while the
   * app has a transaction open (the file must be exactly what SQLite committed); a WAL is checkpointed into the file
   * first, unless `asIs` (a damaged file copied as it is).
   */
  chunks(chunkBytes = CHUNK_BYTES, { asIs = false } = {}): Generator<Uint8Array> {
    this.#ensureNoOpenTransaction('copy')
    if (!asIs) this.#checkpoint()
    return this.#readChunks(chunkBytes)
  }

  /**
   * Copies read the main file only: an app running its file in WAL mode (with `locking_mode = EXCLUSIVE`) keeps its
   * latest commits in the WAL until a checkpoint, so one is made first (a no-op in rollback-journal mode). Throws
   * `SqliteError` (SQLITE_BUSY) when it cannot move every frame, rather than copying a file without them.
   */
  #checkpoint(): void {
    const [busy, frames, moved] = this.db.selectArray('PRAGMA wal_checkpoint(TRUNCATE)') as number[]
    if (busy === 0 && (frames === -1 || frames === moved)) return
    throw new SqliteError(
      `cannot copy ${this.name}: its WAL could not be checkpointed into the file (${moved} of ${frames} frames moved); nothing was copied`,
      SQLITE_BUSY,
      'PRAGMA wal_checkpoint(TRUNCATE)',
    )
  }

  *#readChunks(chunkBytes: number): Generator<Uint8Array> {
    const reader = openFileReader(this.sqlite3, this.db, chunkBytes)
    try {
      for (let offset = 0; offset < reader.size; offset += chunkBytes) yield reader.read(offset, chunkBytes)
    } finally {
      reader.close()
    }
  }

  /** Whole-file operations need the file at rest: no transaction of the app's may be open. */
  #ensureNoOpenTransaction(action: string): void {
    if (this.#db && !this.sqlite3.capi.sqlite3_get_autocommit(this.#db.pointer!))
      throw new TransactionOpenError(
        `cannot ${action} ${this.name} while a transaction is open (exec('BEGIN') without COMMIT or ROLLBACK); nothing was changed`,
      )
  }

  /**
   * Starts a snapshot of the file as it is now (see `stageSnapshot`), reporting bytes as they become durable. With
   * `inFlight: Infinity` the file has been read whole when this returns, and may change at once.
   */
  stageSnapshot(reason: SnapshotReason, toVersion: number, inFlight: number): StagedSnapshot {
    const fromVersion = this.version()
    const totalBytes = this.size()
    this.emit({ type: 'snapshot', snapshotId: '', bytesWritten: 0, totalBytes, done: false })
    const onDurable = (bytesWritten: number) => this.emit({ type: 'snapshot', snapshotId: '', bytesWritten, totalBytes, done: false })
    return stageSnapshot(this.store, { database: this.name, fromVersion, toVersion, reason }, this.chunks(), { inFlight, onDurable })
  }

  /** Reports a staged snapshot as listed. */
  snapshotListed(info: SnapshotInfo): void {
    this.emit({ type: 'snapshot', snapshotId: info.id, bytesWritten: info.bytes, totalBytes: info.bytes, done: true })
  }

  /** Stores a snapshot of the file in IndexedDB, reporting its bytes. Memory: about two chunks, whatever the size. */
  async snapshot(reason: SnapshotReason, toVersion: number): Promise<SnapshotInfo> {
    const info = await this.stageSnapshot(reason, toVersion, 2).written
    await listSnapshot(this.store, info)
    this.snapshotListed(info)
    return info
  }

  /**
   * Stores the file exactly as it is, even when SQLite cannot read it (a damaged file about to be replaced): its size
   * and version come from the file's bytes, not from SQL. Leaves the connection closed.
   */
  async snapshotAsIs(reason: SnapshotReason): Promise<SnapshotInfo> {
    this.open() // opening reads nothing; the reader below goes through the VFS, not SQL
    // A hot journal (a migration killed mid-way) must be rolled back first, or the copy is a torn file; reading the
    // schema does that when SQLite can read the file at all.
    try {
      this.db.selectValue('PRAGMA schema_version')
      this.#checkpoint()
    } catch {
      /* damaged: copy it as it is */
    }
    const reader = this.chunks(SQLITE_HEADER_BYTES, { asIs: true })
    const bytes = reader.next().value
    reader.return(undefined)
    // The header's user_version; anything that is not a SQLite header counts as version 0.
    const header = bytes === undefined ? undefined : readSqliteHeader(bytes)
    const fromVersion = header?.isSqlite ? header.userVersion : 0
    try {
      const info = await stageSnapshot(
        this.store,
        { database: this.name, fromVersion, toVersion: fromVersion, reason },
        this.chunks(CHUNK_BYTES, { asIs: true }),
        { inFlight: 2 },
      ).written
      await listSnapshot(this.store, info)
      this.snapshotListed(info)
      return info
    } finally {
      this.close()
    }
  }

  /**
   * Reads a snapshot for a restore: every chunk checked against its sha-256, then its bytes checked without running
   * anything of the file (see `#checkSnapshotBytes`: the full untrusted check for an imported file, a header the storage
   * keeps, a schema SQLite reads and a history table of this library's shape for the library's copies of its own file). Throws `SNAPSHOT_NOT_FOUND`, `SNAPSHOT_CORRUPT`, or
   * `SNAPSHOT_NOT_RESTORABLE` (e.g. the kept copy of a damaged file) with the `InvalidDatabaseFileError` as `cause`.
   * Touches nothing.
   *
   * @example
   * const loaded = await file.loadRestorable(id) // before taking an undo snapshot
   * await file.restore(id, 'requested', loaded)
   */
  async loadRestorable(snapshotId: string, options: { ownUpgrade?: boolean } = {}): Promise<RestorableSnapshot> {
    const info = await findSnapshot(this.store, this.name, snapshotId)
    const bytes = await readVerifiedBytes(this.store, info)
    // A database that was never written is a 0-byte file: restoring it means emptying the file.
    if (bytes.byteLength === 0) return { info, bytes, version: 0 }
    try {
      // WAL's header bytes are accepted in OPFS: the app may run its own file in WAL mode (exclusive locking), and
      // sahpool restores it in rollback-journal mode, which SQLite reads alike. IndexedDB storage (memdb) cannot open it.
      const check = { extensions: this.extensions, allowWal: this.storage.kind === 'opfs' }
      const version = this.#checkSnapshotBytes(info, bytes, check, options.ownUpgrade ?? false)
      return { info, bytes, version }
    } catch (cause) {
      if (!(cause instanceof InvalidDatabaseFileError)) throw cause
      throw new SnapshotError(
        'SNAPSHOT_NOT_RESTORABLE',
        `snapshot ${snapshotId} of ${this.name} cannot be restored, so nothing was changed: ${cause.message}` +
          (info.reason === 'before-restore'
            ? ' (it is the copy kept of the file as it was before a restore: export it to inspect it)'
            : ''),
        snapshotId,
        { cause },
      )
    }
  }

  /**
   * How much a snapshot's bytes are distrusted. Only an `import` snapshot holds a file from elsewhere: the full check.
   * Every other one is a copy the library took of this database's own file, whose schema the app wrote (it may name the
   * history table, in a view say): the header, a schema SQLite reads (the kept copy of a damaged file is refused here)
   * and a history of this library's shape. An upgrade's own snapshot restored after the upgrade failed is only proven
   * readable: refusing it would leave a failed upgrade in place.
   */
  #checkSnapshotBytes(
    info: SnapshotInfo,
    bytes: Uint8Array,
    check: Omit<UntrustedCheckOptions, 'quickCheck'>,
    ownUpgrade: boolean,
  ): number {
    if (info.reason === 'import') return inspectUntrustedFile(this.sqlite3, bytes, { ...check, quickCheck: false }).version
    if (ownUpgrade && info.reason === 'upgrade') return checkReadable(this.sqlite3, bytes, check)
    return checkOwnSnapshot(this.sqlite3, bytes, check)
  }

  /**
   * Puts the file back exactly as the snapshot holds it (read and checked by `loadRestorable`, unless `loaded` is given)
   * and reopens it. A marker is kept while the file is being written, and only for bytes that passed the check; if the
   * write fails the marker stays, so the next open restores again, and calls fail with `RECOVERY_PENDING` meanwhile.
   */
  async restore(snapshotId: string, reason: RestoreReason, loaded?: RestorableSnapshot): Promise<SnapshotInfo> {
    this.#ensureNoOpenTransaction('restore')
    const ownUpgrade = reason === 'upgrade-failed' || reason === 'interrupted-upgrade'
    const { info, bytes } = loaded ?? (await this.loadRestorable(snapshotId, { ownUpgrade }))
    const marker = await readMarker(this.store, this.name)
    if (!marker || marker.snapshotId !== snapshotId)
      await writeMarker(this.store, this.name, {
        kind: 'restore',
        snapshotId,
        fromVersion: this.#db ? this.version() : info.fromVersion,
        toVersion: info.fromVersion,
        startedAt: new Date().toISOString(),
      })
    this.close()
    const progress = (bytesRead: number, done: boolean): void =>
      this.emit({ type: 'restore', snapshotId, bytesRead, totalBytes: info.bytes, done, reason })
    progress(0, false)
    try {
      await this.storage.replace(bytes)
      this.open()
    } catch (cause) {
      const message = `could not restore ${this.name} from snapshot ${snapshotId}: ${String(cause)}; it will be retried at the next open`
      this.holdForRecovery(new RecoveryPendingError(`${message} (writes are refused until then)`, 'restore-failed', snapshotId, { cause }))
      throw new SnapshotError('RESTORE_FAILED', message, snapshotId, { cause })
    }
    try {
      await clearMarker(this.store, this.name, info.bytes, this.storage.kind)
    } catch (cause) {
      throw this.holdForRecovery(
        new RecoveryPendingError(
          `${this.name} was restored from snapshot ${snapshotId}, but the marker of the restore could not be cleared ` +
            `(${String(cause)}): writes are refused until the database is reopened, which restores that snapshot again`,
          'marker-not-cleared',
          snapshotId,
          { cause },
        ),
      )
    }
    progress(info.bytes, true)
    return info
  }
}

/** SQLite's result code for a lock it could not get (here: a checkpoint that could not move every frame). */
const SQLITE_BUSY = 5
