import { InvalidMigrationsError } from '../src/errors'
import type { Migration, MigrationDatabase } from '../src/types'

/** A `.ts`/`.js` migration module: it exports a synchronous `up(db)` and optionally `transaction = false`. */
export interface MigrationModule {
  up: (db: MigrationDatabase) => void
  transaction?: boolean
}

/** What `import.meta.glob(…, { eager: true })` gives: SQL text (with `query: '?raw', import: 'default'`) or modules. */
export type GlobResult = Record<string, string | { default?: unknown; up?: unknown; transaction?: unknown }>

const FILE = /^(\d+)[_-]([A-Za-z0-9][A-Za-z0-9_.\- ]*)\.(sql|ts|js|mts|mjs)$/
/** Put this comment in a SQL file to run it outside a transaction (for `VACUUM`). */
export const NO_TRANSACTION_DIRECTIVE = /^\s*--\s*sqlite-opfs-migrate:\s*no-transaction\b/m

/**
 * Turns Vite `import.meta.glob` results of a migrations folder into the ordered migration list. File names are
 * `<version>_<name>.sql` or `<version>_<name>.ts` (e.g. `0001_create_notes.sql`); versions are read as numbers, so
 * `10_x` comes after `9_y`. No `fs` at run time: Vite inlines the files at build time.
 *
 * @example
 * export const migrations = migrationsFromGlob({
 *   ...import.meta.glob('./*.sql', { query: '?raw', import: 'default', eager: true }),
 *   ...import.meta.glob('./[0-9]*.ts', { eager: true }),
 * })
 */
export function migrationsFromGlob(...globs: GlobResult[]): Migration[] {
  const byVersion = new Map<number, { file: string; migration: Migration }>()
  for (const [path, value] of globs.flatMap((g) => Object.entries(g))) {
    const file = path.split('/').pop() ?? path
    const match = FILE.exec(file)
    if (!match)
      throw new InvalidMigrationsError(
        `${path}: migration files must be named <version>_<name>.sql or .ts (e.g. 0001_create_notes.sql)`,
        path,
        null,
        null,
      )
    const version = Number(match[1])
    const name = match[2]!
    const migration = toMigration(path, version, name, value)
    const clash = byVersion.get(version)
    if (clash) throw new InvalidMigrationsError(`${path}: duplicate version ${version} (also ${clash.file})`, path, version, name)
    byVersion.set(version, { file: path, migration })
  }
  return [...byVersion.values()].map((v) => v.migration).sort((a, b) => a.version - b.version)
}

function toMigration(path: string, version: number, name: string, value: GlobResult[string]): Migration {
  const sql = typeof value === 'string' ? value : typeof value?.default === 'string' ? value.default : undefined
  if (sql !== undefined) {
    return { version, name, sql, ...(NO_TRANSACTION_DIRECTIVE.test(sql) ? { transaction: false } : {}) }
  }
  const module = value as Partial<MigrationModule>
  if (typeof module?.up !== 'function')
    throw new InvalidMigrationsError(
      `${path}: expected SQL text (glob with { query: '?raw', import: 'default' }) or a module exporting up(db)`,
      path,
      version,
      name,
    )
  return { version, name, up: module.up, ...(module.transaction === false ? { transaction: false } : {}) }
}
