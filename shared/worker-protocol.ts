import type {
  AppliedMigration,
  DatabaseStatus,
  DryRunResult,
  ExecuteOptions,
  ExecuteResult,
  ImportResult,
  IntegrityReport,
  OpenRequest,
  ProgressEvent,
  RestoreResult,
  RunResult,
  SchemaObject,
  SnapshotInfo,
  SqlParams,
  SqlValue,
  VersionChangeEvent,
} from './types'
import type { BatchStatement, OpenReply } from './worker-api'

// The one list of what the page can call on its database worker, and how each call is served. The page's handle, the
// worker entry's exposed object, a follower tab's forwarding to the owner and the owner's dispatch to the host are all
// typed from it, and the rules (what may run again, what moves the version, what a pending recovery refuses) are read
// from it: no other file keeps a list of methods.
//
// Adding a method takes three steps: a row here (its signature and rules), its implementation in `DatabaseHost`
// (worker/host/database-host.ts; the typecheck fails until it exists), and the page handle's documented public method
// (src/database-handle.ts), one line: `this.#connection.call((w) => w.name(…))`. The worker entry and the forwarding
// between tabs need nothing more.
//
// Only the worker imports this table at run time; the page imports its types alone, so the page bundle carries none of
// it.

/** How a call on the open database is served; see the rows of `METHODS`. */
export interface DatabaseRules {
  /**
   * It runs on the database: at the tab that owns it, on its one connection, in turn with every tab's calls. The other
   * tabs forward it there.
   */
  readonly kind: 'database'
  /**
   * It only reads (the file, the snapshots). A follower's call that its owner started but never answered (the owner
   * closed, crashed or handed over) runs again at the next owner; any other call rejects with `OUTCOME_UNKNOWN`,
   * because it may or may not have been applied.
   */
  readonly readOnly: boolean
  /** It may move the file's version (`PRAGMA user_version`): the owner tells every tab the version again after it. */
  readonly changesVersion: boolean
  /**
   * What happens while a change could not be finished (`RecoveryPendingError`): `'refused'`, rejected with that error
   * before it runs; `'reads-only'`, its SQL runs but only reading statements are allowed; `'runs'`, it runs.
   */
  readonly whileRecoveryPending: 'refused' | 'reads-only' | 'runs'
  /**
   * Its SQL runs as written, so it may begin, commit or roll back a transaction that stays open after the call
   * (`exec('BEGIN')`): the tab's transaction is tracked across it (see worker/tabs/tab-transaction.ts).
   */
  readonly controlsTransaction: boolean
}

/** A method about the worker's own life, answered by this tab's worker itself and never forwarded. */
export interface LifecycleRules {
  readonly kind: 'lifecycle'
}

/** A promise-returning method. */
type Signature = (...args: never[]) => Promise<unknown>

/** A row of `METHODS`: its rules, and its signature as a type only (`signature` is never set). */
export type MethodRow<Rules, F extends Signature> = Rules & { readonly signature?: F }

/** A call on the database, with signature `F`. */
function database<F extends Signature>(rules: Omit<DatabaseRules, 'kind'>): MethodRow<DatabaseRules, F> {
  return { kind: 'database', ...rules }
}

/** A method of the worker's own life, with signature `F`. */
function lifecycle<F extends Signature>(): MethodRow<LifecycleRules, F> {
  return { kind: 'lifecycle' }
}

/** Most calls: run by the owner, change nothing the other tabs must hear of, run while a recovery is pending. */
const PLAIN = { readOnly: false, changesVersion: false, whileRecoveryPending: 'runs', controlsTransaction: false } as const
/** Reads only. */
const READS = { ...PLAIN, readOnly: true } as const
/** SQL as the app wrote it. */
const SQL = { ...PLAIN, whileRecoveryPending: 'reads-only', controlsTransaction: true } as const
/** Writes that a pending recovery would overwrite. */
const WRITES = { ...PLAIN, whileRecoveryPending: 'refused' } as const
/** Writes that replace or upgrade the file. */
const NEW_VERSION = { ...WRITES, changesVersion: true } as const

