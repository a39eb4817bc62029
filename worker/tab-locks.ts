import { lockName } from '../src/worker-api'

// Web Locks do three jobs here. The owner lock (`lockName(db)`) elects the one tab whose worker owns the OPFS files;
// the others queue on it, so the browser hands it to the next tab the moment the owner closes, crashes or lets go.
// Each tab's worker also holds a tab lock for as long as it lives: its name says which tab it is and which migration
// version its code knows, so `navigator.locks.query()` is a registry of the connected tabs, and being granted a tab's
// lock means that tab is gone.

/** Lets go of a held lock. */
export type Release = () => void

/** Name of the lock a tab's worker holds while it lives: `sqlite-opfs-migrate:<db>:tab:<knows>:<tabId>`. */
export const tabLockName = (database: string, knows: number, tabId: string): string => `${lockName(database)}:tab:${knows}:${tabId}`

/** A tab connected to a database, from the lock registry. */
export interface ConnectedTab {
  tabId: string
  /** Latest migration version its code knows. */
  knows: number
}

/**
 * Takes a lock and holds it until the returned release is called (or the worker ends). With `ifAvailable`, resolves to
 * `null` at once when someone else holds it; otherwise waits in the browser's queue until granted or `signal` aborts.
 *
 * @example
 * const release = await takeLock('sqlite-opfs-migrate:app.db', { ifAvailable: true })
 * if (release) { ...; release() }
 */
export function takeLock(name: string, options: { ifAvailable?: boolean; signal?: AbortSignal } = {}): Promise<Release | null> {
  return new Promise((resolve, reject) => {
    navigator.locks
      .request(name, options.ifAvailable ? { ifAvailable: true } : { signal: options.signal }, (lock) => {
        if (!lock) {
          resolve(null)
          return undefined
        }
        return new Promise<void>((done) => resolve(done))
      })
      .catch(reject)
  })
}

/** The tabs whose workers are connected to `database` right now (every tab, owner included). */
export async function connectedTabs(database: string): Promise<ConnectedTab[]> {
  const prefix = `${lockName(database)}:tab:`
  const { held = [] } = await navigator.locks.query()
  return held.flatMap(({ name }) => {
    if (!name?.startsWith(prefix)) return []
    const [knows, tabId] = name.slice(prefix.length).split(':')
    return tabId ? [{ tabId, knows: Number(knows) }] : []
  })
}

/** Calls `onGone` once the tab's worker has ended (its tab lock was released), unless `signal` aborts first. */
export function whenTabGone(database: string, tab: ConnectedTab, signal: AbortSignal, onGone: () => void): void {
  navigator.locks
    .request(tabLockName(database, tab.knows, tab.tabId), { signal }, () => onGone())
    .catch(() => {})
}
