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
export * from '../shared/errors'
export type * from '../shared/types'
export type { BatchStatement } from '../shared/worker-api'
export { DatabaseHandle } from './database-handle'
export { openDatabase, type OpenDatabaseOptions } from './open-database'
