import { promisifyRequest, type UseStore } from 'idb-keyval'

/**
 * An idb-keyval store whose write transactions use `durability: 'strict'`: a snapshot or marker that `set()` reported
 * as written is on disk, not in an OS cache, before the database file is touched. (idb-keyval's `createStore` uses the
 * browser default, which Chromium relaxes.) Same shape as `createStore`, so every idb-keyval function accepts it.
 *
 * @example
 * const store = createDurableStore(SNAPSHOT_IDB.database, SNAPSHOT_IDB.store)
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
        db.addEventListener('close', () => (dbp = undefined))
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
      untilClosed(db, () =>
        callback(db.transaction(storeName, txMode, { durability: txMode === 'readwrite' ? 'strict' : 'default' }).objectStore(storeName)),
      ),
    )
}

/**
 * Runs one transaction's work, failing it if the browser closes the connection first: Chromium never settles the
 * transactions of a connection it force-closes (site data cleared, storage evicted), so without this a snapshot write
 * would hang the upgrade instead of failing with SNAPSHOT_WRITE_FAILED. The listener lives only as long as the call.
 */
function untilClosed<T>(db: IDBDatabase, run: () => T | PromiseLike<T>): Promise<T> {
  let onClose = (): void => {}
  return new Promise<T>((resolve, reject) => {
    onClose = () => reject(new DOMException(`the browser closed IndexedDB database ${db.name} (site data cleared?)`, 'AbortError'))
    db.addEventListener('close', onClose)
    Promise.resolve().then(run).then(resolve, reject)
  }).finally(() => db.removeEventListener('close', onClose))
}
