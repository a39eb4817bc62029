/**
 * `sqlite-opfs-migrate status <db.sqlite> <dir>`: a database file's version, its applied history with each checksum
 * verified against the folder, the pending migrations, and whether its schema is still what its migrations left.
 *
 * @module
 */
import { planUpgrade } from '../../core/runner/baseline'
import type { StoredHistory } from '../../core/runner/history'
import { type PreparedMigrations, prepareMigrations } from '../../core/runner/runner'
import { compareWithHistory, fingerprintOf } from '../../core/schema/schema-fingerprint'
import { readUntrustedShape } from '../../core/sqlite/untrusted-file'
import { SqliteOpfsMigrateError } from '../../shared/errors'
import { HISTORY_TABLE } from '../../shared/stored-names'
import type { Migration } from '../../shared/types'
import { inspectDatabaseFile } from '../apply-file'
import { loadNodeSqlite } from '../node-sqlite'
import { type DatabaseCommandOptions, readDatabase } from './database-file'

/**
 * Reports the file's state; returns the exit code: 1 when the history cannot be upgraded (edited without
 * `acceptEdited`, or missing migrations) or the schema was changed by hand, else 0.
 *
 * @example
 * const code = await statusCommand({ file: 'app.sqlite', migrations, migrationOptions: {}, acceptEdited: false, print })
 */
export async function statusCommand(options: DatabaseCommandOptions): Promise<number> {
  const { file, migrations, acceptEdited, print } = options
  const sqlite3 = await loadNodeSqlite()
  const prepared = await prepareMigrations(migrations, options.migrationOptions)
  const bytes = await readDatabase(file)
  const history = inspectDatabaseFile(sqlite3, file, bytes, prepared.extensions)
  const shape = () => readUntrustedShape(sqlite3, bytes, { extensions: prepared.extensions, allowWal: true })
  const schema = bytes.byteLength ? compareWithHistory(fingerprintOf(shape()), history) : null
  const applied = withStates(history, prepared, migrations)
  let problem: { code: string; message: string } | null = null
  let pending: Migration[] = []
  try {
    pending = planUpgrade(history, prepared, acceptEdited).pending
  } catch (error) {
    if (!(error instanceof SqliteOpfsMigrateError)) throw error
    problem = { code: error.code, message: error.message }
  }
  const latest = migrations.at(-1)?.version ?? 0
  const human = [
    `${file}: version ${history.version}, latest ${latest}${history.hasTable ? '' : ` (no ${HISTORY_TABLE} table)`}`,
    ...(applied.length
      ? ['applied:', ...applied.map((r) => `  ${String(r.version).padStart(4)} ${r.name.padEnd(32)} ${r.appliedAt} ${r.state}`)]
      : []),
    ...(pending.length ? ['pending:', ...pending.map((m) => `  ${String(m.version).padStart(4)} ${m.name}${m.up ? ' (code)' : ''}`)] : []),
    ...(schema ? [`schema: ${SCHEMA_STATES[schema.state](schema.recordedBy)}`] : []),
    ...(problem ? [`problem [${problem.code}] ${problem.message}`] : []),
  ].join('\n')
  const changed = schema?.state === 'changed'
  const pendingJson = pending.map((m) => ({ version: m.version, name: m.name, kind: m.up ? 'code' : 'sql' }))
  print(human, {
    ok: !problem && !changed,
    version: history.version,
    latestVersion: latest,
    applied,
    pending: pendingJson,
    schema,
    problem,
  })
  return problem || changed || applied.some((r) => (r.state === 'edited' && !acceptEdited) || r.state === 'missing') ? 1 : 0
}

/** Each applied row with its state: ok, edited, unchecked (nothing to compare), baseline, or missing from the folder. */
function withStates(history: StoredHistory, prepared: PreparedMigrations, migrations: Migration[]) {
  const byVersion = new Map(migrations.map((m) => [m.version, m]))
  return history.applied.map((row) => {
    const current = prepared.checksums.get(row.version)
    const state = !byVersion.has(row.version)
      ? 'missing'
      : row.baseline
        ? 'baseline'
        : row.checksum === null || current === undefined
          ? 'unchecked'
          : row.checksum === current
            ? 'ok'
            : 'edited'
    return { ...row, state }
  })
}

const SCHEMA_STATES = {
  matches: (v: number | null) => `matches what migration ${v} left`,
  changed: (v: number | null) =>
    `CHANGED: this database's schema is not what its migrations produce (migration ${v} left another one; someone changed it by hand)`,
  unknown: () => 'not checked (no fingerprint recorded: adopted with baseline, or written by an older version of the library)',
}
