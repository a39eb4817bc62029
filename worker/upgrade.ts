import { InsufficientStorageError, MigrationFailedError, SnapshotError } from '../src/errors'
import type { AppliedMigration, Migration, SnapshotInfo, VerifyCheck } from '../src/types'
import type { DatabaseFile } from './database-file'
import { pragmaCheck } from './integrity-check'
import { applyPending, MigrationStepError } from './runner'
import { pruneSnapshots } from './snapshot-store'
import { messageOf, sqliteCodeOf } from './sqlite'
import { clearLastFailure, recordFailure } from './upgrade-failure'
import { clearMarker, writeMarker } from './upgrade-marker'

/** Options of `upgrade`. */
export interface UpgradeOptions {
  checksums: ReadonlyMap<number, string>
  verify: VerifyCheck | false
  keepSnapshots: number
  minFreeBytes: number
}

/**
 * Applies pending migrations with the guarantee that the file ends either fully upgraded or exactly as before:
 * (a) quota check, (b) snapshot to IndexedDB, (c) marker, (d) each migration in its own transaction, (e) integrity
 * check, (f) marker cleared, (g) old snapshots pruned. A failure in (d) or (e) restores the snapshot and throws
 * `MigrationFailedError`; a failure before (c) has changed nothing.
 *
 * @example
 * const { applied } = await upgrade(file, pending, { checksums, verify: 'quick_check', keepSnapshots: 3 })
 */
export async function upgrade(
  file: DatabaseFile,
  pending: readonly Migration[],
  options: UpgradeOptions,
): Promise<{ applied: AppliedMigration[]; snapshot: SnapshotInfo }> {
  const fromVersion = file.version()
  const toVersion = pending.at(-1)!.version
  try {
    const result = await upgradeSteps(file, pending, options, fromVersion, toVersion)
    await clearLastFailure(file.store, file.name).catch(() => {})
    return result
  } catch (error) {
    await recordFailure(file.store, file.name, error, { fromVersion, toVersion })
    throw error
  }
}

async function upgradeSteps(
  file: DatabaseFile,
  pending: readonly Migration[],
  options: UpgradeOptions,
  fromVersion: number,
  toVersion: number,
): Promise<{ applied: AppliedMigration[]; snapshot: SnapshotInfo }> {
  await ensureRoomForSnapshot(file, options.minFreeBytes)
  const snapshot = await file.snapshot('upgrade', toVersion)
  await writeMarker(file.store, file.name, {
    kind: 'upgrade',
    snapshotId: snapshot.id,
    fromVersion,
    toVersion,
    startedAt: new Date().toISOString(),
  })
  let current: Migration = pending[0]!
  let applied: AppliedMigration[]
  try {
    applied = applyPending(file.sqlite3, file.db, pending, options.checksums, ({ phase, index, total, migration, row }) => {
      current = migration
      const { version, name } = migration
      if (phase === 'start') file.emit({ type: 'migration-start', index, total, version, name })
      else file.emit({ type: 'migration-end', index, total, version, name, durationMs: row!.durationMs })
    })
    if (options.verify) verify(file, options.verify)
  } catch (error) {
    throw await restoreAfterFailure(file, snapshot, current, error)
  }
  await clearMarker(file.store, file.name)
  await pruneSnapshots(file.store, file.name, options.keepSnapshots, snapshot.id)
  return { applied, snapshot }
}

/**
 * Room for the snapshot in IndexedDB plus a rollback journal as large as the file (the worst case of a rebuild), plus
 * what the app wants kept free.
 */
async function ensureRoomForSnapshot(file: DatabaseFile, minFreeBytes: number): Promise<void> {
  const required = file.size() * 2 + minFreeBytes
  const estimate = await navigator.storage?.estimate?.().catch(() => undefined)
  const available = estimate?.quota !== undefined ? estimate.quota - (estimate.usage ?? 0) : null
  file.emit({ type: 'quota-check', requiredBytes: required, availableBytes: available })
  if (available !== null && available < required)
    throw new InsufficientStorageError(
      `not enough storage to upgrade ${file.name} safely: need ${required} bytes (snapshot, journal and minFreeBytes), ` +
        `${available} available; nothing was changed`,
      required,
      available,
    )
}

class VerificationError extends Error {}

function verify(file: DatabaseFile, check: VerifyCheck): void {
  file.emit({ type: 'verify', check, done: false })
  const { ok, messages } = pragmaCheck(file.db, check)
  file.emit({ type: 'verify', check, done: true, ok })
  if (!ok) throw new VerificationError(`${check} failed: ${messages.slice(0, 5).join('; ')}`)
}

async function restoreAfterFailure(
  file: DatabaseFile,
  snapshot: SnapshotInfo,
  migration: Migration,
  error: unknown,
): Promise<Error> {
  try {
    // A failed step has rolled back already; a failed verification leaves no transaction open either.
    await file.restore(snapshot.id, 'upgrade-failed')
  } catch (restoreError) {
    return new SnapshotError(
      'RESTORE_FAILED',
      `migration ${migration.version} ("${migration.name}") failed (${messageOf(error)}) and restoring the snapshot ` +
        `failed too (${messageOf(restoreError)}); the marker is kept, so the next open restores it again`,
      snapshot.id,
      { cause: error },
    )
  }
  const step = error instanceof MigrationStepError ? error : null
  const phase = error instanceof VerificationError ? 'verification' : 'migration'
  const sqliteMessage = step?.sqliteMessage ?? messageOf(error)
  return new MigrationFailedError(
    `${phase === 'verification' ? `verification after migration ${migration.version}` : `migration ${migration.version}`} ` +
      `("${migration.name}") failed: ${sqliteMessage}${step?.statement ? `\n  in statement: ${step.statement}` : ''}` +
      `\n  the database was restored to version ${snapshot.fromVersion} from snapshot ${snapshot.id}`,
    {
      phase,
      version: migration.version,
      migrationName: migration.name,
      statement: step?.statement ?? null,
      sqliteCode: step ? step.sqliteCode : sqliteCodeOf(error),
      sqliteMessage,
      restoredToVersion: file.version(),
      snapshotId: snapshot.id,
    },
    { cause: error },
  )
}