/**
 * Every method the database worker exposes to the page (over Comlink), with its signature and rules. Calls run one at
 * a time, in arrival order, so a restore or an upgrade never interleaves with a query.
 *
 * @example
 * METHODS.exportDatabase.readOnly // true: a follower's call runs again at the next owner if its owner dies
 * type Rows = MethodResult<'query'> // Record<string, SqlValue>[]
 */
export const METHODS = {
  /** Opens (and upgrades) the database: owns it if no tab does, else follows the owner. The callbacks are Comlink proxies. */
  open: lifecycle<
    (
      request: OpenRequest,
      onProgress: (event: ProgressEvent) => void,
      onVersionChange: (event: VersionChangeEvent) => void,
    ) => Promise<OpenReply>
  >(),
  /**
   * Takes the Web Lock `lock` (named by the page) and holds it for as long as the worker lives. The page then queues on
   * that lock: being granted it means the worker is gone, however it ended (crash, out-of-memory kill, or the app's own
   * `worker.terminate()`), without patching the app's Worker object.
   */
  attach: lifecycle<(lock: string) => Promise<void>>(),
  /** The page is being frozen: an owning tab hands the database to the next tab and follows. */
  suspend: lifecycle<() => Promise<void>>(),
  /** Closes the database (an owning tab hands it over first); the page then terminates the worker. */
  close: lifecycle<() => Promise<void>>(),

  query: database<(sql: string, params?: SqlParams) => Promise<Record<string, SqlValue>[]>>(SQL),
  exec: database<(sql: string, params?: SqlParams) => Promise<RunResult>>(SQL),
  execute: database<(sql: string, params?: SqlParams, options?: ExecuteOptions) => Promise<ExecuteResult<unknown>>>(SQL),
  batch: database<(statements: readonly BatchStatement[]) => Promise<RunResult[]>>(WRITES),
  status: database<() => Promise<DatabaseStatus>>(READS),
  snapshots: database<() => Promise<SnapshotInfo[]>>(READS),
  snapshot: database<() => Promise<SnapshotInfo>>(PLAIN),
  restoreSnapshot: database<(id: string, options: { snapshotCurrent: boolean }) => Promise<RestoreResult>>(NEW_VERSION),
  deleteSnapshot: database<(id: string) => Promise<boolean>>(WRITES),
  migrate: database<() => Promise<AppliedMigration[]>>(NEW_VERSION),
  exportDatabase: database<() => Promise<Blob>>(READS),
  dryRun: database<() => Promise<DryRunResult>>(READS),
  importDatabase: database<(file: Blob) => Promise<ImportResult>>(NEW_VERSION),
  integrityCheck: database<() => Promise<IntegrityReport>>(READS),
  schema: database<() => Promise<SchemaObject[]>>(READS),
  exportSnapshot: database<(id: string) => Promise<Blob>>(READS),
}

type Methods = typeof METHODS

/** The name of a method the worker exposes. */
export type MethodName = keyof Methods

/** A call on the database: run at the owner tab, forwarded there by the others (every method but the lifecycle ones). */
export type RemoteMethod = { [M in MethodName]: Methods[M] extends { kind: 'database' } ? M : never }[MethodName]

/** A method's signature, as written in its row. */
export type MethodSignature<M extends MethodName> = NonNullable<Methods[M]['signature']>

/** A method's parameters. */
export type MethodArgs<M extends MethodName> = Parameters<MethodSignature<M>>

/** What a method's promise resolves to. */
export type MethodResult<M extends MethodName> = Awaited<ReturnType<MethodSignature<M>>>

/** What the worker exposes over Comlink (each method's errors cross as values: see `envelope`). */
export type WorkerApi = { [M in MethodName]: MethodSignature<M> }

/**
 * The rules of a call on the database.
 *
 * @example
 * if (rulesOf(method).changesVersion) announceVersion()
 */
export function rulesOf(method: RemoteMethod): DatabaseRules {
  return METHODS[method]
}

/**
 * The calls on the database, in the table's order.
 *
 * @example
 * for (const method of REMOTE_METHODS) api[method] = (...args) => coordinator.call(method, args)
 */
export const REMOTE_METHODS: readonly RemoteMethod[] = (Object.keys(METHODS) as MethodName[]).filter(
  (method): method is RemoteMethod => METHODS[method].kind === 'database',
)
