// Running a whole list: `runMigrations` (check history, then apply what is pending) and `applyPending` (the loop over
// pending migrations, each one step of runner.ts). The browser host wraps `applyPending` with its snapshot and restore.
import type { AppliedMigration, Migration } from '../../shared/types'
import { registerExtensions } from '../sqlite/sql-extensions'
import type { Database, Sqlite3 } from '../sqlite/sqlite'
import { checkTimeLimit } from '../sqlite/time-limit'
import { planUpgrade } from './baseline'
import { readHistory } from './history'
import { applyMigration, type MigrationSetOptions, prepareMigrations, recordBaseline } from './runner'

/** Options of `runMigrations`: those of the migration list, plus how edited migrations and slow steps are treated. */
export interface RunMigrationsOptions extends MigrationSetOptions {
  /** Accept applied SQL migrations whose text changed: `true` for all, or a list of versions. Default `false`. */
  acceptEditedMigrations?: boolean | readonly number[]
  /**
   * Milliseconds each migration's body may run; a slower one is stopped and rolled back (`MigrationStepError` with
   * `timedOut`, SQLite code 9) and the run stops there. Default 0: no limit. See `withTimeLimit`.
   */
  migrationTimeLimitMs?: number
  /** Called before and after each migration. */
  onMigration?: (event: { phase: 'start' | 'end'; index: number; total: number; migration: Migration; row?: AppliedMigration }) => void
}

/**
 * Brings an open database up to date without snapshots: registers `functions`/`collations` on `db`, checks history
 * (adopting a database made without this library when `baseline` says so), then applies each pending migration in its
 * own transaction, stopping at the first failure (earlier steps stay applied). Returns the rows it wrote, baseline rows
 * first. The browser host wraps this with a snapshot and restore; Node tools and tests use it directly.
 *
 * @example
 * const db = new sqlite3.oo1.DB(':memory:')
 * const applied = await runMigrations(sqlite3, db, migrations)
 */
export async function runMigrations(
  sqlite3: Sqlite3,
  db: Database,
  migrations: readonly Migration[],
  options: RunMigrationsOptions = {},
): Promise<AppliedMigration[]> {
  const timeLimitMs = checkTimeLimit(options.migrationTimeLimitMs, 'migrationTimeLimitMs')
  const prepared = await prepareMigrations(migrations, options)
  registerExtensions(sqlite3, db, prepared.extensions)
  const plan = planUpgrade(readHistory(db), prepared, options.acceptEditedMigrations ?? false)
  if (plan.pending.length === 0) {
    recordBaseline(sqlite3, db, plan.adopted)
    return plan.adopted
  }
  const { checksums } = prepared
  return [
    ...plan.adopted,
    ...applyPending(sqlite3, db, plan.pending, { checksums, onMigration: options.onMigration, adopted: plan.adopted, timeLimitMs }),
  ]
}

/** Options of `applyPending`. */
export interface ApplyPendingOptions {
  /** Checksums of the SQL migrations (`PreparedMigrations.checksums`), recorded in their history rows. */
  checksums: ReadonlyMap<number, string>
  /** Called before and after each migration. */
  onMigration?: RunMigrationsOptions['onMigration']
  /** Baseline rows, recorded in the first migration's transaction (see `planUpgrade`). */
  adopted?: readonly AppliedMigration[] | undefined
  /** Milliseconds each migration's body may run (0, the default: no limit); see `applyMigration`. */
  timeLimitMs?: number | undefined
}

/**
 * Applies already-checked pending migrations in order (see `applyMigration`), stopping at the first failure; `adopted`
 * goes with the first.
 *
 * @example
 * const plan = planUpgrade(readHistory(db), prepared, false)
 * const rows = applyPending(sqlite3, db, plan.pending, { checksums: prepared.checksums, adopted: plan.adopted })
 */
export function applyPending(
  sqlite3: Sqlite3,
  db: Database,
  pending: readonly Migration[],
  { checksums, onMigration, adopted = [], timeLimitMs = 0 }: ApplyPendingOptions,
): AppliedMigration[] {
  const applied: AppliedMigration[] = []
  pending.forEach((migration, index) => {
    onMigration?.({ phase: 'start', index, total: pending.length, migration })
    const checksum = checksums.get(migration.version) ?? null
    const row = applyMigration(sqlite3, db, migration, { checksum, adopted: index === 0 ? adopted : [], timeLimitMs })
    applied.push(row)
    onMigration?.({ phase: 'end', index, total: pending.length, migration, row })
  })
  return applied
}
