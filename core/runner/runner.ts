import { UnsafePragmaError } from '../../shared/errors'
import type { AppliedMigration, Migration } from '../../shared/types'
import { validateMigrations } from '../folder/validate-migrations'
import { fingerprintIfReadable } from '../schema/schema-fingerprint'
import { type SqlExtensions, validateExtensions } from '../sqlite/sql-extensions'
import { type Database, messageOf, type Sqlite3, sqliteCodeOf } from '../sqlite/sqlite'
import { SQLITE_INTERRUPT, TimeLimitError, withTimeLimit } from '../sqlite/time-limit'
import { type Baseline, validateBaseline } from './baseline'
import { checksumSql } from './checksum'
import { saveConnectionSettings } from './connection-settings'
import { ensureHistoryTable, recordApplied } from './history'
import { isThenable, migrationHandle, otherToolHint, PROMISE_REFUSED } from './migration-handle'
import { pragmaGuard, refuseUnsafePragmas } from './pragma-guard'
import { refusalOf, runnerTreatment } from './statement-kind'
import { runStatements, StatementError } from './statements'

/** SQLITE_CONSTRAINT_FOREIGNKEY */
const FOREIGN_KEY_CODE = 787
/** SQLITE_AUTH: what SQLite answers when the authorizer refuses a statement. */
const AUTH_CODE = 23

/**
 * One migration step failed; its transaction was rolled back. The upgrade turns this into a `MigrationFailedError`
 * once the snapshot is restored.
 */
export class MigrationStepError extends Error {
  /** Version and name only: the migration itself may hold a function, which cannot cross to the page. */
  readonly migration: Pick<Migration, 'version' | 'name'>
  /** The step ran past its time limit (`migrationTimeLimitMs`) and was stopped; `sqliteCode` is then 9 (SQLITE_INTERRUPT). */
  readonly timedOut: boolean
  constructor(
    migration: Pick<Migration, 'version' | 'name'>,
    /** The statement that failed, `null` inside a code migration. */
    readonly statement: string | null,
    readonly sqliteCode: number | null,
    readonly sqliteMessage: string,
    options?: { cause?: unknown; timedOut?: boolean },
  ) {
    super(
      `migration ${migration.version} ("${migration.name}") failed: ${sqliteMessage}` +
        (statement ? `\n  in statement: ${statement.length > 300 ? `${statement.slice(0, 300)}…` : statement}` : ''),
      options,
    )
    this.name = 'MigrationStepError'
    this.migration = { version: migration.version, name: migration.name }
    this.timedOut = options?.timedOut ?? false
  }
}

/** What, besides the list, describes an app's migrations: how to adopt an older database, and SQL it relies on. */
export interface MigrationSetOptions extends SqlExtensions {
  /** See `Baseline`. */
  baseline?: Baseline | undefined
}

/** A validated migration list with the checksums of its SQL migrations. */
export interface PreparedMigrations {
  list: readonly Migration[]
  checksums: ReadonlyMap<number, string>
  baseline: Baseline | undefined
  extensions: SqlExtensions
}

/**
 * Validates the list (throws `InvalidMigrationsError`, or `UnsafePragmaError` for a SQL migration that sets an unsafe
 * pragma) and options (`InvalidOptionsError`), and computes checksums (or takes those the Vite plugin computed at build
 * time). Touches no database.
 *
 * @example
 * const prepared = await prepareMigrations(migrations, { baseline: 'user_version' })
 */
export async function prepareMigrations(migrations: readonly Migration[], options: MigrationSetOptions = {}): Promise<PreparedMigrations> {
  validateMigrations(migrations)
  refuseUnsafePragmas(migrations)
  validateBaseline(options.baseline)
  const extensions = { functions: options.functions, collations: options.collations }
  validateExtensions(extensions)
  const entries = await Promise.all(
    migrations
      .filter((m) => typeof m.sql === 'string')
      .map(async (m) => [m.version, typeof m.checksum === 'string' ? m.checksum : await checksumSql(m.sql!)] as const),
  )
  return { list: migrations, checksums: new Map(entries), baseline: options.baseline, extensions }
}

/** What one migration step writes with it, and how long it may run (see `applyMigration`). */
export interface StepOptions {
  /** The checksum recorded in its history row (`PreparedMigrations.checksums`; `null` for a code migration). */
  checksum: string | null
  /** Baseline rows to record in the same transaction, first (see `planUpgrade`). */
  adopted?: readonly AppliedMigration[] | undefined
  /** Milliseconds the body may run (0, the default: no limit); see `withTimeLimit`. */
  timeLimitMs?: number | undefined
}

