import { existsSync } from 'node:fs'
import { resolve } from 'node:path'
import { parseArgs as parseWords, type ParseArgsConfig } from 'node:util'
import { SqliteOpfsMigrateError } from '../src/errors'
import type { Migration } from '../src/types'
import { planUpgrade, type Baseline } from '../worker/baseline'
import { dryRun } from '../worker/dry-run'
import { HISTORY_TABLE } from '../worker/history'
import { compareWithHistory, fingerprintOf } from '../worker/schema-fingerprint'
import { readUntrustedShape } from '../worker/untrusted-file'
import { prepareMigrations, type MigrationSetOptions } from '../worker/runner'
import { stubExtensions, type SqlExtensions } from '../worker/sql-extensions'
import { applyToFile, inspectDatabaseFile, readDatabaseFile } from './apply-file'
import { checkMigrationFiles, formatDiagnostic } from './check-migrations'
import { verifyCommand } from './cli-verify'
import { loadMigrations } from './load-migrations'
import { loadNodeSqlite } from './node-sqlite'
import { progressBar } from './progress-bar'
import { importAnyModule, migrationsRoot, readMigrationsDirectory } from './read-migrations-directory'

/** Where the CLI writes: stdout for results, stderr for progress and errors. */
export interface CliIo {
  stdout: { write(text: string): unknown }
  stderr: { isTTY?: boolean; write(text: string): unknown }
}

/** Parsed command line. */
export interface CliArgs {
  command: string
  positional: string[]
  json: boolean
  strict: boolean
  backup: boolean
  acceptEdited: boolean
  baseline: Baseline | undefined
  setup: string | undefined
  functions: string[]
  collations: string[]
  /** `verify --seed <module>` */
  seed: string | undefined
  /** `verify --fixtures <dir>` */
  fixtures: string | undefined
}

export const USAGE = `Usage: sqlite-opfs-migrate <command> [options]

Commands:
  check <dir>                 validate and lint a migrations folder (exit 1 on errors)
  status <db.sqlite> <dir>    version, applied history with checksums verified, pending migrations
  plan <db.sqlite> <dir>      apply pending migrations to an in-memory copy and report each (alias: dry-run)
  apply <db.sqlite> <dir>     upgrade the file: backup first, atomic replace, untouched on failure
  verify <dir>                upgrade a database at every old version (and --fixtures) to the latest and compare
                              its schema with a fresh install (exit 1 on drift or a failed upgrade)

Options:
  --json                      machine-readable output on stdout
  --strict                    lint warnings are errors (check)
  --baseline <N|user_version> adopt a database made without this library
  --setup <module>            module exporting { functions, collations } (and optionally baseline)
  --function <name>           a custom SQL function's name, for check (repeatable)
  --collation <name>          a custom collation's name, for check (repeatable)
  --accept-edited             accept applied migrations whose SQL changed since
  --no-backup                 apply without writing <db>.backup-<time> first
  --seed <module>             verify: module exporting seed(db, { version }) that fills each starting database
  --fixtures <dir>            verify: also upgrade copies of the .sqlite/.db files in <dir> (real old databases)`

/** The options `util.parseArgs` reads; what each means is in `USAGE`. */
const OPTIONS = {
  json: { type: 'boolean' },
  strict: { type: 'boolean' },
  'no-backup': { type: 'boolean' },
  'accept-edited': { type: 'boolean' },
  baseline: { type: 'string' },
  setup: { type: 'string' },
  function: { type: 'string', multiple: true },
  collation: { type: 'string', multiple: true },
  seed: { type: 'string' },
  fixtures: { type: 'string' },
} as const satisfies ParseArgsConfig['options']

/** How many positionals each command takes (after the command's name). */
const POSITIONALS: Record<string, number> = { check: 1, status: 2, plan: 2, apply: 2, verify: 1 }

