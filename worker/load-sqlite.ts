import sqlite3InitModule from '@sqlite.org/sqlite-wasm'
import type { Sqlite3 } from './sqlite'

let loading: Promise<Sqlite3> | undefined

/**
 * Initialises sqlite-wasm once per worker. The `opfs` and `opfs-wl` VFSes are switched off: we only use
 * `opfs-sahpool`, and on pages served with COOP/COEP they would otherwise start two proxy workers (~50 ms) for nothing.
 */
export function loadSqlite(): Promise<Sqlite3> {
  if (!loading) {
    const config = globalThis as { sqlite3ApiConfig?: Record<string, unknown> }
    config.sqlite3ApiConfig = {
      ...config.sqlite3ApiConfig,
      disable: { vfs: { opfs: true, 'opfs-vfs': true, 'opfs-wl': true } },
    }
    loading = sqlite3InitModule()
  }
  return loading
}
