import { readMigrationFolder } from '../core/folder/migration-files'
import { migrationFromEntry } from '../core/folder/migrations-from-glob'
import type { Migration } from '../shared/types'
import { migrationsRoot, readMigrationsDirectory } from './read-migrations-directory'

/**
 * The migrations of a folder on disk, as the browser would get them (SQL read, code migrations imported). Throws
 * `Error` naming the first problem of the folder (run `sqlite-opfs-migrate check <dir>` for all of them).
 *
 * @example
 * const migrations = await loadMigrations('migrations')
 */
export async function loadMigrations(directory: string): Promise<Migration[]> {
  const folder = readMigrationFolder(await readMigrationsDirectory(directory), { root: migrationsRoot(directory) })
  const problem = folder.problems[0]
  if (problem) throw new Error(`${problem.message} (run: sqlite-opfs-migrate check ${directory})`)
  return folder.entries.map(migrationFromEntry)
}
