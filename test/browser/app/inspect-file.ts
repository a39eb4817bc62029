import type { DatabaseHandle } from 'sqlite-opfs-migrate'

/** What the fault suite compares before and after a fault. */
export interface DatabaseDigest {
  version: number
  /** The history rows that do not depend on when they ran. */
  history: { version: number; name: string; checksum: string | null }[]
  /** Rows per table (the history table aside). */
  counts: Record<string, number>
  /** sha-256 of the schema and of every row of every table, in rowid order. */
  sha256: string
}

/**
 * Digest of everything a user would miss: the schema and every row of every table (the history's timings aside, which
 * differ between two runs of the same upgrade).
 */
export async function databaseDigest(db: DatabaseHandle): Promise<DatabaseDigest> {
  const version = Number((await db.query('PRAGMA user_version'))[0]!.user_version)
  const schema = await db.query(
    `SELECT type, name, tbl_name, sql FROM sqlite_schema WHERE tbl_name <> 'schema_migrations' ORDER BY type, name`,
  )
  const tables = schema.filter((o) => o.type === 'table' && !String(o.name).startsWith('sqlite_')).map((o) => String(o.name))
  const counts: Record<string, number> = {}
  let text = JSON.stringify(schema)
  for (const table of tables) {
    const rows = await db.query(`SELECT * FROM "${table}" ORDER BY rowid`)
    counts[table] = rows.length
    text += `\n${table}\n${JSON.stringify(rows)}`
  }
  const hasHistory = (await db.query(`SELECT 1 FROM sqlite_schema WHERE name = 'schema_migrations'`)).length > 0
  const history = hasHistory
    ? ((await db.query('SELECT version, name, checksum FROM schema_migrations ORDER BY version')) as DatabaseDigest['history'])
    : []
  return { version, history, counts, sha256: await sha256Hex(new TextEncoder().encode(text)) }
}

/** Ways to damage a database file. */
export type Tamper =
  /** Inverts the bytes at these offsets of the database file. */
  | { kind: 'flip'; offsets: number[] }
  /** Replaces the whole file with this text. */
  | { kind: 'replace'; text: string }
  /** Empties the file (zero bytes). */
  | { kind: 'empty' }

/**
 * Damages a closed database's file where the library keeps it: `opfs-sahpool` stores each file in
 * `.sqlite-opfs-migrate/<name>/.opaque/<random>` behind a 4 KiB header that starts with the file's path. Writes with
 * `createWritable`, as any code of the origin could (or a disk fault would).
 */
export async function tamperFile(name: string, how: Tamper): Promise<void> {
  const HEADER = 4096
  const root = await navigator.storage.getDirectory()
  const pool = await (await (await root.getDirectoryHandle('.sqlite-opfs-migrate')).getDirectoryHandle(name)).getDirectoryHandle('.opaque')
  let target: FileSystemFileHandle | undefined
  for await (const handle of (pool as unknown as { values(): AsyncIterable<FileSystemHandle> }).values()) {
    if (handle.kind !== 'file') continue
    const head = new Uint8Array(await (await (handle as FileSystemFileHandle).getFile()).slice(0, 512).arrayBuffer())
    const path = new TextDecoder().decode(head.subarray(0, head.indexOf(0)))
    if (path === `/${name}`) target = handle as FileSystemFileHandle
  }
  if (!target) throw new Error(`no OPFS file holds /${name}`)
  const file = await target.getFile()
  // A worker that was just terminated holds the file's access handle for a moment longer: wait for it to let go.
  let writable: FileSystemWritableFileStream | undefined
  for (const deadline = Date.now() + 3000; !writable;) {
    try {
      writable = await target.createWritable({ keepExistingData: true })
    } catch (error) {
      if ((error as Error).name !== 'NoModificationAllowedError' || Date.now() > deadline) throw error
      await new Promise((resolve) => setTimeout(resolve, 50))
    }
  }
  try {
    if (how.kind === 'flip') {
      for (const offset of how.offsets) {
        const byte = new Uint8Array(await file.slice(HEADER + offset, HEADER + offset + 1).arrayBuffer())[0]!
        await writable.write({ type: 'write', position: HEADER + offset, data: new Uint8Array([byte ^ 0xff]) })
      }
    } else if (how.kind === 'replace') {
      const bytes = new TextEncoder().encode(how.text)
      await writable.write({ type: 'write', position: HEADER, data: bytes })
      await writable.truncate(HEADER + bytes.byteLength)
    } else await writable.truncate(HEADER)
  } finally {
    await writable.close()
  }
}

/** Ways to damage a stored snapshot. */
export type SnapshotTamper = 'delete-chunk' | 'truncate-chunk' | 'flip-byte'

/**
 * Damages the last chunk of the snapshot an interrupted upgrade's marker names, directly in the library's IndexedDB
 * store (key layout: worker/records/snapshot-store.ts). Returns the snapshot's id.
 */
export async function tamperMarkedSnapshot(database: string, how: SnapshotTamper): Promise<string> {
  const idb = await new Promise<IDBDatabase>((resolve, reject) => {
    const request = indexedDB.open('sqlite-opfs-migrate')
    request.onsuccess = () => resolve(request.result)
    request.onerror = () => reject(request.error)
  })
  const run = <T>(act: (store: IDBObjectStore) => IDBRequest<T>) =>
    new Promise<T>((resolve, reject) => {
      const request = act(idb.transaction('snapshots', 'readwrite').objectStore('snapshots'))
      request.onsuccess = () => resolve(request.result)
      request.onerror = () => reject(request.error)
    })
  try {
    const marker = await run((s) => s.get(['marker', database]) as IDBRequest<{ snapshotId: string } | undefined>)
    if (!marker) throw new Error(`no marker for ${database}`)
    const index = (await run((s) => s.get(['snapshots', database]) as IDBRequest<{ id: string; chunkSha256: string[] }[]>))!
    const chunks = index.find((s) => s.id === marker.snapshotId)!.chunkSha256.length
    const key = ['snapshot', database, marker.snapshotId, chunks - 1]
    if (how === 'delete-chunk') await run((s) => s.delete(key))
    else {
      const bytes = new Uint8Array(await (await run((s) => s.get(key) as IDBRequest<Blob>)).arrayBuffer())
      const damaged = how === 'truncate-chunk' ? bytes.subarray(0, bytes.byteLength >> 1) : bytes.map((b, i) => (i === 100 ? b ^ 0xff : b))
      await run((s) => s.put(new Blob([damaged]), key))
    }
    return marker.snapshotId
  } finally {
    idb.close()
  }
}

async function sha256Hex(bytes: Uint8Array<ArrayBuffer>): Promise<string> {
  const digest = new Uint8Array(await crypto.subtle.digest('SHA-256', bytes))
  return Array.from(digest, (b) => b.toString(16).padStart(2, '0')).join('')
}