/** Parses argv (without `node` and the script). Throws `Error` with a usage message on bad input. */
export function parseArgs(argv: readonly string[]): CliArgs {
  // Not strict: its errors would name options its own way; the tokens are checked below, with this CLI's messages.
  const parsed = parseWords({ args: [...argv], options: OPTIONS, strict: false, allowPositionals: true, tokens: true })
  const values = parsed.values as OptionValues // each token is checked against OPTIONS below
  const words: string[] = []
  for (const token of parsed.tokens) {
    if (token.kind === 'positional') words.push(token.value)
    else if (token.kind === 'option-terminator') throw new Error('unknown option --')
    else checkOption(token)
  }
  const [named = '', ...positional] = words
  const command = named === 'dry-run' ? 'plan' : named
  const wanted = Object.hasOwn(POSITIONALS, command) ? POSITIONALS[command] : undefined
  if (wanted === undefined) throw new Error(command ? `unknown command ${command}` : 'no command given')
  if (positional.length !== wanted) throw new Error(`${command} takes ${wanted === 1 ? '<dir>' : '<db.sqlite> <dir>'}`)
  const baseline = values.baseline
  return {
    command,
    positional,
    json: values.json === true,
    strict: values.strict === true,
    backup: values['no-backup'] !== true,
    acceptEdited: values['accept-edited'] === true,
    baseline: baseline === undefined ? undefined : baseline === 'user_version' ? baseline : Number(baseline),
    setup: values.setup,
    functions: values.function ?? [],
    collations: values.collation ?? [],
    seed: values.seed,
    fixtures: values.fixtures,
  }
}

/** `values` once every token has passed `checkOption`. */
interface OptionValues {
  json?: boolean
  strict?: boolean
  'no-backup'?: boolean
  'accept-edited'?: boolean
  baseline?: string
  setup?: string
  function?: string[]
  collation?: string[]
  seed?: string
  fixtures?: string
}

type OptionToken = Extract<NonNullable<ReturnType<typeof parseWords>['tokens']>[number], { kind: 'option' }>

/** Refuses what `util.parseArgs` lets through when not strict: unknown names, missing values, values on flags. */
function checkOption(token: OptionToken): void {
  const options: Record<string, { type: 'boolean' | 'string' }> = OPTIONS
  const option = Object.hasOwn(options, token.name) ? options[token.name] : undefined
  if (!option) throw new Error(`unknown option ${token.rawName}`)
  if (option.type === 'boolean') {
    if (token.value !== undefined) throw new Error(`${token.rawName} takes no value`)
    return
  }
  // `--setup --json` is a missing value, not a module named "--json".
  if (token.value === undefined || token.value.startsWith('--')) throw new Error(`${token.rawName} needs a value`)
  if (token.name === 'baseline' && token.value !== 'user_version' && !/^[1-9]\d*$/.test(token.value))
    throw new Error(`--baseline takes a migration version (1 or more) or user_version, got ${token.value}`)
}

/**
 * Runs one CLI command; returns the exit code (0 ok, 1 failed check/upgrade/history, 2 usage).
 *
 * @example
 * process.exitCode = await runCli(['check', 'migrations', '--strict'], process)
 */
export async function runCli(argv: readonly string[], io: CliIo): Promise<number> {
  let args: CliArgs
  try {
    args = parseArgs(argv)
  } catch (error) {
    io.stderr.write(`${(error as Error).message}\n\n${USAGE}\n`)
    return 2
  }
  const print = (human: string, json: unknown) => io.stdout.write(args.json ? `${JSON.stringify(json, null, 2)}\n` : `${human}\n`)
  try {
    const setup = args.setup ? await loadSetup(args.setup) : {}
    const options: MigrationSetOptions = { ...setup, baseline: args.baseline ?? setup.baseline }
    if (args.command === 'check') return await check(args, setup, print)
    if (args.command === 'verify')
      return await verifyCommand({ directory: args.positional[0]!, seed: args.seed, fixtures: args.fixtures, acceptEdited: args.acceptEdited }, setup, print)
    const [file, directory] = args.positional as [string, string]
    const migrations = await loadMigrations(directory)
    if (args.command === 'status') return await status(file, migrations, options, args, print)
    if (args.command === 'plan') return await plan(file, migrations, options, args, print, io)
    return await apply(file, migrations, options, args, print, io)
  } catch (error) {
    const code = error instanceof SqliteOpfsMigrateError ? error.code : 'ERROR'
    if (args.json) print('', { ok: false, error: { code, name: (error as Error)?.name, message: (error as Error)?.message } })
    io.stderr.write(`error [${code}] ${(error as Error)?.message ?? String(error)}\n`)
    return 1
  }
}

