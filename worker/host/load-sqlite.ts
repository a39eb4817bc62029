import sqlite3InitModule from '@sqlite.org/sqlite-wasm'

import type { Sqlite3 } from '../../core/sqlite/sqlite'

let loading: Promise<Sqlite3> | undefined

/** sqlite-wasm's configuration global, which the app's worker may have set for its own reasons. */
type ConfigScope = { sqlite3ApiConfig?: { disable?: { vfs?: Record<string, unknown> } } & Record<string, unknown> }

/**
 * Initialises sqlite-wasm once per worker. The `opfs` and `opfs-wl` VFSes are switched off: we only use
 * `opfs-sahpool`, and on pages served with COOP/COEP they would otherwise start two proxy workers (~50 ms) for nothing.
 * sqlite-wasm reads that from a global while it initialises, so ours is laid over the app's own settings for that
 * moment only, and the app's value (or its absence) is put back once sqlite-wasm has read it.
 *
 * @example
 * const sqlite3 = await loadSqlite()
 */
export function loadSqlite(): Promise<Sqlite3> {
  if (!loading) {
    const scope = globalThis as ConfigScope
    const had = Object.prototype.hasOwnProperty.call(scope, 'sqlite3ApiConfig')
    const app = scope.sqlite3ApiConfig
    scope.sqlite3ApiConfig = {
      ...app,
      disable: { ...app?.disable, vfs: { ...app?.disable?.vfs, opfs: true, 'opfs-vfs': true, 'opfs-wl': true } },
    }
    loading = sqlite3InitModule().finally(() => {
      if (had) scope.sqlite3ApiConfig = app
      else delete scope.sqlite3ApiConfig
    })
  }
  return loading
}
