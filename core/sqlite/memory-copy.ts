import { registerExtensions, type SqlExtensions } from './sql-extensions'
import type { Database, Sqlite3 } from './sqlite'

/**
 * Opens a private in-memory database holding a copy of `bytes` (a whole SQLite file). Writes to it never reach the
 * bytes it came from, so a dry run or an import check can do anything to it. Throws sqlite-wasm's error (e.g.
 * `SQLITE_NOTADB`) when SQLite cannot read the bytes. Close it when done: that frees the copy.
 *
 * @example
 * const copy = openMemoryCopy(sqlite3, file.exportBytes())
 * try { copy.exec('DROP TABLE notes') } finally { copy.close() }
 */
export function openMemoryCopy(
  sqlite3: Sqlite3,
  bytes: Uint8Array,
  extensions?: SqlExtensions,
  /** Runs on the empty connection before the bytes are attached (e.g. settings for an untrusted file). */
  configure?: (db: Database) => void,
): Database {
  const { capi, wasm } = sqlite3
  const db = new sqlite3.oo1.DB(':memory:')
  try {
    configure?.(db)
    registerExtensions(sqlite3, db, extensions)
  } catch (error) {
    db.close()
    throw error
  }
  if (bytes.byteLength === 0) return db
  try {
    // sqlite3_deserialize takes ownership of the allocation (FREEONCLOSE), even when it fails.
    const pointer = wasm.allocFromTypedArray(bytes)
    const flags = capi.SQLITE_DESERIALIZE_FREEONCLOSE | capi.SQLITE_DESERIALIZE_RESIZEABLE
    const rc = capi.sqlite3_deserialize(db.pointer!, 'main', pointer, bytes.byteLength, bytes.byteLength, flags)
    db.checkRc(rc)
    // Reading the schema is what fails on bytes that are not a database; make it fail here, not later.
    db.selectValue('SELECT count(*) FROM sqlite_schema')
    return db
  } catch (error) {
    db.close()
    throw error
  }
}
