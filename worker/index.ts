/**
 * Worker entry of sqlite-opfs-migrate: import it from your dedicated module worker.
 *
 * @example
 * // db.worker.ts
 * import { serveDatabase } from 'sqlite-opfs-migrate/worker'
 * import { migrations } from './migrations'
 * serveDatabase({ migrations })
 *
 * @module
 */
export { serveDatabase, type ServeDatabaseOptions } from './serve-database'
export {
  migrationsFromGlob,
  migrationFromEntry,
  NO_TRANSACTION_DIRECTIVE,
  type GlobResult,
  type MigrationModule,
  type MigrationsFromGlobOptions,
} from './migrations-from-glob'
export {
  readMigrationFolder,
  type IgnoredFile,
  type MigrationEntry,
  type MigrationFileInput,
  type MigrationFileProblem,
} from './migration-files'
export type { MigrationFolder, MigrationFormat, ReadMigrationFolderOptions } from './migration-files'
export { compareVersionKeys } from './version-key'
export type { Baseline } from './baseline'
export type { Collation, SqlExtensions, SqlFunction, SqlFunctionDefinition } from './sql-extensions'
export { runMigrations, type MigrationSetOptions, type RunMigrationsOptions } from './runner'
export { validateMigrations } from './validate-migrations'
export { HISTORY_TABLE } from './history'
export * from '../src/errors'
export type * from '../src/types'
