import { brokenLockName, tabLockName, tabLockPrefix } from '../../shared/stored-names'

// Web Locks do three jobs here. The owner lock (`lockName(db)`) elects the one tab whose worker owns the OPFS files;
// the others queue on it, so the browser hands it to the next tab the moment the owner closes, crashes or lets go.
// Each tab's worker also holds a tab lock for as long as it lives: its name says which tab it is and which migration
// version its code knows, so `navigator.locks.query()` is a registry of the connected tabs, and being granted a tab's
// lock means that tab is gone.

/** Lets go of a held lock. */
export type Release = () => void

// The lock names live in shared/stored-names.ts. A tab takes `brokenLockName` when the database became unusable for it (a
// takeover that failed, a database too new for its code): the tab stays connected (its page still gets the typed
// error), but no tab waits for it.

/** A tab connected to a database, from the lock registry. */
export interface ConnectedTab {
  tabId: string
  /** Latest migration version its code knows. */
  knows: number
  /** The database is unusable for it (`brokenLockName`): it will never own it, so no tab defers to it. */
  broken: boolean
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

/**
 * Takes lock `name` in the background, if free, and gives its release to `keep`, which returns `false` when the lock
 * is no longer wanted (then it is let go at once).
 *
 * @example
 * holdLock(brokenLockName('app.db', tabId), (release) => ((releaseLater = release), true))
 */
export function holdLock(name: string, keep: (release: Release) => boolean): void {
  void takeLock(name, { ifAvailable: true }).then(
    (release) => release && !keep(release) && release(),
    () => {},
  )
}

/** The tabs whose workers are connected to `database` right now (every tab, owner included). */
export async function connectedTabs(database: string): Promise<ConnectedTab[]> {
  const prefix = tabLockPrefix(database)
  const { held = [] } = await navigator.locks.query()
  const broken = new Set(held.map(({ name }) => name))
  return held.flatMap(({ name }) => {
    if (!name?.startsWith(prefix)) return []
    const [knows, tabId] = name.slice(prefix.length).split(':')
    return tabId ? [{ tabId, knows: Number(knows), broken: broken.has(brokenLockName(database, tabId)) }] : []
  })
}

/** Calls `onGone` once the tab's worker has ended (its tab lock was released), unless `signal` aborts first. */
export function whenTabGone(database: string, tab: ConnectedTab, signal: AbortSignal, onGone: () => void): void {
  navigator.locks.request(tabLockName(database, tab.knows, tab.tabId), { signal }, () => onGone()).catch(() => {})
}
