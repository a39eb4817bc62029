import type { SAHPoolUtil, Sqlite3 } from '../../core/sqlite/sqlite'
import { DatabaseLockedError, InsufficientStorageError, OpfsUnavailableError } from '../../shared/errors'
import { OPFS_ROOT_DIRECTORY, opfsPoolDirectory, SAHPOOL_HEADER_BYTES, SAHPOOL_VFS_NAME } from '../../shared/stored-names'
import type { Storage } from './storage'

/** What `openOpfsStorage` opens. */
export interface OpenOpfsStorageOptions {
  sqlite3: Sqlite3
  database: string
  /** How long to wait for the access handles of a worker that is shutting down (see `installPool`). */
  filesTimeoutMs: number
}

/**
 * Opens the OPFS storage of a database whose owner lock this worker holds: checks that OPFS sync access handles exist,
 * then installs (or, after a hand-over, resumes) an `opfs-sahpool` VFS on the database's own directory, so several
 * databases of one origin never contend. Never falls back to memory: any failure is `OpfsUnavailableError`,
 * `DatabaseLockedError` or `InsufficientStorageError`; a pool installed but not usable is paused first, so a failure
 * holds no access handle (`openStorage` may then use IndexedDB; the coordinator, which holds the owner lock, lets go
 * of it once the failure is announced). `shutdown()` pauses the pool: it closes the access handles, never the lock.
 *
 * @example
 * const storage = await openOpfsStorage({ sqlite3, database: 'app.db', filesTimeoutMs: 3000 })
 * const db = storage.connect()
 */
export async function openOpfsStorage({ sqlite3, database, filesTimeoutMs }: OpenOpfsStorageOptions): Promise<Storage> {
  let pool: SAHPoolUtil | undefined
  try {
    ensureOpfs()
    pool = await installPool(sqlite3, database, filesTimeoutMs)
    if (pool.isPaused()) await pool.unpauseVfs()
    await pool.reserveMinimumCapacity(6)
  } catch (cause) {
    // Installed but not usable: let go of its access handles (the caller may use IndexedDB, or another tab OPFS).
    try {
      if (pool && !pool.isPaused()) pool.pauseVfs()
    } catch {
      /* nothing open on it yet; best effort */
    }
    if (cause instanceof OpfsUnavailableError) throw cause
    if ((cause as Error)?.name === 'QuotaExceededError' || /QuotaExceededError/.test(String(cause)))
      throw new InsufficientStorageError(`no storage left to open ${database}: ${String(cause)}`, null, null, { cause })
    if (isHeldElsewhere(cause))
      throw new DatabaseLockedError(`database ${database} is open in another tab or worker (it holds the OPFS files)`, database, { cause })
    throw new OpfsUnavailableError(`could not open OPFS storage for ${database}: ${String(cause)}`, { cause })
  }
  const path = `/${database}`
  const opened = pool
  return {
    kind: 'opfs',
    vfs: SAHPOOL_VFS_NAME,
    connect: () => new opened.OpfsSAHPoolDb(path),
    exportFile: () => opened.exportFile(path) as Uint8Array<ArrayBuffer>,
    // SQLite's writes to the pool are durable when they return.
    persist: async () => false,
    async replace(bytes) {
      // A leftover rollback journal would be "rolled back" onto the restored bytes at the next open: delete it first.
      for (const suffix of ['-journal', '-wal']) if (opened.getFileNames().includes(path + suffix)) opened.unlink(path + suffix)
      // A database that was never written is a 0-byte file, which importDb refuses; "restoring" it means emptying it.
      // Otherwise one write in place, then the size: about twice as fast as importDb's chunked form, which empties first.
      if (bytes.byteLength === 0) opened.unlink(path)
      // With bytes (not a callback) sahpool's importDb is synchronous: it returns the count and throws on failure,
      // whatever its .d.ts says (Promise<number>); awaiting it would only hide that.
      // eslint-disable-next-line @typescript-eslint/no-floating-promises -- synchronous for bytes, see above
      else opened.importDb(path, bytes)
    },
    shutdown() {
      if (!opened.isPaused()) opened.pauseVfs()
    },
  }
}