/**
 * Applies one migration atomically: `foreign_keys` is switched off outside the transaction (so table rebuilds cannot
 * cascade), the body runs in `BEGIN IMMEDIATE`, `PRAGMA foreign_key_check` must come back empty (when the connection
 * enforces foreign keys), and the history row and `user_version` are written in the same transaction. Every connection
 * setting a migration may change (ROLLBACK undoes none) is put back, success or failure (see `connection-settings.ts`);
 * a pragma that would take away crash safety is refused before it runs (see `unsafePragmaReason`).
 *
 * A migration with `transaction: false` runs statement by statement in autocommit mode (for `VACUUM`); its history row
 * is written in a transaction of its own afterwards.
 *
 * Throws `MigrationStepError` with the failing statement; nothing of the step survives. A body that runs longer than
 * `step.timeLimitMs` (0: no limit) is stopped and fails with `timedOut` set (see `withTimeLimit`).
 *
 * @example
 * const row = applyMigration(sqlite3, db, { version: 1, name: 'init', sql: 'CREATE TABLE t(a);' }, { checksum })
 */
export function applyMigration(sqlite3: Sqlite3, db: Database, migration: Migration, step: StepOptions): AppliedMigration {
  if (migration.transaction !== false) {
    const staged = stageMigration(sqlite3, db, migration, step)
    staged.commit()
    return staged.row
  }
  const started = performance.now()
  const restoreSettings = saveConnectionSettings(db)
  try {
    runBody(sqlite3, db, migration, step.timeLimitMs ?? 0)
    let row: AppliedMigration | undefined
    inTransaction(sqlite3, db, () => {
      row = record(db, migration, { ...step, started, enforceForeignKeys: restoreSettings.enforceForeignKeys })
    })
    return row!
  } catch (error) {
    throw asStepError(migration, error)
  } finally {
    restoreSettings()
  }
}

/** A transactional migration that ran and wrote its history row, its transaction still open. */
export interface StagedMigration {
  row: AppliedMigration
  /** COMMIT (throws `MigrationStepError` if SQLite refuses; the transaction is then rolled back). */
  commit(): void
  /** ROLLBACK: nothing of the migration stays. */
  rollback(): void
}

/**
 * Runs a transactional migration up to, not including, its COMMIT: the caller may wait for something (the upgrade
 * waits for its snapshot to be durable) before committing. Until then the file is protected by SQLite's own rollback
 * journal. Throws `MigrationStepError` (after rolling back) like `applyMigration`.
 *
 * @example
 * const staged = stageMigration(sqlite3, db, migration, { checksum, adopted, timeLimitMs: 0 })
 * await snapshotDurable
 * staged.commit()
 */
export function stageMigration(sqlite3: Sqlite3, db: Database, migration: Migration, step: StepOptions): StagedMigration {
  const started = performance.now()
  const restoreSettings = saveConnectionSettings(db)
  const rollback = () => {
    // SQLite may already have rolled back (e.g. on SQLITE_FULL); a second ROLLBACK would throw.
    if (!sqlite3.capi.sqlite3_get_autocommit(db.pointer!)) db.exec('ROLLBACK')
  }
  let row: AppliedMigration
  try {
    db.exec('PRAGMA foreign_keys = OFF') // a no-op inside a transaction, so it goes first
    db.exec('BEGIN IMMEDIATE')
    try {
      runBody(sqlite3, db, migration, step.timeLimitMs ?? 0)
      row = record(db, migration, { ...step, started, enforceForeignKeys: restoreSettings.enforceForeignKeys })
    } catch (error) {
      rollback()
      throw error
    }
  } catch (error) {
    restoreSettings()
    throw asStepError(migration, error)
  }
  let settled = false
  const settle = (end: () => void) => {
    if (settled) return
    settled = true
    try {
      end()
    } catch (error) {
      rollback()
      throw asStepError(migration, error, 'COMMIT')
    } finally {
      restoreSettings()
    }
  }
  return { row, commit: () => settle(() => db.exec('COMMIT')), rollback: () => settle(rollback) }
}

function inTransaction(sqlite3: Sqlite3, db: Database, body: () => void): void {
  db.exec('BEGIN IMMEDIATE')
  try {
    body()
    db.exec('COMMIT')
  } catch (error) {
    if (!sqlite3.capi.sqlite3_get_autocommit(db.pointer!)) db.exec('ROLLBACK')
    throw error
  }
}

/** Writes the history row (and `user_version`) inside the migration's transaction, after the foreign-key check. */
function record(
  db: Database,
  migration: Migration,
  { checksum, adopted = [], started, enforceForeignKeys }: StepOptions & { started: number; enforceForeignKeys: boolean },
): AppliedMigration {
  ensureHistoryTable(db)
  if (enforceForeignKeys) ensureNoForeignKeyViolations(db, migration)
  for (const row of adopted) recordApplied(db, row)
  const row: AppliedMigration = {
    version: migration.version,
    name: migration.name,
    checksum,
    appliedAt: new Date().toISOString(),
    durationMs: Math.round((performance.now() - started) * 100) / 100,
    baseline: false,
    // What this migration left, so `status()` can tell a schema changed outside the migrations (temp objects excluded).
    schemaFingerprint: fingerprintIfReadable(db),
  }
  recordApplied(db, row)
  return row
}

function asStepError(migration: Migration, error: unknown, statement: string | null = null): MigrationStepError {
  if (error instanceof MigrationStepError) return error
  return new MigrationStepError(migration, statement, sqliteCodeOf(error), messageOf(error), { cause: error })
}

