import { lockName } from '../../shared/stored-names'
import { connectedTabs, type Release, takeLock } from './tab-locks'

/** Pause before queueing again after deferring ownership to a tab with newer migrations. */
const DEFER_MS = 100

/** How a tab queues for the owner lock (see `OwnerLock.queue`). */
export interface OwnerLockQueue {
  database: string
  /** Latest migration version this tab's code knows. */
  knows: number
  /** Whether this tab still wants the database (not closed, not broken): a grant it no longer wants is let go of. */
  wanted: () => boolean
  /** Each wait in the browser's queue, to abort it (a new one after each deferral). */
  onWait: (wait: AbortController) => void
  /** The lock is this tab's: it owns it from now on, and lets go of it with `release`/`releaseAfter`. */
  granted: (lock: OwnerLock) => void
}

/**
 * The owner Web Lock of one database (`lockName`), as this tab's coordinator holds it: from the moment the browser
 * grants it until it is let go of. The coordinator's side (this class, `Ownership`) is its only owner; the host and
 * the storage never see it, they only close their own handles, and the lock is let go of once they did (or once a
 * failed open was announced). Letting go is idempotent, so a second call never lets go of a later grant.
 *
 * @example
 * const lock = await OwnerLock.take('app.db', { ifAvailable: true })
 * if (lock) await lock.releaseAfter(() => serveUntilClosed())
 */
export class OwnerLock {
  #release: Release | null

  private constructor(
    readonly database: string,
    release: Release,
  ) {
    this.#release = release
  }

  /**
   * Asks for the owner lock of `database`: with `ifAvailable`, `null` at once when another tab holds it; otherwise
   * waits in the browser's queue until granted (the wait rejects when `signal` aborts).
   */
  static async take(database: string, options: { ifAvailable?: boolean; signal?: AbortSignal } = {}): Promise<OwnerLock | null> {
    const release = await takeLock(lockName(database), options)
    return release ? new OwnerLock(database, release) : null
  }

  /**
   * Waits in the browser's queue for the owner lock: granted when the owner closes, crashes or hands over. A grant
   * that comes while a tab whose code knows newer migrations waits too (and can use the database) is let go of, and
   * this tab queues again a moment later, so that tab has the database first.
   */
  static queue(queue: OwnerLockQueue): void {
    const wait = new AbortController()
    queue.onWait(wait)
    OwnerLock.take(queue.database, { signal: wait.signal }).then(
      async (lock) => {
        if (!lock) return
        if (!queue.wanted() || wait.signal.aborted) return lock.release()
        if ((await connectedTabs(queue.database)).some((tab) => tab.knows > queue.knows && !tab.broken)) {
          lock.release()
          setTimeout(() => queue.wanted() && OwnerLock.queue(queue), DEFER_MS)
          return
        }
        queue.granted(lock)
      },
      () => {},
    )
  }

  /** Lets go of the lock at once (a no-op once let go of): the next tab in the browser's queue is granted it. */
  release(): void {
    const release = this.#release
    this.#release = null
    release?.()
  }

  /**
   * Lets go of the lock once `before` settled (resolved or not): closing the files, announcing a failed open. Never
   * before: a tab granted the lock while this one still holds the OPFS files, or before it heard of the failure, would
   * fail or rerun the same failing upgrade.
   */
  async releaseAfter(before: () => Promise<void>): Promise<void> {
    try {
      await before()
    } finally {
      this.release()
    }
  }
}
