/** Type names from sqlite-wasm used across the worker, in one place. */
import type sqlite3InitModule from '@sqlite.org/sqlite-wasm'
import type { Database, SAHPoolUtil } from '@sqlite.org/sqlite-wasm'

/** The initialised sqlite3 module object. */
export type Sqlite3 = Awaited<ReturnType<typeof sqlite3InitModule>>
export type { Database, SAHPoolUtil }

/** SQLite's result code of an error thrown by sqlite-wasm, or `null` if it did not come from SQLite. */
export function sqliteCodeOf(error: unknown): number | null {
  const code = (error as { resultCode?: unknown } | null)?.resultCode
  return typeof code === 'number' ? code : null
}

/** The message of anything thrown, without sqlite-wasm's `SQLITE_ERROR: sqlite3 result code 1:` prefix. */
export function messageOf(error: unknown): string {
  const message = error instanceof Error ? error.message : String(error)
  return message.replace(/^SQLITE_[A-Z_]+: sqlite3 result code \d+: /, '')
}
