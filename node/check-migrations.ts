import {
  type FolderRule,
  type IgnoredFile,
  type MigrationEntry,
  type MigrationFileInput,
  readMigrationFolder,
} from '../core/folder/migration-files'
import type { SqlFileFormat } from '../core/folder/migration-sections'
import { readMigrationEntry } from '../core/folder/migrations-from-glob'
import { validateMigrations } from '../core/folder/validate-migrations'
import { checksumSql } from '../core/runner/checksum'
import { isThenable, migrationHandle, otherToolHint, PROMISE_REFUSED } from '../core/runner/migration-handle'
import { pragmaGuard } from '../core/runner/pragma-guard'
import { refusalOf, runnerTreatment, statementKind } from '../core/runner/statement-kind'
import { runStatements, StatementError } from '../core/runner/statements'
import { readTypedSchema, type TypedSchema } from '../core/schema/schema-typescript'
import { registerExtensions, type SqlExtensions, stubExtensions } from '../core/sqlite/sql-extensions'
import type { Database, Sqlite3 } from '../core/sqlite/sqlite'
import { messageOf } from '../core/sqlite/sqlite'
import { withTimeLimit } from '../core/sqlite/time-limit'
import { InvalidMigrationsError } from '../shared/errors'
import type { Migration } from '../shared/types'
import { allowedRules, MigrationLint, type SchemaShape, type WarningRule } from './lint-rules'

/** Rules whose findings are always errors: the migration cannot work (or the folder cannot be read). */
export type ErrorRule =
  | FolderRule
  | 'invalid-migration'
  | 'sql-error'
  | 'code-error'
  | 'needs-no-transaction'
  | 'rollback'
  | 'unsafe-pragma'
  | 'foreign-key'
  | 'unknown-rule'

/** One finding of `checkMigrationFiles`. */
export interface Diagnostic {
  severity: 'error' | 'warning'
  rule: ErrorRule | WarningRule
  /** The file, as given in `files[].path`. */
  file: string
  /** 1-based line in the file, `null` when the finding is about the whole file. */
  line: number | null
  message: string
}

/** Options of `checkMigrationFiles`. */
export interface CheckOptions {
  /** Turn warnings into errors (a per-file `allow` comment still accepts a reviewed one). */
  strict?: boolean | undefined
  /** Names of the app's custom SQL functions and collations (stand-ins are registered so statements parse). */
  functions?: readonly string[] | undefined
  collations?: readonly string[] | undefined
  /** The real functions and collations, when available (the CLI's `--setup` module); used instead of stand-ins. */
  extensions?: SqlExtensions | undefined
  /** The migrations folder as the files' paths write it (see `readMigrationFolder`); inferred when absent. */
  root?: string | undefined
}

/** A migration the check read, with what the build embeds. */
export interface CheckedMigration {
  entry: MigrationEntry
  migration: Migration
  /** sha-256 of SQL text (`checksumSql`), `null` for code migrations. */
  checksum: string | null
  /** How the SQL file is laid out inside (`plain`, `goose`, `dbmate`, `sql-migrate`); `null` for code migrations. */
  sqlFormat: SqlFileFormat | null
}

/** What `checkMigrationFiles` found. */
export interface CheckResult {
  ok: boolean
  diagnostics: Diagnostic[]
  /** Every migration that could be read, in order (also when some failed their check). */
  migrations: CheckedMigration[]
  /** Files that are not migrations (down migrations, snapshots, helpers, docs), each with the reason. */
  ignored: IgnoredFile[]
  /**
   * The schema after the last migration (what `sqlite-opfs-migrate types` turns into TypeScript), or `null` when the
   * migrations could not all be applied to the scratch database.
   */
  schema: TypedSchema | null
}

/**
 * Checks a migrations folder the way the Vite plugin and `sqlite-opfs-migrate check` do: file names and versions,
 * then every migration applied in order to a scratch in-memory database (so each statement is prepared by SQLite
 * against the schema the previous migrations left), then the lint rules. Errors name the file and line. Code
 * migrations must be given as loaded modules; they run against the scratch database too.
 *
 * @example
 * const result = await checkMigrationFiles(sqlite3, [{ path: 'migrations/0001_init.sql', value: 'CREATE TABLE t(a);' }])
 * for (const d of result.diagnostics) console.log(formatDiagnostic(d))
 */
