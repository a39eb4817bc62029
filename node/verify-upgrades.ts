import { readdir } from 'node:fs/promises'
import { basename, join, resolve } from 'node:path'

import { planUpgrade } from '../core/runner/baseline'
import { readHistory } from '../core/runner/history'
import { applyPending } from '../core/runner/run-migrations'
import {
  type MigrationSetOptions,
  MigrationStepError,
  type PreparedMigrations,
  prepareMigrations,
  recordBaseline,
} from '../core/runner/runner'
import { diffSchemas } from '../core/schema/schema-diff'
import { fingerprintOf } from '../core/schema/schema-fingerprint'
import { schemaShape } from '../core/schema/schema-shape'
import { checkIntegrity } from '../core/sqlite/integrity-check'
import { openMemoryCopy } from '../core/sqlite/memory-copy'
import { type Database, messageOf, type Sqlite3, sqliteCodeOf } from '../core/sqlite/sqlite'
import { SqliteOpfsMigrateError } from '../shared/errors'
import type { Migration, MigrationDatabase, SchemaShape } from '../shared/types'
import { inspectDatabaseFile, readDatabaseFile } from './apply-file'
import { loadMigrations } from './load-migrations'
import { loadNodeSqlite } from './node-sqlite'
import { importAnyModule } from './read-migrations-directory'

/**
 * Fills a database at `version` with rows before it is upgraded, so data migrations run on data. Synchronous; `db`
 * is a private in-memory copy.
 *
 * @example
 * // test/seed.mjs, for `verify --seed test/seed.mjs`
 * export function seed(db, { version }) {
 *   if (version >= 1) db.exec("INSERT INTO notes (title) VALUES ('a'), ('a')")
 * }
 */
export type SeedFunction = (db: MigrationDatabase, context: { version: number }) => void

/**
 * Options of `verifyUpgrades`.
 *
 * @example
 * const options: VerifyUpgradesOptions = { migrations: 'migrations', fixtures: 'test/fixtures', seed: 'test/seed.mjs' }
 */
export interface VerifyUpgradesOptions extends Omit<MigrationSetOptions, 'baseline'> {
  /** The app's migrations, or the path of its migrations folder. */
  migrations: readonly Migration[] | string
  /** Rows for each starting version: a function, or the path of a module exporting `seed` (or a default function). */
  seed?: SeedFunction | string | undefined
  /** Real database files at old versions: a folder (its `.sqlite`, `.sqlite3` and `.db` files) or a list of files. */
  fixtures?: string | readonly string[] | undefined
  /** Accept fixtures whose applied migrations were edited since (as `acceptEditedMigrations` at open). */
  acceptEditedMigrations?: boolean | readonly number[] | undefined
  /** An initialised sqlite-wasm module; default: its Node build, loaded once. */
  sqlite3?: Sqlite3
}

/**
 * Why an upgrade from some start did not finish.
 *
 * @example
 * const line = (f: UpgradeFailureFinding) => `[${f.code}] ${f.message}`
 */
export interface UpgradeFailureFinding {
  /** The migration that threw (`null` when the history check refused the start before any migration ran). */
  version: number | null
  name: string | null
  /** `MIGRATION_FAILED` for a step that threw, else the error's code (`MIGRATION_EDITED`, `INVALID_DATABASE_FILE`, `SEED_FAILED`, …). */
  code: string
  message: string
  statement: string | null
}

/**
 * One start, upgraded to the latest version and compared with a fresh install.
 *
 * @example
 * const drifted = (report: VerifyReport) => report.checks.filter((c: UpgradeCheck) => c.result === 'drift')
 */
export interface UpgradeCheck {
  /** `version`: a database built with the migrations up to `from`; `fixture`: a real file given with `fixtures`. */
  source: 'version' | 'fixture'
  /** The version the upgrade started from. */
  from: number
  /** The fixture's path, `null` for built starts. */
  fixture: string | null
  /** Migrations applied (before the failure, for `failed`). */
  steps: number
  /** `same`: the schema a fresh install has; `drift`: another one; `failed`: the upgrade threw; `damaged`: integrity or foreign-key check failed. */
  result: 'same' | 'drift' | 'failed' | 'damaged'
  /** The first difference in plain words (`drift`), or the check's problems (`damaged`). */
  difference: string | null
  failure: UpgradeFailureFinding | null
  durationMs: number
}

/**
 * What `verifyUpgrades` (and `sqlite-opfs-migrate verify`) found.
 *
 * @example
 * const report = await verifyUpgrades({ migrations: 'migrations' })
 * expect(report.checks.filter((c) => c.result !== 'same')).toEqual([])
 */
