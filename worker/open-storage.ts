import { DatabaseLockedError, InsufficientStorageError, OpfsUnavailableError } from '../src/errors'
import type { SAHPoolUtil, Sqlite3 } from './sqlite'

/** An open `opfs-sahpool` pool holding one database, and the lock that makes this worker its only user. */
export interface Storage {
  pool: SAHPoolUtil
  /** Path of the database file inside the pool. */
  path: string
  /** Releases the lock (after the pool is paused). */
  release(): void
}


/**
 * Opens the storage of a database whose owner lock this worker holds: checks that OPFS sync access handles exist, then
 * installs (or, after a hand-over, resumes) an `opfs-sahpool` VFS on the database's own directory, so several
 * databases of one origin never contend. Never falls back to memory: any failure is `OpfsUnavailableError`,
 * `DatabaseLockedError` or `InsufficientStorageError`, and releases the lock.
 *
 * @example
 * const release = await takeLock(lockName('app.db'), { ifAvailable: true })
 * const { pool, path } = await openStorage(sqlite3, 'app.db', release, 3000)
 * const db = new pool.OpfsSAHPoolDb(path)
 */
export async function openStorage(sqlite3: Sqlite3, database: string, release: () => void, filesTimeoutMs: number): Promise<Storage> {
  try {
    ensureOpfs()
    const pool = await installPool(sqlite3, database, filesTimeoutMs)
    if (pool.isPaused()) await pool.unpauseVfs()
    await pool.reserveMinimumCapacity(6)
    return { pool, path: `/${database}`, release }
  } catch (cause) {
    release()
    if (cause instanceof OpfsUnavailableError) throw cause
    if ((cause as Error)?.name === 'QuotaExceededError' || /QuotaExceededError/.test(String(cause)))
      throw new InsufficientStorageError(`no storage left to open ${database}: ${String(cause)}`, null, null, { cause })
    if (isHeldElsewhere(cause))
      throw new DatabaseLockedError(`database ${database} is open in another tab or worker (it holds the OPFS files)`, database, { cause })
    throw new OpfsUnavailableError(`could not open OPFS storage for ${database}: ${String(cause)}`, { cause })
  }
}

/**
 * Installs the database's own sahpool VFS. We hold the database's lock, so access handles still held by someone else
 * belong to a worker that is shutting down (a page reload, a terminated worker: the browser closes its handles a
 * moment after the lock is released): retry for a short while before calling the database owned elsewhere.
 */
async function installPool(sqlite3: Sqlite3, database: string, timeoutMs: number): Promise<SAHPoolUtil> {
  const deadline = Date.now() + timeoutMs
  for (let attempt = 0; ; attempt++) {
    try {
      return await sqlite3.installOpfsSAHPoolVfs({
        name: 'opfs-sahpool',
        directory: `.sqlite-opfs-migrate/${database}`,
        initialCapacity: 6,
        // The default deletes the whole pool directory when the install fails (e.g. another tab holds it).
        preserveOnInitFailure: true,
        // A failed install is cached per VFS name; a retry must ask for a new attempt.
        ...(attempt > 0 ? { forceReinitIfPreviouslyFailed: true } : {}),
      } as Parameters<Sqlite3['installOpfsSAHPoolVfs']>[0])
    } catch (error) {
      if (!isHeldElsewhere(error) || Date.now() > deadline) throw error
      // Handles close a few ms after the old worker ends: poll often at first, then back off.
      await new Promise((resolve) => setTimeout(resolve, Math.min(5 * 2 ** attempt, 200)))
    }
  }
}

function ensureOpfs(): void {
  const storage = (globalThis.navigator as Navigator | undefined)?.storage
  const hasSyncHandles =
    typeof FileSystemFileHandle !== 'undefined' && 'createSyncAccessHandle' in FileSystemFileHandle.prototype
  if (typeof storage?.getDirectory !== 'function' || !hasSyncHandles)
    throw new OpfsUnavailableError(
      'this browser context has no OPFS with sync access handles (needs a dedicated worker in a secure context, ' +
        'Chrome 108+, Firefox 111+ or Safari 16.4+); no in-memory fallback is used',
    )
}

function isHeldElsewhere(error: unknown): boolean {
  const text = `${(error as Error)?.name} ${(error as Error)?.message} ${String((error as { cause?: unknown })?.cause)}`
  return /NoModificationAllowedError|Access Handles? cannot be created|another open Access Handle/i.test(text)
}
