import { brokenLockName, tabLockName } from '../../shared/stored-names'
import { holdLock, type Release, takeLock } from './tab-locks'

/**
 * This tab's entries in the registry of connected tabs (see `tab-locks.ts`): its tab lock, held while it is connected
 * and named after the migration version its code knows, and its broken lock, taken once the database became unusable
 * for it, so that no tab waits for it. Both are let go of when it leaves.
 *
 * @example
 * const presence = await TabPresence.enter('app.db', 3, tabId)
 * presence.markBroken(() => !closed) // the database is too new for this tab
 * presence.leave()
 */
export class TabPresence {
  #releaseBroken: Release = () => {}

  private constructor(
    readonly database: string,
    readonly tabId: string,
    /** The tab lock's name (`tabLockName`). */
    readonly lockName: string,
    readonly releaseTab: Release,
  ) {}

  /** Takes this tab's lock (if free: a tab id is unique, so it is unless the worker restarted within the same tab). */
  static async enter(database: string, knows: number, tabId: string): Promise<TabPresence> {
    const lockName = tabLockName(database, knows, tabId)
    const release = (await takeLock(lockName, { ifAvailable: true })) ?? (() => {})
    return new TabPresence(database, tabId, lockName, release)
  }

  /** Takes the broken lock in the background, and keeps it if `wanted()` still says so once it is granted. */
  markBroken(wanted: () => boolean): void {
    holdLock(brokenLockName(this.database, this.tabId), (release) => wanted() && ((this.#releaseBroken = release), true))
  }

  /** Leaves the registry: lets go of the broken lock, if held, and of the tab lock. */
  leave(): void {
    this.#releaseBroken()
    this.releaseTab()
  }
}
