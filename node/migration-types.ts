import { mkdir, readFile, writeFile } from 'node:fs/promises'
import { dirname } from 'node:path'

import { digestInTypes, schemaTypeScript } from '../core/schema/schema-typescript'
import { checkMigrationFiles, type CheckOptions, type CheckResult } from './check-migrations'
import { loadNodeSqlite } from './node-sqlite'
import { migrationsRoot, readMigrationsDirectory } from './read-migrations-directory'

/**
 * Options of `migrationTypes`.
 *
 * @example
 * const options: MigrationTypesOptions = { directory: 'migrations', check: { functions: ['slugify'] } }
 */
export interface MigrationTypesOptions {
  /** The migrations folder. */
  directory: string
  /** What relative paths (and the module's header) are relative to; default: the working directory. */
  base?: string | undefined
  /** How the folder is checked (custom functions and collations, strict lint). `root` is set from `directory`. */
  check?: Omit<CheckOptions, 'root'> | undefined
}

/**
 * What `migrationTypes` produced: the check's result, and the TypeScript module (`null` when the check failed: no
 * types are written from migrations that do not apply).
 *
 * @example
 * const { types, check } = await migrationTypes({ directory: 'migrations' })
 */
export interface MigrationTypes {
  check: CheckResult
  types: string | null
}

/**
 * Checks a migrations folder (as `sqlite-opfs-migrate check` does) and renders the schema its last migration leaves
 * as a TypeScript module (see `schemaTypeScript`), headed with the folder relative to `base` and the last version.
 *
 * @example
 * const { types } = await migrationTypes({ directory: 'migrations' })
 * if (types) await writeFile('src/db-schema.ts', types)
 */
export async function migrationTypes(options: MigrationTypesOptions): Promise<MigrationTypes> {
  const base = options.base ?? process.cwd()
  const root = migrationsRoot(options.directory, base)
  const files = await readMigrationsDirectory(options.directory, { base })
  const check = await checkMigrationFiles(await loadNodeSqlite(), files, { ...options.check, root })
  if (!check.ok || !check.schema) return { check, types: null }
  const version = check.migrations.at(-1)?.migration.version ?? 0
  return { check, types: schemaTypeScript(check.schema, { source: root || '.', version }) }
}

/**
 * Whether a types file on disk is what `generated` says: `missing`, `fresh` (same digest in its header, however it
 * was formatted since) or `stale`.
 *
 * @example
 * if ((await typesFileState('src/db-schema.ts', types)) !== 'fresh') await writeTypesFile('src/db-schema.ts', types)
 */
export async function typesFileState(path: string, generated: string): Promise<'missing' | 'fresh' | 'stale'> {
  let text: string
  try {
    text = await readFile(path, 'utf8')
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return 'missing'
    throw error
  }
  const digest = digestInTypes(text)
  return digest !== null && digest === digestInTypes(generated) ? 'fresh' : 'stale'
}

/**
 * Writes the types file unless it is already fresh (so a dev server watching it does not rebuild for nothing).
 * Returns whether it wrote.
 *
 * @example
 * await writeTypesFile('src/db-schema.ts', types) // false when nothing changed
 */
export async function writeTypesFile(path: string, generated: string): Promise<boolean> {
  if ((await typesFileState(path, generated)) === 'fresh') return false
  await mkdir(dirname(path), { recursive: true })
  await writeFile(path, generated)
  return true
}
