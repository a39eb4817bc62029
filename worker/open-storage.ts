import { DatabaseLockedError, InsufficientStorageError, OpfsUnavailableError } from '../src/errors'
import { lockName } from '../src/worker-api'
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
 * Claims a database for this worker and opens its storage: checks that OPFS sync access handles exist, takes the
 * database's Web Lock without waiting (another tab holding it → `DatabaseLockedError`), then installs an
 * `opfs-sahpool` VFS on the database's own directory, so several databases of one origin never contend. Never falls
 * back to memory: any failure is `OpfsUnavailableError`, `DatabaseLockedError` or `InsufficientStorageError`.
 *
 * @example
 * const { pool, path } = await openStorage(sqlite3, 'app.db', 3000)
 * const db = new pool.OpfsSAHPoolDb(path)
 */
export async function openStorage(sqlite3: Sqlite3, database: string, lockTimeoutMs: number): Promise<Storage> {
  ensureOpfs()
  const release = await takeLock(database, lockTimeoutMs)
  try {
    const pool = await installPool(sqlite3, database)
    await pool.reserveMinimumCapacity(6)
    return { pool, path: `/${database}`, release }
  } catch (cause) {
    release()
    if ((cause as Error)?.name === 'QuotaExceededError' || /QuotaExceededError/.test(String(cause)))
      throw new InsufficientStorageError(`no storage left to open ${database}: ${String(cause)}`, null, null, { cause })
    if (isHeldElsewhere(cause))
      throw new DatabaseLockedError(`database ${database} is open in another tab or worker (it holds the OPFS files)`, database, { cause })
    throw new OpfsUnavailableError(`could not open OPFS storage for ${database}: ${String(cause)}`, { cause })
  }
}

/** How long to wait for a dying previous owner (a reloaded page's worker) to let go of its access handles. */
const RELEASE_WAIT_MS = 3000

/**
 * Installs the database's own sahpool VFS. We hold the database's lock, so access handles still held by someone else
 * belong to a worker that is shutting down (a page reload, a terminated worker: the browser closes its handles a
 * moment after the lock is released): retry for a short while before calling the database owned elsewhere.
 */
async function installPool(sqlite3: Sqlite3, database: string): Promise<SAHPoolUtil> {
  const deadline = Date.now() + RELEASE_WAIT_MS
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
      await new Promise((resolve) => setTimeout(resolve, 50 * Math.min(attempt + 1, 6)))
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

/**
 * Takes the database's lock, waiting at most `timeoutMs` (a terminated worker keeps it until its current synchronous
 * step ends; a live owner keeps it for good). Resolves to its release function.
 */
async function takeLock(database: string, timeoutMs: number): Promise<() => void> {
  const locks = (globalThis.navigator as Navigator | undefined)?.locks
  // Without Web Locks the sahpool install itself still refuses a second owner.
  if (!locks) return () => {}
  return new Promise((resolve, reject) => {
    locks
      .request(lockName(database), timeoutMs === 0 ? { ifAvailable: true } : { signal: AbortSignal.timeout(timeoutMs) }, (lock) => {
        if (!lock) {
          reject(new DatabaseLockedError(`database ${database} is open in another tab or worker (it holds the database's lock)`, database))
          return undefined
        }
        // Hold the lock until release() is called (or the worker dies, which releases it too).
        return new Promise<void>((done) => resolve(done))
      })
      .catch((cause: unknown) =>
        reject(
          (cause as Error)?.name === 'TimeoutError'
            ? new DatabaseLockedError(`database ${database} is open in another tab or worker (it holds the database's lock)`, database)
            : cause,
        ),
      )
  })
}

function isHeldElsewhere(error: unknown): boolean {
  const text = `${(error as Error)?.name} ${(error as Error)?.message} ${String((error as { cause?: unknown })?.cause)}`
  return /NoModificationAllowedError|Access Handles? cannot be created|another open Access Handle/i.test(text)
}
