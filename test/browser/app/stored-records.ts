// Direct access to what the library stores for a database (its IndexedDB records, its OPFS file), as another release
// of the library or a test would see them: for planting records and proving that nothing of them changed.

/** The library's IndexedDB database (shared/stored-names.ts), opened without creating it if it does not exist. */
async function openLibraryIdb(): Promise<IDBDatabase | null> {
  if (!(await indexedDB.databases()).some((d) => d.name === 'sqlite-opfs-migrate')) return null
  return new Promise<IDBDatabase>((resolve, reject) => {
    const request = indexedDB.open('sqlite-opfs-migrate')
    request.onsuccess = () => resolve(request.result)
    request.onerror = () => reject(request.error)
  })
}

const done = <T>(request: IDBRequest<T>) =>
  new Promise<T>(
    (resolve, reject) => ((request.onsuccess = () => resolve(request.result)), (request.onerror = () => reject(request.error))),
  )

async function sha256(bytes: BufferSource): Promise<string> {
  const digest = new Uint8Array(await crypto.subtle.digest('SHA-256', bytes))
  return Array.from(digest, (b) => b.toString(16).padStart(2, '0')).join('')
}

/** One stored record: its key (JSON) and its value (JSON, or the sha-256 of its bytes for Blobs and byte arrays). */
async function describeValue(value: unknown): Promise<string> {
  if (value instanceof Blob) return `blob ${await sha256(await value.arrayBuffer())}`
  if (value instanceof Uint8Array) return `bytes ${await sha256(value as Uint8Array<ArrayBuffer>)}`
  return JSON.stringify(value)
}

/** The database file's raw bytes in the sahpool directory (sha-256 with the pool's own header), or null if none. */
async function opfsFileSha256(name: string): Promise<string | null> {
  let pool: FileSystemDirectoryHandle
  try {
    const root = await (await navigator.storage.getDirectory()).getDirectoryHandle('.sqlite-opfs-migrate')
    pool = await (await root.getDirectoryHandle(name)).getDirectoryHandle('.opaque')
  } catch {
    return null
  }
  for await (const handle of (pool as unknown as { values(): AsyncIterable<FileSystemHandle> }).values()) {
    if (handle.kind !== 'file') continue
    const file = await (handle as FileSystemFileHandle).getFile()
    const head = new Uint8Array(await file.slice(0, 512).arrayBuffer())
    if (new TextDecoder().decode(head.subarray(0, head.indexOf(0))) === `/${name}`) return sha256(await file.arrayBuffer())
  }
  return null
}

/**
 * Everything stored for database `name` (the database closed): each IndexedDB record whose key names it, and the
 * sha-256 of its OPFS file. Equal results mean nothing was changed, added or removed.
 */
export async function storedRecords(name: string): Promise<{ records: [string, string][]; opfs: string | null }> {
  const idb = await openLibraryIdb()
  const records: [string, string][] = []
  if (idb)
    try {
      const objects = idb.transaction('snapshots').objectStore('snapshots')
      const [keys, values] = await Promise.all([done(objects.getAllKeys()), done(objects.getAll())])
      for (let i = 0; i < keys.length; i++)
        if (Array.isArray(keys[i]) && (keys[i] as unknown[])[1] === name)
          records.push([JSON.stringify(keys[i]), await describeValue(values[i])])
    } finally {
      idb.close()
    }
  return { records, opfs: await opfsFileSha256(name) }
}

/** Reads one record of the library's store (`undefined` if absent). */
export async function readRecord(key: IDBValidKey): Promise<unknown> {
  const idb = await openLibraryIdb()
  if (!idb) return undefined
  try {
    return await done(idb.transaction('snapshots').objectStore('snapshots').get(key))
  } finally {
    idb.close()
  }
}

/** Writes one record of the library's store as another release would (`undefined` deletes it). */
export async function writeRecord(key: IDBValidKey, value: unknown): Promise<void> {
  const idb = await openLibraryIdb()
  if (!idb) throw new Error('the library has stored nothing yet')
  try {
    const transaction = idb.transaction('snapshots', 'readwrite', { durability: 'strict' })
    const objects = transaction.objectStore('snapshots')
    if (value === undefined) objects.delete(key)
    else objects.put(value, key)
    await new Promise<void>((resolve, reject) => {
      transaction.oncomplete = () => resolve()
      transaction.onabort = transaction.onerror = () => reject(transaction.error)
    })
  } finally {
    idb.close()
  }
}
