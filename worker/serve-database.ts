import { expose, releaseProxy } from 'comlink'

import type { Baseline } from '../core/runner/baseline'
import type { SqlExtensions } from '../core/sqlite/sql-extensions'
import { envelope } from '../shared/call-result'
import { DatabaseClosedError, InvalidOptionsError } from '../shared/errors'
import type { Migration, ProgressEvent } from '../shared/types'
import { type MethodArgs, type MethodResult, REMOTE_METHODS, type RemoteMethod, type WorkerApi } from '../shared/worker-protocol'
import { loadSqlite } from './host/load-sqlite'
import { DatabaseCoordinator } from './tabs/database-coordinator'

/** Options of `serveDatabase`. */
export interface ServeDatabaseOptions {
  /** The app's migrations, oldest first (see `migrationsFromGlob`, or the Vite plugin's `virtual:sqlite-opfs-migrate`). */
  migrations: readonly Migration[]
  /**
   * Adopts a database made without this library (tables, maybe `user_version`, no `schema_migrations`): the version of
   * the migration its schema matches, or `'user_version'` to read it from the file. Migrations up to it are recorded as
   * applied (`baseline: true`), later ones run. See `Baseline`.
   *
   * @example
   * serveDatabase({ migrations, baseline: 'user_version' })
   */
  baseline?: Baseline | undefined
  /**
   * SQL functions registered on every connection before migrations run (and for the app's queries).
   *
   * @example
   * serveDatabase({ migrations, functions: { slugify: { fn: (s) => String(s).toLowerCase(), deterministic: true, arity: 1 } } })
   */
  functions?: SqlExtensions['functions']
  /**
   * Collations registered on every connection before migrations run.
   *
   * @example
   * serveDatabase({ migrations, collations: { unicode: (a, b) => a.localeCompare(b) } })
   */
  collations?: SqlExtensions['collations']
  /**
   * Also receives every progress event, in the worker, synchronously, after it was sent to the page: for logging or
   * telemetry from the worker. It must not throw.
   *
   * @example
   * serveDatabase({ migrations, onProgress: (e) => e.type === 'migration-end' && console.info(e.name, e.durationMs) })
   */
  onProgress?: ((event: ProgressEvent) => void) | undefined
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
  // Errors cross as returned values (`envelope`): Comlink's global `throw` handler stays the app's.
  expose(envelope(createWorkerApi(options)), globalThis as unknown as Parameters<typeof expose>[1])
}

/** `attach`: takes the page's lock and never lets go; the browser releases it when this worker ends. */
const holdWhileAlive: WorkerApi['attach'] = (lock) =>
  new Promise<void>((held, failed) => {
    if (!navigator.locks) return held() // no Web Locks: the page has no way to watch either
    navigator.locks.request(lock, () => (held(), new Promise<never>(() => {}))).catch(failed)
  })

/** The object `serveDatabase` exposes: the page's end of this tab's `DatabaseCoordinator`. */
export function createWorkerApi({ onProgress: inWorker, ...app }: ServeDatabaseOptions): WorkerApi {
  let coordinator: DatabaseCoordinator | null = null
  let state: 'new' | 'opening' | 'open' | 'closed' = 'new'
  const released: { [releaseProxy]?: () => void }[] = []

  // Events go out fire-and-forget: the page may have gone, and a lost event must not fail an upgrade.
  const fireAndForget =
    <E>(callback: (event: E) => unknown) =>
    (event: E): void => {
      try {
        void Promise.resolve(callback(event)).catch(() => {})
      } catch {
        /* the page side is gone */
      }
    }
  const call = <M extends RemoteMethod>(method: M, args: MethodArgs<M>): Promise<MethodResult<M>> => {
    if (!coordinator)
      return Promise.reject(new DatabaseClosedError('DATABASE_CLOSED', state === 'closed' ? 'database is closed' : 'database is not open'))
    return coordinator.call(method, args)
  }

  return {
    ...forwardEach(call),
    attach: holdWhileAlive,
    async open(request, onProgress, onVersionChange) {
      if (state !== 'new') throw new InvalidOptionsError('this worker already serves a database; create one worker per openDatabase call')
      state = 'opening'
      released.push(onProgress as never, onVersionChange as never)
      try {
        const toPage = fireAndForget(onProgress)
        const progress = (event: ProgressEvent): void => {
          toPage(event)
          inWorker?.(event)
        }
        const events = { progress, versionChange: fireAndForget(onVersionChange) }
        const joined = await DatabaseCoordinator.open(request, app, events)
        coordinator = joined.coordinator
        state = 'open'
        return { opened: joined.opened }
      } catch (error) {
        state = 'closed'
        throw error
      }
    },
    async suspend() {
      await coordinator?.suspend()
    },
    async close() {
      const closing = coordinator
      coordinator = null
      state = 'closed'
      try {
        await closing?.close()
      } finally {
        for (const proxy of released.splice(0)) proxy[releaseProxy]?.()
      }
    },
  }
}

/** The calls on the database as the worker exposes them. */
type RemoteApi = Pick<WorkerApi, RemoteMethod>

/** One method per call on the database of `METHODS`, each handing its arguments to `call` (this tab's coordinator). */
function forwardEach(call: <M extends RemoteMethod>(method: M, args: MethodArgs<M>) => Promise<MethodResult<M>>): RemoteApi {
  const api: Partial<Record<RemoteMethod, unknown>> = {}
  for (const method of REMOTE_METHODS) api[method] = (...args: MethodArgs<typeof method>) => call(method, args)
  // Built by name from the table, so TypeScript cannot follow each key to its own signature.
  return api as RemoteApi
}
