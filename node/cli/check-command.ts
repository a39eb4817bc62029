/**
 * `sqlite-opfs-migrate check <dir>`: validates and lints a migrations folder (the same checks as the Vite plugin)
 * and prints each finding as file:line, ignored files as notes, then a summary.
 *
 * @module
 */
import { type SqlExtensions, stubExtensions } from '../../core/sqlite/sql-extensions'
import { checkMigrationFiles, formatDiagnostic } from '../check-migrations'
import { loadNodeSqlite } from '../node-sqlite'
import { migrationsRoot, readMigrationsDirectory } from '../read-migrations-directory'
import type { Print } from './print'

/**
 * Options of `check`.
 *
 * @example
 * const options: CheckCommandOptions = { directory: 'migrations', strict: true, functions: [], collations: [], setup: {}, print }
 */
export interface CheckCommandOptions {
  /** The migrations folder. */
  directory: string
  /** `--strict`: lint warnings are errors. */
  strict: boolean
  /** `--function` names: custom SQL functions the migrations may call. */
  functions: string[]
  /** `--collation` names: custom collations the migrations may use. */
  collations: string[]
  /** `--setup`'s real functions and collations. */
  setup: SqlExtensions
  print: Print
}

/**
 * Checks the folder; returns the exit code: 0 when it is fine, 1 on any error (or warning with `strict`).
 *
 * @example
 * const code = await checkCommand({ directory: 'migrations', strict: false, functions: [], collations: [], setup: {}, print })
 */
export async function checkCommand(options: CheckCommandOptions): Promise<number> {
  const { directory, setup, print } = options
  const files = await readMigrationsDirectory(directory)
  const result = await checkMigrationFiles(await loadNodeSqlite(), files, {
    root: migrationsRoot(directory),
    strict: options.strict,
    functions: options.functions,
    collations: options.collations,
    ...(setup.functions || setup.collations ? { extensions: withStandIns(options) } : {}),
  })
  const errors = result.diagnostics.filter((d) => d.severity === 'error').length
  const summary = `${result.migrations.length} migration(s), ${errors} error(s), ${result.diagnostics.length - errors} warning(s)`
  // Ignored files are notes, not findings: they show what was left out, and why, so nothing is skipped unseen.
  const notes = result.ignored.map((f) => `note [ignored] ${f.path}: ${f.reason}`)
  print([...notes, ...result.diagnostics.map(formatDiagnostic), summary].join('\n'), {
    ok: result.ok,
    diagnostics: result.diagnostics,
    migrations: result.migrations.map(({ entry, migration, checksum, sqlFormat }) => ({
      version: migration.version,
      name: migration.name,
      file: entry.path,
      format: entry.format,
      sqlFormat,
      kind: entry.kind,
      checksum,
      transaction: migration.transaction !== false,
    })),
    ignored: result.ignored,
  })
  return result.ok ? 0 : 1
}

/** The setup's real functions and collations, plus stand-ins for names given with --function/--collation only. */
function withStandIns({ setup, functions, collations }: CheckCommandOptions): SqlExtensions {
  const stand = stubExtensions({ functions, collations })
  return { functions: { ...stand.functions, ...setup.functions }, collations: { ...stand.collations, ...setup.collations } }
}
