/**
 * Page (main-thread) entry of sqlite-opfs-migrate.
 *
 * @example
 * import { openDatabase } from 'sqlite-opfs-migrate'
 * const db = await openDatabase({
 *   name: 'app.db',
 *   worker: () => new Worker(new URL('./db.worker.ts', import.meta.url), { type: 'module' }),
 * })
 *
 * @module
 */
export { DatabaseHandle } from './database-handle'
export * from './errors'
export { openDatabase, type OpenDatabaseOptions } from './open-database'
export type * from './types'
export type { BatchStatement } from './worker-api'
