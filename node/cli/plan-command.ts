/**
 * `sqlite-opfs-migrate plan <db.sqlite> <dir>` (alias `dry-run`): applies the pending migrations to an in-memory
 * copy of the file and reports each step (time, rows changed, schema after); the file is never written.
 *
 * @module
 */
import { dryRun } from '../../core/runner/dry-run'
import { prepareMigrations } from '../../core/runner/runner'
import type { DryRunResult, DryRunStep } from '../../shared/types'
import { inspectDatabaseFile } from '../apply-file'
import { loadNodeSqlite } from '../node-sqlite'
import { progressBar } from '../progress-bar'
import { type DatabaseCommandOptions, readDatabase } from './database-file'
import type { CliIo } from './print'

/**
 * Options of `plan`: those of every command on a file, and where the progress bar goes.
 *
 * @example
 * const options: PlanCommandOptions = { ...databaseOptions, progress: process.stderr }
 */
export interface PlanCommandOptions extends DatabaseCommandOptions {
  /** The terminal stream of the progress bar (stderr; nothing is drawn when it is not a terminal). */
  progress: CliIo['stderr']
}

/**
 * Dry-runs the upgrade; returns the exit code: 0 when apply would succeed, 1 when it would fail.
 *
 * @example
 * const code = await planCommand({ file: 'app.sqlite', migrations, migrationOptions: {}, acceptEdited: false, print, progress })
 */
export async function planCommand(options: PlanCommandOptions): Promise<number> {
  const { file, print } = options
  const sqlite3 = await loadNodeSqlite()
  const prepared = await prepareMigrations(options.migrations, options.migrationOptions)
  const bar = progressBar(options.progress)
  bar.update(0, 1, 'dry run')
  const bytes = await readDatabase(file)
  inspectDatabaseFile(sqlite3, file, bytes, prepared.extensions)
  const request = { acceptEditedMigrations: options.acceptEdited, foreignKeys: true, verify: 'quick_check' } as const
  const result = dryRun(sqlite3, bytes, prepared, request, { schemaPerStep: true })
  bar.done()
  print(formatPlan(file, result), result)
  return result.ok ? 0 : 1
}

/** The dry run as text: one line per step (and its error), the integrity check, then the verdict. */
function formatPlan(file: string, result: DryRunResult): string {
  return [
    `${file}: version ${result.fromVersion} → ${result.reachedVersion} (latest ${result.latestVersion}), on an in-memory copy; the file was not written`,
    ...result.steps.map(stepLines),
    ...(result.verify ? [`  ${result.verify.check}: ${result.verify.ok ? 'ok' : result.verify.messages.join('; ')}`] : []),
    result.ok ? (result.steps.length ? 'ok: apply would succeed' : 'up to date') : 'FAILED: apply would fail and leave the file as it is',
  ].join('\n')
}

/** One step: version, name, outcome, then time, rows changed and schema size; its error and statement below. */
function stepLines(s: DryRunStep): string {
  const measured =
    s.durationMs === null
      ? ''
      : `${s.durationMs.toFixed(1)} ms, ${s.changes} row(s) changed, ${s.schemaAfter?.length ?? 0} schema objects after`
  const failure = s.error ? `\n       ${s.error.message}${s.error.statement ? `\n       in: ${s.error.statement.slice(0, 200)}` : ''}` : ''
  return `  ${String(s.version).padStart(4)} ${s.name.padEnd(32)} ${s.outcome.padEnd(7)} ${measured}${failure}`
}