/**
 * Runs the migration's SQL or `up()` within `timeLimitMs` (0: none), with unsafe pragmas refused as SQLite prepares
 * them: the one place where both kinds run. A refused pragma fails the step even when `up()` caught SQLite's refusal.
 */
function runBody(sqlite3: Sqlite3, db: Database, migration: Migration, timeLimitMs: number): void {
  const guard = pragmaGuard(sqlite3)
  try {
    withTimeLimit(sqlite3, db, timeLimitMs, () => runUnlimited(sqlite3, db, migration), guard.authorize)
  } catch (error) {
    const refused = guard.refused()
    if (refused) throw unsafeStep(migration, refused, error)
    if (error instanceof TimeLimitError) throw timedOut(migration, error)
    throw error
  }
  const refused = guard.refused()
  if (refused) throw unsafeStep(migration, refused, null)
}

/** The step error of a migration that tried to set an unsafe pragma; its `cause` is the `UnsafePragmaError`. */
function unsafeStep(migration: Migration, refused: { pragma: string; value: string; reason: string }, error: unknown): MigrationStepError {
  const statement = error instanceof MigrationStepError || error instanceof StatementError ? error.statement : null
  const cause = new UnsafePragmaError(
    `migration ${migration.version} ("${migration.name}"): ${refused.reason}`,
    migration.version,
    migration.name,
    statement,
    refused.pragma,
    refused.value,
  )
  return new MigrationStepError(migration, statement, AUTH_CODE, refused.reason, { cause })
}

/** The step error of a body stopped by its time limit, naming the statement SQLite was running if there was one. */
function timedOut(migration: Migration, error: TimeLimitError): MigrationStepError {
  const step = error.cause instanceof MigrationStepError ? error.cause : null
  const ms = Math.round(error.elapsedMs)
  const how = error.interrupted
    ? `SQLite interrupted it after ${ms} ms`
    : error.cause !== undefined
      ? `it failed after ${ms} ms (${step?.sqliteMessage ?? messageOf(error.cause)})`
      : typeof migration.up === 'function'
        ? `it returned after ${ms} ms (JavaScript cannot be interrupted, only checked when up() returns)`
        : `its last statement ended after ${ms} ms`
  // Without a transaction only the interrupted statement is undone (SQLite runs each in its own).
  const undone = migration.transaction !== false ? 'rolled back' : 'the interrupted statement was rolled back, earlier ones stay'
  return new MigrationStepError(
    migration,
    step?.statement ?? null,
    SQLITE_INTERRUPT,
    `exceeded its time limit of ${error.limitMs} ms (migrationTimeLimitMs): ${how}; ${undone}`,
    { cause: error, timedOut: true },
  )
}

function runUnlimited(sqlite3: Sqlite3, db: Database, migration: Migration): void {
  if (typeof migration.up === 'function') {
    const handle = migrationHandle(db)
    try {
      let result: unknown
      try {
        result = migration.up(handle.db)
      } catch (error) {
        throw new MigrationStepError(migration, null, sqliteCodeOf(error), messageOf(error) + otherToolHint(handle.missing(), false), {
          cause: error,
        })
      }
      if (isThenable(result)) {
        result.then(undefined, () => {}) // its rest fails on the revoked handle: not an unhandled rejection
        throw new MigrationStepError(migration, null, null, PROMISE_REFUSED + otherToolHint(handle.missing(), true))
      }
    } finally {
      handle.revoke()
    }
    return
  }
  const inTransaction = migration.transaction !== false
  try {
    runStatements(sqlite3, db, migration.sql!, (statement) => {
      const treatment = runnerTreatment(statement.sql, inTransaction)
      if (treatment === 'refuse')
        throw new MigrationStepError(migration, statement.sql, null, refusalOf(statement.sql, inTransaction)!.reason)
      return treatment
    })
  } catch (error) {
    if (error instanceof StatementError)
      throw new MigrationStepError(migration, error.statement, error.resultCode, error.sqliteMessage, { cause: error })
    throw error
  }
}

function ensureNoForeignKeyViolations(db: Database, migration: Migration): void {
  const violations = db.selectObjects('PRAGMA foreign_key_check')
  if (violations.length === 0) return
  const sample = violations
    .slice(0, 3)
    .map((v) => `${String(v.table)} rowid ${String(v.rowid)} → ${String(v.parent)}`)
    .join('; ')
  throw new MigrationStepError(
    migration,
    'PRAGMA foreign_key_check',
    FOREIGN_KEY_CODE,
    `FOREIGN KEY constraint failed: ${violations.length} row(s) point at missing parents (${sample})`,
  )
}

/** Options of `runMigrations`. */
/** Records baseline rows on their own (when no migration is pending), in one transaction. */
export function recordBaseline(sqlite3: Sqlite3, db: Database, adopted: readonly AppliedMigration[]): void {
  if (adopted.length === 0) return
  inTransaction(sqlite3, db, () => {
    ensureHistoryTable(db)
    for (const row of adopted) recordApplied(db, row)
  })
}
