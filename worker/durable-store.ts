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
  let dbp: Promise<IDBDatabase> | undefined
  const getDB = (): Promise<IDBDatabase> => {
    if (dbp) return dbp
    const request = indexedDB.open(dbName)
    request.onupgradeneeded = () => request.result.createObjectStore(storeName)
    dbp = promisifyRequest(request)
    dbp.then(
      (db) => {
        // Reopen on the next call if the browser closes the connection (storage cleared, version change).
        db.onclose = () => (dbp = undefined)
        db.onversionchange = () => {
          db.close()
          dbp = undefined
        }
      },
      () => (dbp = undefined),
    )
    return dbp
  }
  return (txMode, callback) =>
    getDB().then((db) =>
      callback(db.transaction(storeName, txMode, { durability: txMode === 'readwrite' ? 'strict' : 'default' }).objectStore(storeName)),
    )
}