type Print = (human: string, json: unknown) => void

async function check(args: CliArgs, setup: SqlExtensions, print: Print): Promise<number> {
  const files = await readMigrationsDirectory(args.positional[0]!)
  const result = await checkMigrationFiles(await loadNodeSqlite(), files, {
    root: migrationsRoot(args.positional[0]!),
    strict: args.strict,
    functions: args.functions,
    collations: args.collations,
    ...(setup.functions || setup.collations ? { extensions: withStandIns(setup, args) } : {}),
  })
  const errors = result.diagnostics.filter((d) => d.severity === 'error').length
  const summary = `${result.migrations.length} migration(s), ${errors} error(s), ${result.diagnostics.length - errors} warning(s)`
  // Ignored files are notes, not findings: they show what was left out, and why, so nothing is skipped unseen.
  const notes = result.ignored.map((f) => `note [ignored] ${f.path}: ${f.reason}`)
  print([...notes, ...result.diagnostics.map(formatDiagnostic), summary].join('\n'), {
    ok: result.ok,
    diagnostics: result.diagnostics,
    migrations: result.migrations.map(({ entry, migration, checksum, sqlFormat }) => ({ version: migration.version, name: migration.name, file: entry.path, format: entry.format, sqlFormat, kind: entry.kind, checksum, transaction: migration.transaction !== false })),
    ignored: result.ignored,
  })
  return result.ok ? 0 : 1
}

async function status(file: string, migrations: Migration[], options: MigrationSetOptions, args: CliArgs, print: Print): Promise<number> {
  const sqlite3 = await loadNodeSqlite()
  const prepared = await prepareMigrations(migrations, options)
  const bytes = await readDatabase(file)
  const history = inspectDatabaseFile(sqlite3, file, bytes, prepared.extensions)
  const schema = bytes.byteLength ? compareWithHistory(fingerprintOf(readUntrustedShape(sqlite3, bytes, { extensions: prepared.extensions, allowWal: true })), history) : null
  const byVersion = new Map(migrations.map((m) => [m.version, m]))
  const applied = history.applied.map((row) => {
    const current = prepared.checksums.get(row.version)
    const state = !byVersion.has(row.version) ? 'missing' : row.baseline ? 'baseline' : row.checksum === null || current === undefined ? 'unchecked' : row.checksum === current ? 'ok' : 'edited'
    return { ...row, state }
  })
  let problem: { code: string; message: string } | null = null
  let pending: Migration[] = []
  try {
    pending = planUpgrade(history, prepared, args.acceptEdited).pending
  } catch (error) {
    if (!(error instanceof SqliteOpfsMigrateError)) throw error
    problem = { code: error.code, message: error.message }
  }
  const latest = migrations.at(-1)?.version ?? 0
  const human = [
    `${file}: version ${history.version}, latest ${latest}${history.hasTable ? '' : ` (no ${HISTORY_TABLE} table)`}`,
    ...(applied.length ? ['applied:', ...applied.map((r) => `  ${String(r.version).padStart(4)} ${r.name.padEnd(32)} ${r.appliedAt} ${r.state}`)] : []),
    ...(pending.length ? ['pending:', ...pending.map((m) => `  ${String(m.version).padStart(4)} ${m.name}${m.up ? ' (code)' : ''}`)] : []),
    ...(schema ? [`schema: ${SCHEMA_STATES[schema.state](schema.recordedBy)}`] : []),
    ...(problem ? [`problem [${problem.code}] ${problem.message}`] : []),
  ].join('\n')
  const changed = schema?.state === 'changed'
  print(human, { ok: !problem && !changed, version: history.version, latestVersion: latest, applied, pending: pending.map((m) => ({ version: m.version, name: m.name, kind: m.up ? 'code' : 'sql' })), schema, problem })
  return problem || changed || applied.some((r) => (r.state === 'edited' && !args.acceptEdited) || r.state === 'missing') ? 1 : 0
}

