import type { Database } from '../sqlite/sqlite'

/**
 * Connection settings a migration may change and that outlive it: ROLLBACK undoes none of them, and COMMIT keeps them
 * on the app's connection. Read before every migration and written back after it (success or failure), but only those
 * that changed. File properties (`page_size`, `auto_vacuum`, `user_version`…) are not here: they are part of the
 * migration and undone with it. Settings that are refused outright are listed in `unsafePragmaReason`; `journal_mode`,
 * `synchronous`, `locking_mode` and `writable_schema` are still put back here, in case a code migration sets a safe
 * value of them.
 *
 * @example
 * for (const name of CONNECTION_SETTINGS) console.log(name, db.selectValue(`PRAGMA ${name}`))
 */
export const CONNECTION_SETTINGS = [
  'analysis_limit',
  'automatic_index',
  'busy_timeout',
  'cache_size',
  'cache_spill',
  'cell_size_check',
  'defer_foreign_keys',
  'foreign_keys',
  'hard_heap_limit',
  'ignore_check_constraints',
  'journal_mode',
  'journal_size_limit',
  'legacy_alter_table',
  'locking_mode',
  'max_page_count',
  'mmap_size',
  'query_only',
  'read_uncommitted',
  'recursive_triggers',
  'reverse_unordered_selects',
  'secure_delete',
  'soft_heap_limit',
  'synchronous',
  'temp_store',
  'threads',
  'trusted_schema',
  'writable_schema',
] as const

/** `case_sensitive_like` cannot be read with a PRAGMA: LIKE's behaviour tells it. 1 = case-insensitive (the default). */
const CASE_INSENSITIVE_LIKE = `SELECT 'a' LIKE 'A'`

/**
 * Every setting above and `case_sensitive_like`, as SQLite reports them now.
 *
 * @example
 * readConnectionSettings(db).cache_size // → -16384
 */
export function readConnectionSettings(db: Database): Record<string, unknown> {
  const values: Record<string, unknown> = {}
  for (const name of CONNECTION_SETTINGS) values[name] = db.selectValue(`PRAGMA ${name}`)
  values.case_sensitive_like = db.selectValue(CASE_INSENSITIVE_LIKE) === 1 ? 0 : 1
  return values
}

/**
 * Remembers the connection's settings; calling the result writes back those that differ now (outside a transaction:
 * some, like `foreign_keys`, are silent no-ops inside one). `enforceForeignKeys` is the saved `foreign_keys`.
 *
 * @example
 * const restore = saveConnectionSettings(db)
 * try { runMigration() } finally { restore() }
 */
export function saveConnectionSettings(db: Database): (() => void) & { enforceForeignKeys: boolean } {
  const saved = readConnectionSettings(db)
  const restore = () => {
    const now = readConnectionSettings(db)
    for (const [name, value] of Object.entries(saved)) {
      if (now[name] === value) continue
      // Values are integers or plain words (journal_mode 'delete', locking_mode 'normal'), never user text.
      db.exec(`PRAGMA ${name} = ${typeof value === 'number' || typeof value === 'bigint' ? String(value) : `'${String(value)}'`}`)
    }
  }
  return Object.assign(restore, { enforceForeignKeys: saved.foreign_keys === 1 })
}