export async function checkMigrationFiles(
  sqlite3: Sqlite3,
  files: readonly MigrationFileInput[],
  options: CheckOptions = {},
): Promise<CheckResult> {
  const diagnostics: Diagnostic[] = []
  const report = (d: Omit<Diagnostic, 'severity'>, severity: Diagnostic['severity'] = 'error') => diagnostics.push({ severity, ...d })
  const folder = readMigrationFolder(files, { root: options.root })
  for (const problem of folder.problems) report({ rule: problem.rule, file: problem.path, line: null, message: problem.message })

  const migrations: CheckedMigration[] = []
  for (const entry of folder.entries) {
    try {
      const { migration, sqlFormat } = readMigrationEntry(entry)
      const checksum = typeof migration.sql === 'string' ? await checksumSql(migration.sql) : null
      migrations.push({ entry, migration: checksum ? ({ ...migration, checksum } as Migration) : migration, checksum, sqlFormat })
    } catch (error) {
      const line = error instanceof InvalidMigrationsError ? error.line : null
      report({ rule: 'invalid-migration', file: entry.path, line, message: messageOf(error) })
    }
  }
  try {
    validateMigrations(migrations.map((m) => m.migration))
  } catch (error) {
    if (!(error instanceof InvalidMigrationsError)) throw error
    const file = typeof error.entry === 'number' ? (migrations[error.entry]?.entry.path ?? '') : error.entry
    report({
      rule: 'invalid-migration',
      file,
      line: null,
      message: `${file}: ${error.message.replace(/^migration #\d+ (\("[^"]*"\) )?: ?/, '')}`,
    })
  }
  const schema = diagnostics.some((d) => d.severity === 'error') ? null : applyToScratch(sqlite3, migrations, options, report)
  const strict = options.strict === true
  const final = diagnostics.map((d) => (strict && d.severity === 'warning' ? { ...d, severity: 'error' as const } : d))
  return { ok: !final.some((d) => d.severity === 'error'), diagnostics: final, migrations, ignored: folder.ignored, schema }
}

/** How each kind of SQL file says "run me outside a transaction". */
const NO_TRANSACTION_HOW: Record<SqlFileFormat, string> = {
  plain: 'put "-- sqlite-opfs-migrate: no-transaction" at the top of the file',
  goose: 'put "-- +goose NO TRANSACTION" at the top of the file',
  dbmate: 'write "-- migrate:up transaction:false"',
  'sql-migrate': 'write "-- +migrate Up notransaction"',
}

/** Thrown (and caught) once a failure has its own diagnostic. */
const REPORTED = Symbol('reported')

