import { DatabaseTooNewError, HistoryMismatchError, MigrationEditedError } from '../../shared/errors'
import { HISTORY_TABLE } from '../../shared/stored-names'
import type { AppliedMigration, Migration } from '../../shared/types'
import type { Database } from '../sqlite/sqlite'

// `schema_fingerprint`: the schema fingerprint each migration leaves (see `schema-fingerprint.ts`); null for baseline rows.
const CREATE_HISTORY = `CREATE TABLE IF NOT EXISTS ${HISTORY_TABLE} (
  version INTEGER PRIMARY KEY,
  name TEXT NOT NULL,
  checksum TEXT,
  applied_at TEXT NOT NULL,
  duration_ms REAL NOT NULL,
  baseline INTEGER NOT NULL DEFAULT 0 CHECK (baseline IN (0, 1)),
  schema_fingerprint TEXT
) STRICT`

/**
 * The definition of the history table, as SQLite stores it in `sqlite_schema`: its format. There is one: the earlier
 * forms (without `baseline`, without `schema_fingerprint`) were only written by pre-release code and are not read. A
 * file whose history table is anything else was not made by this library (see `untrusted-file.ts`).
 */
export const HISTORY_TABLE_SQL: readonly string[] = [CREATE_HISTORY.replace('IF NOT EXISTS ', '')]

/** What the file says about itself: `PRAGMA user_version` and the history rows (oldest first). */
export interface StoredHistory {
  version: number
  hasTable: boolean
  /**
   * Whether the file holds any table, view, index or trigger besides our history table (only looked up when the
   * history is missing or empty; `true` when it has rows).
   */
  hasSchema: boolean
  applied: AppliedMigration[]
}

/** Reads version and history: two small statements, the whole cost of an up-to-date open. */
export function readHistory(db: Database): StoredHistory {
  const version = Number(db.selectValue('PRAGMA user_version'))
  const applied: AppliedMigration[] = []
  let hasTable = true
  try {
    db.exec({
      sql: `SELECT version, name, checksum, applied_at, duration_ms, baseline, schema_fingerprint FROM ${HISTORY_TABLE} ORDER BY version`,
      rowMode: 'object',
      callback: (row) => {
        const {
          version: v,
          name,
          checksum,
          applied_at: appliedAt,
          duration_ms: durationMs,
          baseline,
          schema_fingerprint: fingerprint,
        } = row
        applied.push({
          version: Number(v),
          name: String(name),
          checksum: checksum === null ? null : String(checksum),
          appliedAt: String(appliedAt),
          durationMs: Number(durationMs),
          baseline: baseline === 1,
          schemaFingerprint: typeof fingerprint === 'string' ? fingerprint : null,
        })
      },
    })
  } catch (error) {
    const message = String((error as Error)?.message)
    const missingColumn = /no such column: \w+/.exec(message)?.[0]
    // Only a database that never ran a migration lacks the table; anything else is a real error.
    if (new RegExp(`no such table: ${HISTORY_TABLE}`).test(message)) hasTable = false
    else if (missingColumn) throw notOurHistory(version, missingColumn)
    else throw error
  }
  // An empty history table vouches for nothing (see `ensureVersionMatchesHistory`), so look at the schema then too.
  const hasSchema =
    applied.length > 0 ||
    Number(
      db.selectValue(`SELECT count(*) FROM sqlite_schema WHERE name NOT LIKE 'sqlite\\_%' ESCAPE '\\' AND name <> '${HISTORY_TABLE}'`),
    ) > 0
  return { version, hasTable, hasSchema, applied }
}

/** A history table without this library's columns: another tool's, or a form only pre-release code wrote (not read). */
function notOurHistory(version: number, sqliteMessage: string): HistoryMismatchError {
  return new HistoryMismatchError(
    `${HISTORY_TABLE} is not this library's history table (${sqliteMessage}): another tool or a pre-release version of ` +
      `this library made it; restore a snapshot or backup, or rename that table and pass baseline: <the version of the ` +
      `migration its schema matches> to adopt the database`,
    version,
  )
}

/** Creates the history table if missing; run inside a migration's transaction (upgrades only: an up-to-date open never writes). */
export function ensureHistoryTable(db: Database): void {
  db.exec(CREATE_HISTORY)
}

/** Records an applied migration and moves `user_version`; run inside the migration's transaction, after `ensureHistoryTable`. */
export function recordApplied(db: Database, row: AppliedMigration): void {
  db.exec({
    sql: `INSERT INTO ${HISTORY_TABLE} (version, name, checksum, applied_at, duration_ms, baseline, schema_fingerprint) VALUES (?, ?, ?, ?, ?, ?, ?)`,
    bind: [row.version, row.name, row.checksum, row.appliedAt, row.durationMs, row.baseline ? 1 : 0, row.schemaFingerprint],
  })
  // PRAGMA takes no bound parameters; the version was validated as an integer.
  db.exec(`PRAGMA user_version = ${Math.trunc(row.version)}`)
}

/** Options of `checkHistory`. */
export interface HistoryCheckOptions {
  /** Checksums (hex) of the app's SQL migrations by version. */
  checksums: ReadonlyMap<number, string>
  /** `true` accepts any edited SQL migration; a list accepts those versions only. */
  acceptEdited: boolean | readonly number[]
}

