/**
 * `sqlite-opfs-migrate types <dir> [--out file]`: checks the folder, then prints (or writes) the TypeScript module of
 * the schema its last migration leaves: an interface per table and view, and `DB` for `new Kysely<DB>(…)`.
 *
 * @module
 */
import { resolve } from 'node:path'

import { type SqlExtensions, stubExtensions } from '../../core/sqlite/sql-extensions'
import { formatDiagnostic } from '../check-migrations'
import { migrationTypes, writeTypesFile } from '../migration-types'
import type { CliIo, Print } from './print'

/**
 * Options of `types`.
 *
 * @example
 * const options: TypesCommandOptions = { directory: 'migrations', out: 'src/db-schema.ts', strict: false, functions: [], collations: [], setup: {}, print, stderr: process.stderr }
 */
export interface TypesCommandOptions {
  /** The migrations folder. */
  directory: string
  /** `--out <file>`: write the module there (only when it changed); else it goes to stdout. */
  out: string | undefined
  /** `--strict`: lint warnings are errors (no types are written then). */
  strict: boolean
  /** `--function` and `--collation` names, and `--setup`'s real ones, as for `check`. */
  functions: string[]
  collations: string[]
  setup: SqlExtensions
  print: Print
  /** Where warnings go when the types are written (stdout may carry the module). */
  stderr: CliIo['stderr']
}

/**
 * Generates the types; returns the exit code: 0 when written, 1 when the folder fails its check (its findings are
 * printed as `check` prints them, and nothing is written).
 *
 * @example
 * const code = await typesCommand({ directory: 'migrations', out: undefined, strict: false, functions: [], collations: [], setup: {}, print, stderr: process.stderr })
 */
export async function typesCommand(options: TypesCommandOptions): Promise<number> {
  const { directory, out, setup, print } = options
  const stand = stubExtensions({ functions: options.functions, collations: options.collations })
  const extensions = { functions: { ...stand.functions, ...setup.functions }, collations: { ...stand.collations, ...setup.collations } }
  const { check, types } = await migrationTypes({
    directory,
    check: { strict: options.strict, functions: options.functions, collations: options.collations, extensions },
  })
  if (types === null) {
    // As `check` prints it: nothing else goes to stdout.
    const errors = check.diagnostics.filter((d) => d.severity === 'error').length
    const summary = `${check.migrations.length} migration(s), ${errors} error(s), ${check.diagnostics.length - errors} warning(s): no types written`
    print([...check.diagnostics.map(formatDiagnostic), summary].join('\n'), { ok: false, diagnostics: check.diagnostics })
    return 1
  }
  // Warnings do not stop the types; stdout may carry the module, so they go to stderr.
  for (const d of check.diagnostics) options.stderr.write(`${formatDiagnostic(d)}\n`)
  const version = check.migrations.at(-1)?.migration.version ?? 0
  const counts = { tables: check.schema?.tables.length ?? 0, views: check.schema?.views.length ?? 0 }
  if (out === undefined) {
    print(types.trimEnd(), { ok: true, version, ...counts, types })
    return 0
  }
  const written = await writeTypesFile(resolve(out), types)
  const what = `${counts.tables} table(s), ${counts.views} view(s) at version ${version}`
  print(`${out}: ${written ? 'written' : 'up to date'} (${what})`, { ok: true, version, ...counts, out, written })
  return 0
}
