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
export type { MigrationFolder, MigrationFormat, ReadMigrationFolderOptions } from '../core/folder/migration-files'
export {
  type IgnoredFile,
  type MigrationEntry,
  type MigrationFileInput,
  type MigrationFileProblem,
  readMigrationFolder,
} from '../core/folder/migration-files'
export {
  type GlobResult,
  migrationFromEntry,
  type MigrationModule,
  migrationsFromGlob,
  type MigrationsFromGlobOptions,
  NO_TRANSACTION_DIRECTIVE,
} from '../core/folder/migrations-from-glob'
export { validateMigrations } from '../core/folder/validate-migrations'
export { compareVersionKeys } from '../core/folder/version-key'
export type { Baseline } from '../core/runner/baseline'
export { runMigrations, type RunMigrationsOptions } from '../core/runner/run-migrations'
export { type MigrationSetOptions } from '../core/runner/runner'
export type { Collation, SqlExtensions, SqlFunction, SqlFunctionDefinition } from '../core/sqlite/sql-extensions'
export * from '../shared/errors'
export { HISTORY_TABLE } from '../shared/stored-names'
export type * from '../shared/types'
export { serveDatabase, type ServeDatabaseOptions } from './serve-database'