/**
 * Compares the stored history with the app's migrations and returns the ones still to apply, or throws:
 * `DatabaseTooNewError` (file is ahead of the app), `HistoryMismatchError` (version and history disagree, an applied
 * migration is missing or renamed, or a new one sits below the applied version), `MigrationEditedError`.
 *
 * @example
 * const pending = checkHistory(readHistory(db), migrations, { checksums, acceptEdited: false })
 */
export function checkHistory(stored: StoredHistory, migrations: readonly Migration[], options: HistoryCheckOptions): Migration[] {
  const latest = migrations.at(-1)?.version ?? 0
  const lastApplied = stored.applied.at(-1)?.version ?? 0
  ensureNotTooNew(Math.max(stored.version, lastApplied), latest)
  ensureVersionMatchesHistory(stored, lastApplied)
  const byVersion = new Map(migrations.map((m) => [m.version, m]))
  for (const row of stored.applied) ensureAppliedStillShipped(row, byVersion.get(row.version), options)
  const appliedVersions = new Set(stored.applied.map((row) => row.version))
  const missed = migrations.find((m) => m.version <= stored.version && !appliedVersions.has(m.version))
  if (missed)
    throw new HistoryMismatchError(
      `migration ${missed.version} ("${missed.name}") is not applied but the database is already at version ${stored.version}; ` +
        `new migrations must have versions above the latest applied one (renumber it above ${stored.version}); if it was ` +
        `applied, its ${HISTORY_TABLE} row was deleted by other code: restore a snapshot or backup`,
      missed.version,
    )
  return migrations.filter((m) => m.version > stored.version)
}

function ensureNotTooNew(databaseVersion: number, latest: number): void {
  if (databaseVersion > latest)
    throw new DatabaseTooNewError(
      `database is at version ${databaseVersion}, newer than this app's latest migration ${latest}; ` +
        `it was upgraded by a newer version of the app (reload to get it). The file was not touched.`,
      databaseVersion,
      latest,
    )
}

function ensureVersionMatchesHistory(stored: StoredHistory, lastApplied: number): void {
  // Tables but no history: made by other code. Running migration 1 on it could fail, or worse, half-succeed.
  if (!stored.hasTable && stored.version === 0 && stored.hasSchema)
    throw new HistoryMismatchError(
      `database has tables but no ${HISTORY_TABLE} table: it was made by other code; to adopt it, pass ` +
        `baseline: <the version of the migration its schema matches>`,
      0,
    )
  // Our history table is only ever created together with its first row, so an empty one over other tables had its rows
  // deleted: taken for a new database, migration 1 would run again over the user's data.
  if (stored.hasTable && stored.applied.length === 0 && stored.version === 0 && stored.hasSchema)
    throw new HistoryMismatchError(
      `database has tables but its ${HISTORY_TABLE} table is empty: its history was deleted by other code; restore a ` +
        `snapshot or backup, or drop the empty ${HISTORY_TABLE} table and pass baseline: <the version of the migration its ` +
        `schema matches> to adopt it`,
      0,
    )
  if (!stored.hasTable && stored.version !== 0)
    throw new HistoryMismatchError(
      `database has user_version ${stored.version} but no ${HISTORY_TABLE} table: it was versioned by other code; ` +
        `to adopt it, pass baseline: 'user_version' (or the version of the migration its schema matches)`,
      stored.version,
    )
  if (stored.hasTable && stored.version !== lastApplied)
    throw new HistoryMismatchError(
      `user_version is ${stored.version} but the latest migration in ${HISTORY_TABLE} is ${lastApplied}: the file was ` +
        `changed by other code; restore a snapshot or backup (or set PRAGMA user_version = ${lastApplied} if the history is right)`,
      stored.version,
    )
}

function ensureAppliedStillShipped(
  row: AppliedMigration,
  migration: Migration | undefined,
  { checksums, acceptEdited }: HistoryCheckOptions,
): void {
  if (!migration)
    throw new HistoryMismatchError(
      `applied migration ${row.version} ("${row.name}") is missing from the app's migrations; never delete applied migrations: ` +
        `put it back (and add a new migration to undo what it did)`,
      row.version,
    )
  if (migration.name !== row.name)
    throw new HistoryMismatchError(
      `applied migration ${row.version} was named "${row.name}" but the app now calls it "${migration.name}"; applied ` +
        `migrations must keep their version and name: put "${row.name}" back at version ${row.version} and add changes as new migrations`,
      row.version,
    )
  const current = checksums.get(row.version)
  if (row.checksum === null || current === undefined || current === row.checksum) return
  const accepted = acceptEdited === true || (Array.isArray(acceptEdited) && acceptEdited.includes(row.version))
  if (!accepted)
    throw new MigrationEditedError(
      `migration ${row.version} ("${row.name}") was edited after it was applied (checksum ${row.checksum.slice(0, 12)}… ` +
        `is now ${current.slice(0, 12)}…); add a new migration instead, or pass acceptEditedMigrations`,
      row.version,
      row.name,
      row.checksum,
      current,
    )
}
