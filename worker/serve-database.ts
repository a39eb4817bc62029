import { expose, releaseProxy } from 'comlink'
import { installErrorTransfer } from '../src/error-transfer'
import { DatabaseClosedError, InvalidOptionsError } from '../src/errors'
import type { Migration, ProgressEvent } from '../src/types'
import type { WorkerApi } from '../src/worker-api'
import { openHost, type DatabaseHost } from './database-host'
import { loadSqlite } from './load-sqlite'

/** Options of `serveDatabase`. */
export interface ServeDatabaseOptions {
  /** The app's migrations, oldest first (see `migrationsFromGlob`). */
  migrations: readonly Migration[]
}

/**
 * Turns the current dedicated worker into the host of one database. Call it once at the top of your worker entry; the
 * page then opens the database with `openDatabase`.
 *
 * @example
 * // db.worker.ts
 * import { serveDatabase, migrationsFromGlob } from 'sqlite-opfs-migrate/worker'
 * serveDatabase({
 *   migrations: migrationsFromGlob(import.meta.glob('./migrations/*.sql', { query: '?raw', import: 'default', eager: true })),
 * })
 */
export function serveDatabase(options: ServeDatabaseOptions): void {
  // Start compiling sqlite-wasm now, while the page's open() call is still on its way.
  void loadSqlite().catch(() => {})
  installErrorTransfer()
  expose(createWorkerApi(options), globalThis as unknown as Parameters<typeof expose>[1])
}

/** The object `serveDatabase` exposes: every call runs after the previous one settled. */
export function createWorkerApi({ migrations }: ServeDatabaseOptions): WorkerApi {
  let host: DatabaseHost | null = null
  let state: 'new' | 'opening' | 'open' | 'closed' = 'new'
  let progress: ((event: ProgressEvent) => void) | null = null
  let queue: Promise<unknown> = Promise.resolve()

  // One call at a time, in arrival order: async steps (snapshot, restore) must never interleave with a query.
  const serial = <T>(run: () => T | Promise<T>): Promise<T> => {
    const result = queue.then(run)
    queue = result.catch(() => {})
    return result
  }
  const withHost = <T>(run: (host: DatabaseHost) => T | Promise<T>): Promise<T> =>
    serial(() => {
      if (!host) throw new DatabaseClosedError('DATABASE_CLOSED', state === 'closed' ? 'database is closed' : 'database is not open')
      return run(host)
    })
  // Progress goes out fire-and-forget: the page may have gone, and a lost progress event must not fail an upgrade.
  const emit = (event: ProgressEvent): void => {
    try {
      void Promise.resolve(progress?.(event)).catch(() => {})
    } catch {
      /* the page side is gone */
    }
  }

  return {
    open: (request, onProgress) =>
      serial(async () => {
        if (state !== 'new') throw new InvalidOptionsError('this worker already serves a database; create one worker per openDatabase call')
        state = 'opening'
        progress = onProgress
        try {
          const opened = await openHost(request, migrations, emit)
          host = opened.host
          state = 'open'
          return opened.result
        } catch (error) {
          state = 'closed'
          throw error
        }
      }),
    query: (sql, params) => withHost((h) => h.query(sql, params)),
    exec: (sql, params) => withHost((h) => h.exec(sql, params)),
    batch: (statements) => withHost((h) => h.batch(statements)),
    status: () => withHost((h) => h.status()),
    snapshots: () => withHost((h) => h.snapshots()),
    snapshot: () => withHost((h) => h.snapshot()),
    restoreSnapshot: (id, options) => withHost((h) => h.restoreSnapshot(id, options)),
    deleteSnapshot: (id) => withHost((h) => h.deleteSnapshot(id)),
    migrate: () => withHost((h) => h.migrate()),
    exportDatabase: () => withHost((h) => h.exportDatabase()),
    dryRun: () => withHost((h) => h.dryRun()),
    importDatabase: (file) => withHost((h) => h.importDatabase(file)),
    integrityCheck: () => withHost((h) => h.integrityCheck()),
    schema: () => withHost((h) => h.schema()),
    exportSnapshot: (id) => withHost((h) => h.exportSnapshot(id)),
    close: () =>
      serial(() => {
        ;(progress as { [releaseProxy]?: () => void } | null)?.[releaseProxy]?.()
        host?.file.shutdown()
        host = null
        state = 'closed'
      }),
  }
}
