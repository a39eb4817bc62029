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
export { migrationsFromGlob, NO_TRANSACTION_DIRECTIVE, type GlobResult, type MigrationModule } from './migrations-from-glob'
export { runMigrations, type RunMigrationsOptions } from './runner'
export { validateMigrations } from './validate-migrations'
export { HISTORY_TABLE } from './history'
export * from '../src/errors'
export type * from '../src/types'
