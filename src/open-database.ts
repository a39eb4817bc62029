import { proxy } from 'comlink'

import { InvalidOptionsError } from '../shared/errors'
import { workerLockName } from '../shared/stored-names'
import type { OpenRequest, ProgressEvent, StorageChoice, VerifyCheck, VersionChangeEvent } from '../shared/types'
import { DATABASE_NAME } from '../shared/worker-api'
import { DatabaseHandle } from './database-handle'
import { WorkerConnection } from './worker-connection'

/** Options of `openDatabase`. */
export interface OpenDatabaseOptions {
  /** File name of the database in OPFS: letters, digits, `_`, `-`, `.`; one worker owns it at a time. */
  name: string
  /** Creates the dedicated module worker whose entry calls `serveDatabase`. One worker per open database. */
  worker: () => Worker
  /** Receives quota, snapshot, migration, verification and restore events. */
  onProgress?: (event: ProgressEvent) => void
  /** Accept applied SQL migrations whose text changed: `true` for all, or a list of versions. Default `false`. */
  acceptEditedMigrations?: boolean | readonly number[]
  /** Snapshots to keep per database after a successful upgrade (newest first). Default 3, at least 1. */
  keepSnapshots?: number
  /** Integrity check after an upgrade: `'quick_check'` (default), `'integrity_check'` (slower, deeper) or `false`. */
  verify?: VerifyCheck | false
  /** Enforce foreign keys on the connection (`PRAGMA foreign_keys = ON`). Default `true`. */
  foreignKeys?: boolean
  /**
   * Storage an upgrade must leave free, on top of room for its snapshot and journal (twice the file size); an import,
   * on top of twice the imported file and a snapshot of today's. Without it the operation fails with
   * `InsufficientStorageError` before anything is written. Default 0.
   */
  minFreeBytes?: number
  /**
   * How long each migration may run, in milliseconds. One that takes longer is stopped and rolled back, and the open
   * (or `migrate()`) fails with `MigrationFailedError` (`timedOut: true`, `sqliteCode` 9) after the snapshot is
   * restored. Default 0: no limit. Past the limit SQLite interrupts the running statement (usually within a millisecond;
   * the sort of a large `CREATE INDEX` is checked only between its phases and can overrun by seconds) and refuses to
   * start another; JavaScript in a code migration's `up()` cannot be interrupted, so a loop that does not call SQLite
   * is only caught when it returns. A guard against runaway migrations (a missing `WHERE`, a runaway recursive CTE),
   * not a scheduler: migrations do not resume, and a limit below what a migration needs on the user's device makes
   * every open fail the same way.
   */
  migrationTimeLimitMs?: number
  /**
   * Once this tab becomes the owner, how long to wait for the previous owner's worker to let go of the OPFS files
   * (the browser closes them a moment after the worker ends) before failing with `DatabaseLockedError`. Default 3000.
   */
  lockTimeoutMs?: number
  /**
   * How long this tab waits for another tab that has the database to make it available: to finish opening or upgrading
   * it at start, or, after the owner tab closed or crashed, for the next tab to take over (a call waits that long too).
   * Then `DatabaseLockedError`. Default 60000.
   */
  ownerTimeoutMs?: number
  /**
   * Called when a tab with newer migrations takes the database over, or the database turns out newer than this tab's
   * code. Calls then wait for the newer tab and fail with `DatabaseTooNewError`: tell the user to reload.
   */
  onVersionChange?: (event: VersionChangeEvent) => void
  /**
   * Apply pending migrations at open (default `true`). With `false` the database opens at its current version (the
   * history is still checked, so a file that is too new or was edited is still refused) and `migrate()` upgrades it
   * later: for an app that asks the user first, or a tool that inspects a database whose upgrade keeps failing.
   */
  autoMigrate?: boolean
  /**
   * Restore this snapshot (an id from `snapshots()` or `DatabaseCorruptError.snapshots`) before anything else, then
   * open and migrate as usual: the way out of a damaged file. The file as it was is kept first as a `before-restore`
   * snapshot (even if SQLite cannot read it), so nothing is lost. Unknown or damaged snapshots are refused before any
   * change (`SnapshotError`). `'current-file'` instead ends an interrupted upgrade or restore whose snapshot is lost or
   * damaged by keeping the file as it is (after `quick_check`). Pass it once: every open with it restores again.
   *
   * @example
   * const db = await openDatabase({ name: 'app.db', worker, restoreFrom: error.snapshots[0].id })
   */
  restoreFrom?: string
  /**
   * Where the database lives. `'opfs'` (default): a file in OPFS, on engines with OPFS sync access handles (Chrome 108+,
   * Firefox 111+, Safari 16.4+); elsewhere the open fails with `OpfsUnavailableError`, never silently in memory.
   * `'indexeddb'`: the database lives in memory in the worker and every committed write is saved to IndexedDB before
   * its call resolves, with the same migrations, snapshots and restores. It works where OPFS cannot (private windows
   * of Safari and Firefox, older Safari, WebKitGTK), but each commit costs a comparison of the whole file in memory and
   * a write of its changed 64 KiB chunks, and the file is held in memory twice: fine for megabytes, slow for hundreds
   * (see BENCHMARKS.md). `'auto'`: a database that already lives somewhere stays there; a new one goes to OPFS, or to
   * IndexedDB when this context has no OPFS (`status().storage.fallbackReason` says why). A database found in the other
   * storage than the one asked for is refused with `StorageMismatchError`, never started empty.
   *
   * @example
   * const db = await openDatabase({ name: 'app.db', worker, storage: 'auto' })
   * const { storage } = await db.status() // { kind: 'indexeddb', requested: 'auto', fallbackReason: '…no OPFS…' }
   */
  storage?: StorageChoice
}

