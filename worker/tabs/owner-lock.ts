import { lockName } from '../../shared/stored-names'
import { type Release, takeLock } from './tab-locks'

/**
 * The owner Web Lock of one database (`lockName`), as this tab's coordinator holds it: from the moment the browser
 * grants it until `release()`. The coordinator is its only owner; the host and the storage never see it, they only
 * close their own handles, and the coordinator lets go once they did (or once a failed open was announced).
 * `release()` is idempotent, so a second call (a hand-over racing a close) never lets go of a later grant.
 *
 * @example
 * const lock = await OwnerLock.take('app.db', { ifAvailable: true })
 * if (lock) try { await serve() } finally { lock.release() }
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

  /** Whether this tab still holds it. */
  get held(): boolean {
    return this.#release !== null
  }

  /** Lets go of the lock (a no-op once let go): the next tab in the browser's queue is granted it. */
  release(): void {
    const release = this.#release
    this.#release = null
    release?.()
  }
}