const SCHEMA_STATES = {
  matches: (v: number | null) => `matches what migration ${v} left`,
  changed: (v: number | null) => `CHANGED: this database's schema is not what its migrations produce (migration ${v} left another one; someone changed it by hand)`,
  unknown: () => 'not checked (no fingerprint recorded: adopted with baseline, or written by an older version of the library)',
}

async function plan(file: string, migrations: Migration[], options: MigrationSetOptions, args: CliArgs, print: Print, io: CliIo): Promise<number> {
  const sqlite3 = await loadNodeSqlite()
  const prepared = await prepareMigrations(migrations, options)
  const bar = progressBar(io.stderr)
  bar.update(0, 1, 'dry run')
  const bytes = await readDatabase(file)
  inspectDatabaseFile(sqlite3, file, bytes, prepared.extensions)
  const result = dryRun(sqlite3, bytes, prepared, { acceptEditedMigrations: args.acceptEdited, foreignKeys: true, verify: 'quick_check' }, { schemaPerStep: true })
  bar.done()
  const human = [
    `${file}: version ${result.fromVersion} → ${result.reachedVersion} (latest ${result.latestVersion}), on an in-memory copy; the file was not written`,
    ...result.steps.map((s) =>
      `  ${String(s.version).padStart(4)} ${s.name.padEnd(32)} ${s.outcome.padEnd(7)} ${s.durationMs === null ? '' : `${s.durationMs.toFixed(1)} ms, ${s.changes} row(s) changed, ${s.schemaAfter?.length ?? 0} schema objects after`}` +
      (s.error ? `\n       ${s.error.message}${s.error.statement ? `\n       in: ${s.error.statement.slice(0, 200)}` : ''}` : ''),
    ),
    ...(result.verify ? [`  ${result.verify.check}: ${result.verify.ok ? 'ok' : result.verify.messages.join('; ')}`] : []),
    result.ok ? (result.steps.length ? 'ok: apply would succeed' : 'up to date') : 'FAILED: apply would fail and leave the file as it is',
  ].join('\n')
  print(human, result)
  return result.ok ? 0 : 1
}

async function apply(file: string, migrations: Migration[], options: MigrationSetOptions, args: CliArgs, print: Print, io: CliIo): Promise<number> {
  const bar = progressBar(io.stderr)
  const result = await applyToFile(await loadNodeSqlite(), file, migrations, {
    ...options,
    acceptEditedMigrations: args.acceptEdited,
    backup: args.backup,
    onMigration: ({ phase, index, total, migration }) => bar.update(index + (phase === 'end' ? 1 : 0), total, migration.name),
  }).finally(() => bar.done())
  const human = result.applied.length
    ? [
        `${file}: version ${result.fromVersion} → ${result.toVersion}`,
        ...result.applied.map((r) => `  ${String(r.version).padStart(4)} ${r.name.padEnd(32)} ${r.baseline ? 'baseline' : `${r.durationMs.toFixed(1)} ms`}`),
        result.backup ? `backup: ${result.backup}` : 'no backup (new file or --no-backup)',
      ].join('\n')
    : `${file}: up to date at version ${result.fromVersion}`
  print(human, { ok: true, ...result })
  return 0
}

/** The setup's real functions and collations, plus stand-ins for names given with --function/--collation only. */
function withStandIns(setup: SqlExtensions, args: CliArgs): SqlExtensions {
  const stand = stubExtensions({ functions: args.functions, collations: args.collations })
  return { functions: { ...stand.functions, ...setup.functions }, collations: { ...stand.collations, ...setup.collations } }
}

async function readDatabase(file: string): Promise<Uint8Array> {
  if (!existsSync(file)) throw new Error(`${file} does not exist`)
  return (await readDatabaseFile(file)).bytes
}

async function loadSetup(path: string): Promise<SqlExtensions & { baseline?: Baseline }> {
  const module = (await importAnyModule(resolve(path))) as Record<string, unknown> & { default?: Record<string, unknown> }
  const source = module.default && typeof module.default === 'object' ? module.default : module
  return { functions: source.functions as SqlExtensions['functions'], collations: source.collations as SqlExtensions['collations'], baseline: source.baseline as Baseline | undefined }
}
