import { promisifyRequest, type UseStore } from 'idb-keyval'

/**
 * An idb-keyval store whose write transactions use `durability: 'strict'`: a snapshot or marker that `set()` reported
 * as written is on disk, not in an OS cache, before the database file is touched. (idb-keyval's `createStore` uses the
 * browser default, which Chromium relaxes.) Same shape as `createStore`, so every idb-keyval function accepts it.
 *
 * @example
 * const store = createDurableStore('sqlite-opfs-migrate', 'snapshots')
 * await set('key', new Blob([bytes]), store)
 */
export function createDurableStore(dbName: string, storeName: string): UseStore {
  let dbp: Promise<{ db: IDBDatabase; closed: Promise<never> }> | undefined
  const getDB = () => {
    if (dbp) return dbp
    const request = indexedDB.open(dbName)
    request.onupgradeneeded = () => request.result.createObjectStore(storeName)
    dbp = promisifyRequest(request).then((db) => {
      // When the browser closes the connection (site data cleared, storage evicted), Chromium never settles the
      // transactions still running on it: fail them, so a snapshot write reports SNAPSHOT_WRITE_FAILED instead of
      // hanging the upgrade. The next call opens a new connection.
      const closed = new Promise<never>((_, reject) => {
        db.onclose = () => {
          dbp = undefined
          reject(new DOMException(`the browser closed IndexedDB database ${dbName} (site data cleared?)`, 'AbortError'))
        }
      })
      closed.catch(() => {})
      db.onversionchange = () => {
        db.close()
        dbp = undefined
      }
      return { db, closed }
    })
    dbp.catch(() => (dbp = undefined))
    return dbp
  }
  return (txMode, callback) =>
    getDB().then(({ db, closed }) =>
      Promise.race([
        callback(db.transaction(storeName, txMode, { durability: txMode === 'readwrite' ? 'strict' : 'default' }).objectStore(storeName)),
        closed,
      ]),
    )
}