/** Applies each migration to an empty in-memory database, stopping at the first that fails; the schema it leaves. */
function applyToScratch(
  sqlite3: Sqlite3,
  migrations: readonly CheckedMigration[],
  options: CheckOptions,
  report: (d: Omit<Diagnostic, 'severity'>, severity?: Diagnostic['severity']) => void,
): TypedSchema | null {
  const db = new sqlite3.oo1.DB(':memory:')
  try {
    registerExtensions(sqlite3, db, options.extensions ?? stubExtensions(options))
    db.exec('PRAGMA foreign_keys = OFF') // as the runner runs migrations; foreign_key_check after each
    for (const { entry, migration, sqlFormat } of migrations) {
      const file = entry.path
      const at = (line: number | null) => ({ file, line })
      const sql = migration.sql
      const { allowed, unknown } = allowedRules(typeof sql === 'string' ? sql : '')
      for (const name of unknown) report({ ...at(null), rule: 'unknown-rule', message: `${file}: "allow ${name}" names no lint rule` })
      const before = shapeOf(db)
      const lint = new MigrationLint()
      const inTransaction = migration.transaction !== false
      let failed = false
      let statements = 0
      if (inTransaction) db.exec('BEGIN')
      try {
        if (typeof sql === 'string') {
          runStatements(sqlite3, db, sql, (statement) => {
            statements++
            // The runner's own rule for each statement, then what only a check adds.
            const treatment = runnerTreatment(statement.sql, inTransaction)
            if (treatment === 'refuse') {
              const refusal = refusalOf(statement.sql, inTransaction)!
              report({ ...at(statement.line), rule: refusal.rule, message: `${file}:${statement.line}: ${refusal.reason}` })
              return 'skip'
            }
            if (treatment === 'skip') return 'skip'
            if (statementKind(statement.sql) === 'no-transaction') {
              if (inTransaction)
                report({
                  ...at(statement.line),
                  rule: 'needs-no-transaction',
                  message:
                    `${file}:${statement.line}: ${statement.sql.split(/\s/)[0]} cannot run inside a transaction; ` +
                    `${NO_TRANSACTION_HOW[sqlFormat ?? 'plain']} (and keep it alone in its migration)`,
                })
              else lint.outsideTransaction(statement.sql, statement.line)
              return 'skip' // not run on the scratch database (ATTACH would create files)
            }
            lint.statement(statement.sql, statement.line)
            return 'run'
          })
        } else {
          const refused = runCode(sqlite3, db, migration)
          if (refused) {
            report({ ...at(null), rule: 'unsafe-pragma', message: `${file}: up() sets a pragma: ${refused}` })
            throw REPORTED
          }
        }
        const violations = db.selectObjects('PRAGMA foreign_key_check')
        if (violations.length)
          report({
            ...at(null),
            rule: 'foreign-key',
            message: `${file}: leaves ${violations.length} row(s) pointing at missing parents (in ${String(violations[0]!.table)})`,
          })
      } catch (error) {
        failed = true
        if (error === REPORTED) {
          /* already reported */
        } else if (error instanceof StatementError)
          report({
            ...at(error.line),
            rule: 'sql-error',
            message: `${file}:${error.line}: ${error.sqliteMessage}\n  in: ${error.statement.slice(0, 300)}`,
          })
        else report({ ...at(null), rule: typeof sql === 'string' ? 'sql-error' : 'code-error', message: `${file}: ${messageOf(error)}` })
      } finally {
        if (inTransaction && !sqlite3.capi.sqlite3_get_autocommit(db.pointer!)) db.exec(failed ? 'ROLLBACK' : 'COMMIT')
      }
      if (failed) {
        const rest = migrations.slice(migrations.findIndex((m) => m.entry === entry) + 1)
        if (rest.length)
          report(
            { ...at(null), rule: 'sql-error', message: `${rest.length} later migration(s) not checked: they build on this one` },
            'warning',
          )
        return null
      }
      if (typeof sql === 'string' && statements === 0 && !allowed.has('empty-migration'))
        report(
          {
            ...at(null),
            rule: 'empty-migration',
            message:
              `${file}: runs no statement (only comments or whitespace${sqlFormat !== 'plain' ? ` in its ${sqlFormat} up section` : ''}); ` +
              `it is recorded as applied and changes nothing (if intended: "-- sqlite-opfs-migrate: allow empty-migration")`,
          },
          'warning',
        )
      for (const finding of lint.finish(before, shapeOf(db)))
        if (!allowed.has(finding.rule))
          report(
            {
              ...at(finding.line),
              rule: finding.rule,
              message: `${file}:${finding.line}: ${finding.message} (if reviewed: "-- sqlite-opfs-migrate: allow ${finding.rule}")`,
            },
            'warning',
          )
    }
    return readTypedSchema(db)
  } finally {
    db.close()
  }
}

/**
 * Runs a code migration on the scratch database as the runner does: an unsafe pragma is refused when SQLite prepares
 * it, even if `up()` catches that. Returns the refusal's reason, or `null`; throws what `up()` throws.
 */
function runCode(sqlite3: Sqlite3, db: Database, migration: Migration): string | null {
  const guard = pragmaGuard(sqlite3)
  const handle = migrationHandle(db)
  let thenable = false
  try {
    const result: unknown = withTimeLimit(sqlite3, db, 0, () => migration.up!(handle.db), guard.authorize)
    // Asked before the handle is revoked (up() may return the handle itself: db.exec returns it).
    if (isThenable(result)) {
      thenable = true
      result.then(undefined, () => {})
    }
  } catch (error) {
    if (!guard.refused()) throw new Error(messageOf(error) + otherToolHint(handle.missing(), false), { cause: error })
  } finally {
    handle.revoke()
  }
  const refused = guard.refused()
  if (refused) return refused.reason
  if (thenable) throw new Error(PROMISE_REFUSED + otherToolHint(handle.missing(), true))
  return null
}

function shapeOf(db: Database): SchemaShape {
  const shape: SchemaShape = new Map()
  db.exec({
    sql: `SELECT m.name AS t, p.name AS c FROM sqlite_schema m JOIN pragma_table_info(m.name) p
          WHERE m.type = 'table' AND m.name NOT LIKE 'sqlite\\_%' ESCAPE '\\' ORDER BY m.name, p.cid`,
    rowMode: 'array',
    callback: (row) => {
      const [table, column] = row as [string, string]
      shape.set(table, [...(shape.get(table) ?? []), column])
    },
  })
  return shape
}

/**
 * One diagnostic as a line of compiler-style output.
 *
 * @example
 * formatDiagnostic(d) // → "warning [drop-table] migrations/0004_x.sql:3: drops table notes and every row in it (…)"
 */
export function formatDiagnostic(d: Diagnostic): string {
  return `${d.severity} [${d.rule}] ${d.message}`
}
