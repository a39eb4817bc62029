import sqlite3InitModule from '@sqlite.org/sqlite-wasm'
import { del, get, set } from 'idb-keyval'

import { DB_NAME, POOL_DIRECTORY, UPGRADE_V2 } from './bench-schema'

// The raw counterpart of every figure: plain sqlite-wasm on opfs-sahpool (the same pool directory and file the library
// uses) and plain idb-keyval (its default store), with no wrapper. Each request answers { ok, value } or { ok, error }.
type Sqlite3 = Awaited<ReturnType<typeof sqlite3InitModule>>
type Pool = Awaited<ReturnType<Sqlite3['installOpfsSAHPoolVfs']>>
const path = `/${DB_NAME}`
let pool: Pool
let db: InstanceType<Pool['OpfsSAHPoolDb']> | null = null

const reopen = () => {
  db = new pool.OpfsSAHPoolDb(path)
  return Number(db.selectValue('PRAGMA user_version'))
}
const closeDb = () => {
  db?.close()
  db = null
}
const snapshot = async (key: string) => {
  const bytes = pool.exportFile(path)
  await set(key, new Blob([bytes as Uint8Array<ArrayBuffer>], { type: 'application/vnd.sqlite3' }))
  return bytes.byteLength
}

const ops: Record<string, (arg: string) => unknown> = {
  /**
   * init + sahpool install + open + PRAGMA user_version (the page times it from `new Worker`); then `sql`, if given, as
   * the app's first query.
   */
  async open(sql) {
    const sqlite3 = await sqlite3InitModule()
    pool = await sqlite3.installOpfsSAHPoolVfs({ name: 'opfs-sahpool', directory: POOL_DIRECTORY, preserveOnInitFailure: true } as never)
    const version = reopen()
    if (sql) db!.selectValue(sql)
    return version
  },
  /** Lets go of the file so the library's worker can take it. */
  close() {
    closeDb()
    pool.pauseVfs()
  },
  query: (sql) => db!.selectValue(sql),
  /** exportFile + idb-keyval set(Blob). */
  snapshot,
  /** idb-keyval get + importDb + reopen. */
  async restore(key) {
    closeDb()
    const blob = await get<Blob>(key)
    // eslint-disable-next-line @typescript-eslint/no-floating-promises -- synchronous for bytes (its .d.ts says Promise)
    pool.importDb(path, new Uint8Array(await blob!.arrayBuffer()))
    return reopen()
  },
  /** Snapshot, then the same SQL as the library's migration 2 in one transaction (as sqlite.org's 12-step recipe says). */
  async upgrade(key) {
    await snapshot(key)
    db!.exec('PRAGMA foreign_keys = OFF')
    db!.exec('BEGIN IMMEDIATE')
    try {
      db!.exec(UPGRADE_V2)
      if (db!.selectValues('PRAGMA foreign_key_check').length > 0) throw new Error('foreign key violations')
      db!.exec('PRAGMA user_version = 2')
      db!.exec('COMMIT')
    } catch (error) {
      db!.exec('ROLLBACK')
      throw error
    }
    return Number(db!.selectValue('PRAGMA user_version'))
  },
  del: (key) => del(key),
  /** exportFile, and sha-256 of the bytes (Web Crypto), timed separately. */
  async hash() {
    let started = performance.now()
    const bytes = pool.exportFile(path)
    const exportMs = performance.now() - started
    started = performance.now()
    await crypto.subtle.digest('SHA-256', bytes as Uint8Array<ArrayBuffer>)
    return { bytes: bytes.byteLength, exportMs, hashMs: performance.now() - started }
  },
}

self.onmessage = async ({ data: { id, op, arg } }: MessageEvent<{ id: number; op: string; arg: string }>) => {
  try {
    self.postMessage({ id, ok: true, value: await ops[op]!(arg) })
  } catch (error) {
    self.postMessage({ id, ok: false, error: String(error) })
  }
}
