import sqlite3InitModule from '@sqlite.org/sqlite-wasm'

import type { Sqlite3 } from '../core/sqlite/sqlite'

let loading: Promise<Sqlite3> | undefined

/** sqlite-wasm's own Node build (WebAssembly, no native addon), initialised once per process. */
export function loadNodeSqlite(): Promise<Sqlite3> {
  loading ??= sqlite3InitModule()
  return loading
}