export interface VerifyReport {
  /** Every start reached the fresh install's schema with clean integrity and foreign-key checks. */
  ok: boolean
  latestVersion: number
  /** Fingerprint of the fresh install's schema (see `SchemaCheck`), `null` when the fresh install failed. */
  fingerprint: string | null
  /** The fresh install (from an empty database) when it failed, else `null`: then no other start could be built. */
  freshFailure: UpgradeFailureFinding | null
  checks: UpgradeCheck[]
  durationMs: number
}

/** The fresh install and the database at each version on the way (empty bytes for version 0). */
interface FreshBuild {
  starts: { version: number; bytes: Uint8Array }[]
  shape: SchemaShape | null
  failure: UpgradeFailureFinding | null
}

/**
 * The fleet check: for every version from 0 to the latest, builds a database at that version with the migrations
 * (each build reuses the previous one, so building costs one pass), optionally fills a copy with `seed`, upgrades the
 * copy to the latest version with the library's own runner (history check, one transaction per migration, foreign
 * keys checked), and compares its normalised schema, `integrity_check` and `foreign_key_check` with a fresh install.
 * Fixture files are checked as untrusted first and upgraded on in-memory copies; the files are only read. Upgrades
 * cost one migration per version between start and latest, so n migrations cost about n²/2 steps (see README).
 *
 * @example
 * // upgrades.test.ts (Vitest, Node)
 * import { verifyUpgrades } from 'sqlite-opfs-migrate/verify'
 * it('every old database upgrades to the schema of a fresh install', async () => {
 *   const report = await verifyUpgrades({ migrations: 'migrations', fixtures: 'test/fixtures' })
 *   expect(report.checks.filter((c) => c.result !== 'same')).toEqual([])
 * })
 */
export async function verifyUpgrades(options: VerifyUpgradesOptions): Promise<VerifyReport> {
  const started = performance.now()
  const sqlite3 = options.sqlite3 ?? (await loadNodeSqlite())
  const migrations = typeof options.migrations === 'string' ? await loadMigrations(options.migrations) : options.migrations
  const prepared = await prepareMigrations(migrations, { functions: options.functions, collations: options.collations })
  const seed = await loadSeed(options.seed)
  const latestVersion = migrations.at(-1)?.version ?? 0
  const fresh = buildFresh(sqlite3, prepared)
  const checks: UpgradeCheck[] = []
  if (fresh.shape) {
    const upgrade = { sqlite3, prepared, expected: fresh.shape, acceptEdited: options.acceptEditedMigrations ?? false }
    for (const start of fresh.starts.filter((s) => s.version < latestVersion || migrations.length === 0))
      checks.push(checkStart(upgrade, { source: 'version', from: start.version, fixture: null, bytes: start.bytes, seed }))
    for (const file of await fixtureFiles(options.fixtures)) checks.push(await checkFixture(upgrade, file))
  }
  const ok = fresh.failure === null && checks.every((c) => c.result === 'same')
  return {
    ok,
    latestVersion,
    fingerprint: fresh.shape && fingerprintOf(fresh.shape),
    freshFailure: fresh.failure,
    checks,
    durationMs: performance.now() - started,
  }
}

/** Applies every migration to an empty database, keeping the bytes at each version as the next start. */
function buildFresh(sqlite3: Sqlite3, prepared: PreparedMigrations): FreshBuild {
  const db = openMemoryCopy(sqlite3, new Uint8Array(), prepared.extensions)
  const starts = [{ version: 0, bytes: new Uint8Array() }]
  try {
    db.exec('PRAGMA foreign_keys = ON')
    const { pending } = planUpgrade(readHistory(db), prepared, false)
    applyPending(sqlite3, db, pending, {
      checksums: prepared.checksums,
      onMigration: ({ phase, migration }) => {
        if (phase === 'end') starts.push({ version: migration.version, bytes: sqlite3.capi.sqlite3_js_db_export(db) })
      },
    })
    return { starts, shape: schemaShape(db), failure: null }
  } catch (error) {
    return { starts, shape: null, failure: findingOf(error) }
  } finally {
    db.close()
  }
}

interface UpgradeContext {
  sqlite3: Sqlite3
  prepared: PreparedMigrations
  expected: SchemaShape
  acceptEdited: boolean | readonly number[]
}

interface Start {
  source: UpgradeCheck['source']
  from: number
  fixture: string | null
  bytes: Uint8Array
  seed: SeedFunction | null
}

