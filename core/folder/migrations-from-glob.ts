import { InvalidMigrationsError } from '../../shared/errors'
import type { Migration, MigrationDatabase } from '../../shared/types'
import { type MigrationEntry, readMigrationFolder } from './migration-files'
import { readSqlMigrationText, type SqlFileFormat, SqlSectionError } from './migration-sections'

export { NO_TRANSACTION_DIRECTIVE } from './migration-sections'

/** A `.ts`/`.js` migration module: it exports a synchronous `up(db)` and optionally `transaction = false`. */
export interface MigrationModule {
  up: (db: MigrationDatabase) => void
  transaction?: boolean
}

/** What `import.meta.glob(…, { eager: true })` gives: SQL text (with `query: '?raw', import: 'default'`) or modules. */
export type GlobResult = Record<string, string | { default?: unknown; up?: unknown; transaction?: unknown }>

/** Options of `migrationsFromGlob`, given after the globs. */
export interface MigrationsFromGlobOptions {
  /**
   * The migrations folder as the glob's keys write it (`'./migrations'`, `'../db'`). Needed only when the migrations sit
   * in one folder named like a version (`./sqlite/0.22/…` before `0.23/` exists, or a folder called `v2/`): without it
   * that is refused as ambiguous, since guessing would rename every migration once a second version folder appears.
   */
  root: string
}

/**
 * Turns Vite `import.meta.glob` results of a migrations folder into the ordered migration list. Every layout of
 * `readMigrationFolder` is accepted (see the README's "Migration folders from other tools"): `0001_name.sql` / `.ts`,
 * `0001_name.up.sql` (+ `.down.sql`, not run), `<version>_<name>/up.sql` (diesel), `<timestamp>_<name>/migration.sql`
 * (Prisma: glob `migration_lock.toml` too; Drizzle Kit v1), version folders (`0.22/01_x.sql`), Flyway `V1_1__x.sql`,
 * and Drizzle Kit's journal layout (glob its `meta/_journal.json` too). Versions are compared as numbers, so `10_x`
 * comes after `9_y` and `0.3_x` before `0.28_y`. Of a file written for goose, dbmate or sql-migrate only the up part
 * runs (see `readSqlMigrationText`). No `fs` at run time: Vite inlines the files at build time. Throws
 * `InvalidMigrationsError` naming the file for a folder problem, and when the globs matched no migration at all.
 * (The Vite plugin, `sqlite-opfs-migrate/vite`, does this and checks the SQL at build time.)
 *
 * @example
 * export const migrations = migrationsFromGlob({
 *   ...import.meta.glob('./*.sql', { query: '?raw', import: 'default', eager: true }),
 *   ...import.meta.glob('./[0-9]*.ts', { eager: true }),
 * })
 * // Drizzle Kit: migrationsFromGlob(import.meta.glob('./drizzle/**\/*.{sql,json}', { query: '?raw', import: 'default', eager: true }))
 * // Prisma: migrationsFromGlob(import.meta.glob('./prisma/migrations/**\/*.{sql,toml}', { query: '?raw', import: 'default', eager: true }))
 * // Version folders: migrationsFromGlob(import.meta.glob('./sqlite/**\/*.sql', { query: '?raw', import: 'default', eager: true }), { root: './sqlite' })
 */
export function migrationsFromGlob(...globs: (GlobResult | MigrationsFromGlobOptions)[]): Migration[] {
  // A glob's keys are paths ('./…', '../…', '/…'); an object whose only key is `root` is the options.
  const isOptions = (g: object): g is MigrationsFromGlobOptions =>
    Object.keys(g).length === 1 && typeof (g as { root?: unknown }).root === 'string'
  const options = globs.find(isOptions)
  const files = globs
    .filter((g) => !isOptions(g))
    .flatMap((g) => Object.entries(g))
    .map(([path, value]) => ({ path, value }))
  if (files.length === 0)
    throw new InvalidMigrationsError(
      'the globs matched no file: check their paths (relative to the file calling import.meta.glob) and patterns',
      'migrations',
      null,
      null,
    )
  const folder = readMigrationFolder(files, { root: options?.root })
  const problem = folder.problems[0]
  if (problem) throw new InvalidMigrationsError(problem.message, problem.path, null, null)
  return folder.entries.map(migrationFromEntry)
}

/**
 * The migration a folder entry holds: its SQL text (a string, or a module whose default export is one) or a module
 * exporting `up(db)`. Of a SQL file written with up and down sections (goose, dbmate, sql-migrate) only the up part
 * becomes `sql`, and its no-transaction markers become `transaction: false` (see `readSqlMigrationText`). Throws
 * `InvalidMigrationsError` naming the file (and the line, for a malformed sectioned file) for anything else.
 *
 * @example
 * migrationFromEntry({ path: './1_a.sql', key: '1', version: 1, name: 'a', format: 'numbered', kind: 'sql', value: 'CREATE TABLE a(x);' })
 */
export function migrationFromEntry(entry: MigrationEntry): Migration {
  return readMigrationEntry(entry).migration
}

/** A migration as `migrationFromEntry` reads it, with how its SQL file was laid out (`null` for code migrations). */
export interface ReadMigration {
  migration: Migration
  sqlFormat: SqlFileFormat | null
}

/**
 * `migrationFromEntry`, also telling the SQL file's format (the check names it in its findings).
 *
 * @example
 * readMigrationEntry(entry).sqlFormat // → 'goose'
 */
export function readMigrationEntry(entry: MigrationEntry): ReadMigration {
  const { path, version, name, value } = entry
  const text = typeof value === 'string' ? value : (value as { default?: unknown } | null)?.default
  if (typeof text === 'string') {
    let read: ReturnType<typeof readSqlMigrationText>
    try {
      read = readSqlMigrationText(text)
    } catch (error) {
      if (!(error instanceof SqlSectionError)) throw error
      throw new InvalidMigrationsError(`${path}:${error.line}: ${error.message}`, path, version, name, error.line)
    }
    const migration: Migration = {
      version,
      name,
      sql: read.sql,
      ...(read.transaction && entry.transaction !== false ? {} : { transaction: false }),
    }
    return { migration, sqlFormat: read.format }
  }
  // A CommonJS module (`module.exports = { up }`) imported by Node arrives as its `default`.
  const wrapper = value as { up?: unknown; default?: Partial<MigrationModule> } | null
  const module = (
    typeof wrapper?.up !== 'function' && typeof wrapper?.default?.up === 'function' ? wrapper.default : wrapper
  ) as Partial<MigrationModule> | null
  if (typeof module?.up !== 'function')
    throw new InvalidMigrationsError(
      `${path}: expected SQL text (glob with { query: '?raw', import: 'default' }) or a module exporting up(db)`,
      path,
      version,
      name,
    )
  return { migration: { version, name, up: module.up, ...(module.transaction === false ? { transaction: false } : {}) }, sqlFormat: null }
}
