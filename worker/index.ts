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
export * from '../src/errors'
export { HISTORY_TABLE } from '../src/stored-names'
export type * from '../src/types'
export type { Baseline } from './baseline'
export type { MigrationFolder, MigrationFormat, ReadMigrationFolderOptions } from './migration-files'
export {
  type IgnoredFile,
  type MigrationEntry,
  type MigrationFileInput,
  type MigrationFileProblem,
  readMigrationFolder,
} from './migration-files'
export {
  type GlobResult,
  migrationFromEntry,
  type MigrationModule,
  migrationsFromGlob,
  type MigrationsFromGlobOptions,
  NO_TRANSACTION_DIRECTIVE,
} from './migrations-from-glob'
export { type MigrationSetOptions, runMigrations, type RunMigrationsOptions } from './runner'
export { serveDatabase, type ServeDatabaseOptions } from './serve-database'
export type { Collation, SqlExtensions, SqlFunction, SqlFunctionDefinition } from './sql-extensions'
export { validateMigrations } from './validate-migrations'
export { compareVersionKeys } from './version-key'