/** Seeds a copy of the start (when asked), upgrades it with the runner `apply` uses, and compares it with the fresh install. */
function checkStart({ sqlite3, prepared, expected, acceptEdited }: UpgradeContext, start: Start): UpgradeCheck {
  const began = performance.now()
  const check: UpgradeCheck = {
    source: start.source,
    from: start.from,
    fixture: start.fixture,
    steps: 0,
    result: 'same',
    difference: null,
    failure: null,
    durationMs: 0,
  }
  const done = () => ({ ...check, durationMs: performance.now() - began })
  const db = openMemoryCopy(sqlite3, start.bytes, prepared.extensions)
  try {
    db.exec('PRAGMA foreign_keys = ON')
    if (start.seed && !seedCopy(db, start, check)) return done()
    try {
      const plan = planUpgrade(readHistory(db), prepared, acceptEdited)
      if (plan.pending.length === 0) recordBaseline(sqlite3, db, plan.adopted)
      // Counted as they end, so a failed upgrade says how many steps went through first.
      applyPending(sqlite3, db, plan.pending, {
        checksums: prepared.checksums,
        onMigration: ({ phase }) => phase === 'end' && check.steps++,
        adopted: plan.adopted,
      })
    } catch (error) {
      Object.assign(check, { result: 'failed', failure: findingOf(error) })
      return done()
    }
    const label = start.fixture ? `after upgrading ${start.fixture} (version ${start.from})` : `after upgrading from version ${start.from}`
    const difference = diffSchemas(schemaShape(db), expected, { actual: label, expected: 'on a fresh install' })
    if (difference) {
      Object.assign(check, { result: 'drift', difference: difference.message })
      return done()
    }
    const integrity = checkIntegrity(db)
    if (!integrity.ok) {
      const foreignKeys = integrity.foreignKeys.slice(0, 3).map((v) => `${v.table} rowid ${v.rowid} → ${v.parent}`)
      const problems = [...integrity.integrity.filter((m) => m !== 'ok').slice(0, 3), ...foreignKeys]
      Object.assign(check, { result: 'damaged', difference: `${label}: ${problems.join('; ')}` })
    }
    return done()
  } finally {
    db.close()
  }
}

/** Runs the seed in a transaction of its own; a throw is a finding (`SEED_FAILED`) of that start. */
function seedCopy(db: Database, start: Start, check: UpgradeCheck): boolean {
  try {
    db.transaction(() => start.seed!(db, { version: start.from }))
    return true
  } catch (error) {
    check.result = 'failed'
    check.failure = {
      version: null,
      name: null,
      code: 'SEED_FAILED',
      message: `seed({ version: ${start.from} }) threw: ${messageOf(error)}`,
      statement: null,
    }
    return false
  }
}

/** A fixture: checked as an untrusted file first (a refusal is a finding), then upgraded on a copy. */
async function checkFixture(context: UpgradeContext, file: string): Promise<UpgradeCheck> {
  const began = performance.now()
  try {
    const { bytes } = await readDatabaseFile(file)
    const history = inspectDatabaseFile(context.sqlite3, file, bytes, context.prepared.extensions)
    return checkStart(context, { source: 'fixture', from: history.version, fixture: file, bytes, seed: null })
  } catch (error) {
    const failure = findingOf(error)
    return {
      source: 'fixture',
      from: 0,
      fixture: file,
      steps: 0,
      result: 'failed',
      difference: null,
      failure,
      durationMs: performance.now() - began,
    }
  }
}

function findingOf(error: unknown): UpgradeFailureFinding {
  if (error instanceof MigrationStepError)
    return {
      version: error.migration.version,
      name: error.migration.name,
      code: 'MIGRATION_FAILED',
      message: error.message,
      statement: error.statement,
    }
  const code = error instanceof SqliteOpfsMigrateError ? error.code : sqliteCodeOf(error) === null ? 'ERROR' : 'SQLITE_ERROR'
  const version = (error as { version?: unknown })?.version
  return { version: typeof version === 'number' ? version : null, name: null, code, message: messageOf(error), statement: null }
}

async function loadSeed(seed: VerifyUpgradesOptions['seed']): Promise<SeedFunction | null> {
  if (seed === undefined) return null
  if (typeof seed === 'function') return seed
  const module = (await importAnyModule(resolve(seed))) as { seed?: unknown; default?: unknown }
  const found = typeof module.seed === 'function' ? module.seed : module.default
  if (typeof found !== 'function') throw new Error(`${seed} must export a function seed(db, { version })`)
  return found as SeedFunction
}

async function fixtureFiles(fixtures: VerifyUpgradesOptions['fixtures']): Promise<string[]> {
  if (fixtures === undefined) return []
  if (typeof fixtures !== 'string') return [...fixtures]
  const names = (await readdir(fixtures)).filter((name) => /\.(sqlite3?|db)$/i.test(name)).sort()
  if (names.length === 0) throw new Error(`${fixtures} holds no .sqlite, .sqlite3 or .db file`)
  return names.map((name) => join(fixtures, basename(name)))
}