/**
 * Installs the database's own sahpool VFS. We hold the database's lock, so access handles still held by someone else
 * belong to a worker that is shutting down (a page reload, a terminated worker: the browser closes its handles a
 * moment after the lock is released): retry for a short while before calling the database owned elsewhere.
 */
async function installPool(sqlite3: Sqlite3, database: string, timeoutMs: number): Promise<SAHPoolUtil> {
  // A monotonic clock: the wall clock can jump (NTP, the user), which would cut the wait short or stretch it.
  const deadline = performance.now() + timeoutMs
  for (let attempt = 0; ; attempt++) {
    try {
      return await sqlite3.installOpfsSAHPoolVfs({
        name: SAHPOOL_VFS_NAME,
        directory: opfsPoolDirectory(database),
        initialCapacity: 6,
        // The default deletes the whole pool directory when the install fails (e.g. another tab holds it).
        preserveOnInitFailure: true,
        // A failed install is cached per VFS name; a retry must ask for a new attempt.
        ...(attempt > 0 ? { forceReinitIfPreviouslyFailed: true } : {}),
      } as Parameters<Sqlite3['installOpfsSAHPoolVfs']>[0])
    } catch (error) {
      if (!isHeldElsewhere(error) || performance.now() > deadline) throw error
      // Handles close a few ms after the old worker ends: poll often at first, then back off.
      await new Promise((resolve) => setTimeout(resolve, Math.min(5 * 2 ** attempt, 200)))
    }
  }
}

function ensureOpfs(): void {
  const storage = (globalThis.navigator as { storage?: StorageManager } | undefined)?.storage
  const hasSyncHandles = typeof FileSystemFileHandle !== 'undefined' && 'createSyncAccessHandle' in FileSystemFileHandle.prototype
  if (typeof storage?.getDirectory !== 'function' || !hasSyncHandles)
    throw new OpfsUnavailableError(
      'this browser context has no OPFS with sync access handles (needs a dedicated worker in a secure context, ' +
        "Chrome 108+, Firefox 111+ or Safari 16.4+); no in-memory fallback is used unless the app opens with storage: 'indexeddb' or 'auto'",
    )
}

/**
 * Whether an OPFS failure means this context cannot host OPFS databases at all (what `'auto'` falls back on), rather
 * than a passing or unknown failure: no sync access handles (checked first), or the browser refusing the API itself
 * (`NotSupportedError` on WebKitGTK, `SecurityError` in Firefox's private windows).
 *
 * @example
 * if (error instanceof OpfsUnavailableError && isOpfsMissing(error)) useIndexedDb()
 */
export function isOpfsMissing(error: OpfsUnavailableError): boolean {
  const cause = error.cause as Error | undefined
  return cause === undefined || /NotSupportedError|SecurityError/.test(`${cause?.name} ${cause?.message} ${String(cause)}`)
}

/**
 * Whether OPFS holds a database of this name from an earlier open (a pool file with content: a failed install leaves
 * only empty files), read without sync access handles, so it also works where they are missing.
 *
 * @example
 * if (await opfsHasDatabase('app.db')) throw new StorageMismatchError(…)
 */
export async function opfsHasDatabase(database: string): Promise<boolean> {
  try {
    const root = await navigator.storage.getDirectory()
    const directory = await (await root.getDirectoryHandle(OPFS_ROOT_DIRECTORY)).getDirectoryHandle(database)
    for await (const handle of (directory as unknown as { values(): AsyncIterable<FileSystemHandle> }).values())
      if (handle.kind === 'file' && (await (handle as FileSystemFileHandle).getFile()).size > SAHPOOL_HEADER_BYTES) return true
    return false
  } catch {
    return false // no directory, or no OPFS at all
  }
}

function isHeldElsewhere(error: unknown): boolean {
  const text = `${(error as Error)?.name} ${(error as Error)?.message} ${String((error as { cause?: unknown })?.cause)}`
  return /NoModificationAllowedError|Access Handles? cannot be created|another open Access Handle/i.test(text)
}