/**
 * Opens a database in its own worker and brings its schema up to date. Resolves once the database is ready; rejects
 * with a typed error (`OpfsUnavailableError`, `DatabaseLockedError`, `DatabaseTooNewError`, `MigrationFailedError`, …)
 * after which the worker is gone and nothing else was changed.
 *
 * Every tab of the origin can open the same database: one tab's worker owns the file and serves the others' calls,
 * with the same API and errors. When several tabs start at once the migrations run once, in the owner, and the others
 * wait for it (`ownerTimeoutMs`), seeing its progress events and, if it fails, its error. When the owner tab closes or
 * crashes, another takes over. A tab with newer migrations takes over from tabs with older code, which are told
 * through `onVersionChange`.
 *
 * @example
 * const db = await openDatabase({
 *   name: 'app.db',
 *   worker: () => new Worker(new URL('./db.worker.ts', import.meta.url), { type: 'module' }),
 *   onProgress: (event) => console.log(event),
 * })
 * const rows = await db.query('SELECT id, title FROM notes WHERE done = ?', [0])
 */
export async function openDatabase(options: OpenDatabaseOptions): Promise<DatabaseHandle> {
  const request = toRequest(options)
  let worker: Worker
  try {
    worker = options.worker()
  } catch (cause) {
    throw new InvalidOptionsError(`options.worker() threw: ${String(cause)}`, { cause })
  }
  if (!worker || typeof worker.postMessage !== 'function')
    throw new InvalidOptionsError('options.worker must return a Worker (new Worker(url, { type: "module" }))')
  const connection = new WorkerConnection(worker, request.name)
  try {
    // Sent first (the worker takes its calls in order), so that a worker the app terminates (or that crashes) during
    // the open fails the open instead of hanging it; not awaited first, so the startup costs no extra round trip.
    const attached = connection.attach(workerLockName(request.tabId))
    attached.catch(() => {}) // its failure also rejects the open below, which reports it
    const reply = await connection.call((remote) =>
      remote.open(request, listener(connection, options.onProgress), listener(connection, options.onVersionChange)),
    )
    await attached
    handOverWhenFrozen(connection)
    return new DatabaseHandle(request.name, reply.opened, connection)
  } catch (error) {
    await connection.close(false)
    throw error
  }
}

/**
 * A frozen page's worker may be suspended with it (browsers differ), and the other tabs must not wait behind it: when
 * the page is about to freeze, its worker hands the database over if it owns it, and follows after `resume`.
 */
function handOverWhenFrozen(connection: WorkerConnection): void {
  if (typeof document === 'undefined') return
  const watch = new AbortController()
  document.addEventListener(
    'freeze',
    () => {
      if (!connection.open) return watch.abort()
      connection.call((remote) => remote.suspend()).catch(() => {})
    },
    { signal: watch.signal },
  )
  connection.onClose(() => watch.abort())
}

