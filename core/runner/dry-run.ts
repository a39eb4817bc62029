import type { DryRunResult, DryRunStep, Migration, OpenRequest } from '../../shared/types'
import { describeSchema } from '../schema/schema'
import { pragmaCheck } from '../sqlite/integrity-check'
import { openMemoryCopy } from '../sqlite/memory-copy'
import { messageOf, type Sqlite3, sqliteCodeOf } from '../sqlite/sqlite'
import { planUpgrade } from './baseline'
import { readHistory } from './history'
import { applyMigration, MigrationStepError, type PreparedMigrations, recordBaseline } from './runner'

/**
 * Applies the pending migrations to an in-memory copy of the file, exactly as an upgrade would (same history check,
 * same per-step transaction, foreign-key check and time limit, same integrity check after the last step; a copy in
 * memory runs faster than the OPFS file, so a step near the limit may pass here and not there), and reports each step
 * and the schema it leaves. The real file is only read. Throws what an upgrade's history check would throw
 * (`DatabaseTooNewError`, `MigrationEditedError`, `HistoryMismatchError`): those refuse the upgrade before any step.
 *
 * Memory: the copy costs as much as the file.
 *
 * @example
 * const result = dryRun(sqlite3, file.exportBytes(), prepared, request)
 * for (const step of result.steps) console.log(step.version, step.outcome, step.durationMs)
 */
export function dryRun(
  sqlite3: Sqlite3,
  bytes: Uint8Array,
  prepared: PreparedMigrations,
  /** `migrationTimeLimitMs` (absent: no limit) stops a slow step as an upgrade would: the step fails. */
  request: Pick<OpenRequest, 'acceptEditedMigrations' | 'foreignKeys' | 'verify'> & Partial<Pick<OpenRequest, 'migrationTimeLimitMs'>>,
  options: { schemaPerStep?: boolean } = {},
): DryRunResult {
  const started = performance.now()
  const copy = openMemoryCopy(sqlite3, bytes, prepared.extensions)
  try {
    if (request.foreignKeys) copy.exec('PRAGMA foreign_keys = ON')
    const history = readHistory(copy)
    const { adopted, pending } = planUpgrade(history, prepared, request.acceptEditedMigrations)
    recordBaseline(sqlite3, copy, pending.length ? [] : adopted)
    const steps = pending.map((m): DryRunStep => ({
      version: m.version,
      name: m.name,
      kind: kindOf(m),
      outcome: 'skipped',
      durationMs: null,
      changes: null,
      error: null,
    }))
    let failed = false
    for (const [i, migration] of pending.entries()) {
      const step = steps[i]!
      try {
        const ours = i === 0 ? adopted : []
        const changesBefore = Number(sqlite3.capi.sqlite3_total_changes(copy.pointer!))
        step.durationMs = applyMigration(sqlite3, copy, migration, {
          checksum: prepared.checksums.get(migration.version) ?? null,
          adopted: ours,
          timeLimitMs: request.migrationTimeLimitMs,
        }).durationMs
        step.changes = Number(sqlite3.capi.sqlite3_total_changes(copy.pointer!)) - changesBefore - 1 - ours.length
        step.outcome = 'applied'
        if (options.schemaPerStep) step.schemaAfter = describeSchema(copy)
      } catch (error) {
        const stepError = error instanceof MigrationStepError ? error : null
        step.outcome = 'failed'
        step.error = {
          message: stepError?.sqliteMessage ?? messageOf(error),
          statement: stepError?.statement ?? null,
          sqliteCode: stepError ? stepError.sqliteCode : sqliteCodeOf(error),
        }
        failed = true
        break
      }
    }
    const verify = !failed && pending.length > 0 && request.verify ? { check: request.verify, ...pragmaCheck(copy, request.verify) } : null
    return {
      fromVersion: history.version,
      reachedVersion: Number(copy.selectValue('PRAGMA user_version')),
      latestVersion: prepared.list.at(-1)?.version ?? 0,
      ok: !failed && (verify?.ok ?? true),
      steps,
      verify,
      schema: describeSchema(copy),
      durationMs: performance.now() - started,
    }
  } finally {
    copy.close()
  }
}

const kindOf = (m: Migration): 'sql' | 'code' => (typeof m.sql === 'string' ? 'sql' : 'code')
