import type {
  AppliedMigration,
  DatabaseStatus,
  DryRunResult,
  ImportResult,
  IntegrityReport,
  OpenRequest,
  OpenResult,
  ProgressEvent,
  RestoreResult,
  RunResult,
  SchemaObject,
  SnapshotInfo,
  SqlParams,
  SqlValue,
  VersionChangeEvent,
} from './types'

/** What the worker answers to `open`. */
export interface OpenReply {
  opened: OpenResult
}

/**
 * Besides `WorkerApi`, the worker exposes `attach`: it takes the Web Lock `lock` (named by the page) and holds it for as
 * long as it lives. The page then queues on that lock: being granted it means the worker is gone, however it ended
 * (crash, out-of-memory kill, or the app's own `worker.terminate()`), without patching the app's Worker object.
 */
export interface WorkerLife {
  attach(lock: string): Promise<void>
}

/** A statement of a `batch`. */
export interface BatchStatement {
  sql: string
  params?: SqlParams
}

/**
 * What the worker exposes over Comlink; the page's handle is a thin, guarded wrapper of it. Calls run one at a time in
 * the worker, in arrival order, so a restore or an upgrade never interleaves with a query.
 */
export interface WorkerApi {
  open(
    request: OpenRequest,
    onProgress: (event: ProgressEvent) => void,
    onVersionChange: (event: VersionChangeEvent) => void,
  ): Promise<OpenReply>
  query(sql: string, params?: SqlParams): Promise<Record<string, SqlValue>[]>
  exec(sql: string, params?: SqlParams): Promise<RunResult>
  batch(statements: readonly BatchStatement[]): Promise<RunResult[]>
  status(): Promise<DatabaseStatus>
  snapshots(): Promise<SnapshotInfo[]>
  snapshot(): Promise<SnapshotInfo>
  restoreSnapshot(id: string, options: { snapshotCurrent: boolean }): Promise<RestoreResult>
  deleteSnapshot(id: string): Promise<boolean>
  migrate(): Promise<AppliedMigration[]>
  exportDatabase(): Promise<Blob>
  dryRun(): Promise<DryRunResult>
  importDatabase(file: Blob): Promise<ImportResult>
  integrityCheck(): Promise<IntegrityReport>
  schema(): Promise<SchemaObject[]>
  exportSnapshot(id: string): Promise<Blob>
  /** The page is being frozen: an owning tab hands the database to the next tab and follows. */
  suspend(): Promise<void>
  close(): Promise<void>
}

/** Database names become OPFS directory and file names, so they stay plain. */
export const DATABASE_NAME = /^[A-Za-z0-9_][A-Za-z0-9_.-]{0,127}$/