/** A callback the worker can call (through Comlink), guarded against the app's bugs and a gone connection. */
function listener<E>(connection: WorkerConnection, callback: ((event: E) => void) | undefined) {
  return proxy((event: E) => {
    // Events already queued on the port still arrive after the worker died or the handle closed; an app must not
    // hear from a connection it has been told is gone.
    if (!connection.open) return
    try {
      callback?.(event)
    } catch (error) {
      // An app's renderer must not break the upgrade; surface its bug without swallowing it.
      queueMicrotask(() => {
        throw error
      })
    }
  })
}

function toRequest(options: OpenDatabaseOptions): OpenRequest {
  if (!options || typeof options !== 'object') throw new InvalidOptionsError('openDatabase needs an options object')
  const {
    name,
    worker,
    keepSnapshots = 3,
    verify = 'quick_check',
    foreignKeys = true,
    acceptEditedMigrations = false,
    minFreeBytes = 0,
    migrationTimeLimitMs = 0,
    lockTimeoutMs = 3000,
    ownerTimeoutMs = 60_000,
    autoMigrate = true,
    restoreFrom,
    storage = 'opfs',
  } = options
  if (typeof name !== 'string' || !DATABASE_NAME.test(name))
    throw new InvalidOptionsError(
      `name must be 1–128 letters, digits, "_", "-" or "." (not starting with "." or "-"), got ${JSON.stringify(name)}`,
    )
  if (typeof worker !== 'function') throw new InvalidOptionsError('options.worker must be a function returning a Worker')
  if (!Number.isInteger(keepSnapshots) || keepSnapshots < 1)
    throw new InvalidOptionsError(`keepSnapshots must be an integer ≥ 1, got ${String(keepSnapshots)}`)
  if (verify !== false && verify !== 'quick_check' && verify !== 'integrity_check')
    throw new InvalidOptionsError(`verify must be 'quick_check', 'integrity_check' or false, got ${String(verify)}`)
  if (!Number.isSafeInteger(minFreeBytes) || minFreeBytes < 0)
    throw new InvalidOptionsError(`minFreeBytes must be a whole number of bytes ≥ 0, got ${String(minFreeBytes)}`)
  if (!Number.isSafeInteger(migrationTimeLimitMs) || migrationTimeLimitMs < 0)
    throw new InvalidOptionsError(
      `migrationTimeLimitMs must be a whole number of milliseconds ≥ 0 (0: no limit), got ${String(migrationTimeLimitMs)}`,
    )
  if (!Number.isSafeInteger(lockTimeoutMs) || lockTimeoutMs < 0)
    throw new InvalidOptionsError(`lockTimeoutMs must be a whole number of milliseconds ≥ 0, got ${String(lockTimeoutMs)}`)
  if (!Number.isSafeInteger(ownerTimeoutMs) || ownerTimeoutMs < 0)
    throw new InvalidOptionsError(`ownerTimeoutMs must be a whole number of milliseconds ≥ 0, got ${String(ownerTimeoutMs)}`)
  if (options.onVersionChange !== undefined && typeof options.onVersionChange !== 'function')
    throw new InvalidOptionsError('onVersionChange must be a function')
  if (typeof autoMigrate !== 'boolean') throw new InvalidOptionsError(`autoMigrate must be true or false, got ${String(autoMigrate)}`)
  if (restoreFrom !== undefined && (typeof restoreFrom !== 'string' || restoreFrom === ''))
    throw new InvalidOptionsError(`restoreFrom must be a snapshot id, got ${JSON.stringify(restoreFrom)}`)
  if (storage !== 'opfs' && storage !== 'indexeddb' && storage !== 'auto')
    throw new InvalidOptionsError(`storage must be 'opfs', 'indexeddb' or 'auto', got ${JSON.stringify(storage)}`)
  if (typeof acceptEditedMigrations !== 'boolean' && !Array.isArray(acceptEditedMigrations))
    throw new InvalidOptionsError('acceptEditedMigrations must be a boolean or a list of versions')
  return {
    name,
    keepSnapshots,
    verify,
    minFreeBytes,
    migrationTimeLimitMs,
    lockTimeoutMs,
    ownerTimeoutMs,
    autoMigrate,
    restoreFrom: restoreFrom ?? null,
    storage,
    tabId: crypto.randomUUID(),
    foreignKeys: foreignKeys !== false,
    acceptEditedMigrations: acceptEditedMigrations as boolean | number[],
  }
}
