import { applyPending } from '../../core/runner/run-migrations'
import { MigrationStepError, stageMigration } from '../../core/runner/runner'
import { pragmaCheck } from '../../core/sqlite/integrity-check'
import { messageOf, sqliteCodeOf } from '../../core/sqlite/sqlite'
import { MigrationFailedError, RecoveryPendingError, SnapshotError, UnsafePragmaError, UnsupportedFormatError } from '../../shared/errors'
import type { AppliedMigration, Migration, SnapshotInfo, VerifyCheck } from '../../shared/types'
import { listSnapshot, pruneSnapshots } from '../records/snapshot-store'
import { clearLastFailure, recordFailure } from '../records/upgrade-failure'
import { clearMarker, markerRecord } from '../records/upgrade-marker'
import { corruptError, damageOfCode } from './damaged-file'
import type { DatabaseFile } from './database-file'
import { ensureRoom } from './storage-room'

/** Options of `upgrade`. */
export interface UpgradeOptions {
  checksums: ReadonlyMap<number, string>
  verify: VerifyCheck | false
  keepSnapshots: number
  minFreeBytes: number
  /** Milliseconds each migration's body may run before it is stopped and the upgrade fails (0 or absent: no limit). */
  timeLimitMs?: number
  /** Baseline rows recorded with the first migration (adopting a file made without this library). */
  adopted?: readonly AppliedMigration[]
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
    const result = await upgradeSteps(file, pending, { ...options, fromVersion, toVersion })
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
  options: UpgradeOptions & { fromVersion: number; toVersion: number },
): Promise<{ applied: AppliedMigration[]; snapshot: SnapshotInfo }> {
  const { fromVersion, toVersion } = options
  await ensureRoomForSnapshot(file, options.minFreeBytes)
  const marker = (snapshot: SnapshotInfo) =>
    markerRecord(file.name, { kind: 'upgrade', snapshotId: snapshot.id, fromVersion, toVersion, startedAt: new Date().toISOString() })
  const [first, ...rest] = pending as [Migration, ...Migration[]]
  const overlap = first.transaction !== false
  // Overlapped: every chunk is read now and handed to IndexedDB, which writes them while the first migration runs.
  const staged = file.stageSnapshot('upgrade', toVersion, overlap ? Infinity : 2)
  const events = migrationEvents(file, pending.length)
  let current: Migration = first
  let applied: AppliedMigration[] = []
  let snapshot: SnapshotInfo | undefined
  try {
    if (overlap) {
      // Let the chunk writes leave this thread before the migration keeps it busy.
      await new Promise((resolve) => setTimeout(resolve, 0))
      events({ phase: 'start', index: 0, migration: first })
      const migration = stageMigration(file.sqlite3, file.db, first, {
        checksum: options.checksums.get(first.version) ?? null,
        adopted: options.adopted,
        timeLimitMs: options.timeLimitMs,
      })
      try {
        // The COMMIT waits for the snapshot and the marker to be durable. Until then SQLite's own journal can undo
        // everything, also after a crash (no marker yet: the next open simply rolls the journal back).
        snapshot = await staged.written
        await listSnapshot(file.store, snapshot, marker(snapshot))
      } catch (error) {
        migration.rollback()
        throw error
      }
      file.snapshotListed(snapshot)
      migration.commit()
      applied.push(migration.row)
      events({ phase: 'end', index: 0, migration: first, row: migration.row })
    } else {
      snapshot = await staged.written
      await listSnapshot(file.store, snapshot, marker(snapshot))
      file.snapshotListed(snapshot)
    }
    const offset = applied.length
    applied = applied.concat(
      applyPending(file.sqlite3, file.db, overlap ? rest : pending, {
        checksums: options.checksums,
        onMigration: ({ phase, index, migration, row }) => {
          current = migration
          events({ phase, index: index + offset, migration, ...(row ? { row } : {}) })
        },
        adopted: overlap ? [] : options.adopted,
        timeLimitMs: options.timeLimitMs,
      }),
    )
    if (options.verify) verify(file, options.verify)
  } catch (error) {
    // The snapshot could not be stored (or the index it joins is of a newer format): the first migration was rolled
    // back (or never started); nothing changed.
    if (error instanceof SnapshotError || error instanceof UnsupportedFormatError) throw error
    if (!snapshot) {
      // The first migration failed while its snapshot was still being written, and rolled back. Finish and list the
      // snapshot anyway: the failure then names it, and the file is put back from it and checked, as for any failure.
      snapshot = await staged.written
      await listSnapshot(file.store, snapshot, marker(snapshot))
      file.snapshotListed(snapshot)
    }
    throw await restoreAfterFailure(file, { snapshot, migration: current, error, check: options.verify || 'quick_check' })
  }
  // Saved before the marker goes (IndexedDB storage): a crash in between restores the snapshot, as mid-upgrade.
  try {
    await file.persist()
  } catch (error) {
    // Not saved: the connection is back on the saved image, which is the pre-upgrade file. The marker must go too, or a
    // later open would "recover" that snapshot over the writes the app makes from now on; if it cannot, writes stop.
    await clearMarker(file.store, file.name, file.size(), file.storage.kind).catch((cause: unknown) =>
      file.holdForRecovery(markerNotCleared(file, snapshot!, `the upgrade could not be saved (${messageOf(error)})`, cause)),
    )
    throw error
  }
  try {
    await clearMarker(file.store, file.name, file.size(), file.storage.kind)
  } catch (cause) {
    throw file.holdForRecovery(markerNotCleared(file, snapshot, `the upgrade to version ${toVersion} was applied`, cause))
  }
  // The upgrade is done and durable: a failed prune only leaves old snapshots for the next one.
  await pruneSnapshots(file.store, file.name, options.keepSnapshots, snapshot.id).catch(() => [])
  return { applied, snapshot }
}

/**
 * The upgrade's marker is still there although the file no longer needs it: the next open will restore the snapshot,
 * so nothing may be written before it (see `DatabaseFile.holdForRecovery`).
 */
function markerNotCleared(file: DatabaseFile, snapshot: SnapshotInfo, what: string, cause: unknown): RecoveryPendingError {
  return new RecoveryPendingError(
    `${what}, but its marker could not be cleared (${messageOf(cause)}). Writes to ${file.name} are refused until it is ` +
      `reopened; the open restores snapshot ${snapshot.id} (version ${snapshot.fromVersion}, reported as recoveredFrom) ` +
      `and runs the pending migrations again`,
    'marker-not-cleared',
    snapshot.id,
    { cause },
  )
}

/** Emits migration-start / migration-end progress events. */
function migrationEvents(file: DatabaseFile, total: number) {
  return ({ phase, index, migration, row }: { phase: 'start' | 'end'; index: number; migration: Migration; row?: AppliedMigration }) => {
    const { version, name } = migration
    if (phase === 'start') file.emit({ type: 'migration-start', index, total, version, name })
    else file.emit({ type: 'migration-end', index, total, version, name, durationMs: row!.durationMs })
  }
}

/**
 * Room for the snapshot in IndexedDB plus a rollback journal as large as the file (the worst case of a rebuild), plus
 * what the app wants kept free.
 */
function ensureRoomForSnapshot(file: DatabaseFile, minFreeBytes: number): Promise<void> {
  return ensureRoom(file, file.size() * 2 + minFreeBytes, `upgrade ${file.name} safely (snapshot, journal and minFreeBytes)`)
}

class VerificationError extends Error {}

function verify(file: DatabaseFile, check: VerifyCheck): void {
  file.emit({ type: 'verify', check, done: false })
  const { ok, messages } = pragmaCheck(file.db, check)
  file.emit({ type: 'verify', check, done: true, ok })
  if (!ok) throw new VerificationError(`${check} failed: ${messages.slice(0, 5).join('; ')}`)
}

/** Puts the file back from the upgrade's `snapshot` after `migration` (or the check after it) failed with `error`. */
async function restoreAfterFailure(
  file: DatabaseFile,
  { snapshot, migration, error, check }: { snapshot: SnapshotInfo; migration: Migration; error: unknown; check: VerifyCheck },
): Promise<Error> {
  try {
    // A failed step has rolled back already; a failed verification leaves no transaction open either.
    await file.restore(snapshot.id, 'upgrade-failed')
  } catch (restoreError) {
    const message =
      `migration ${migration.version} ("${migration.name}") failed (${messageOf(error)}) and restoring the snapshot ` +
      `failed too (${messageOf(restoreError)}); the marker is kept, so the next open restores it again`
    // The file may hold committed migrations, under a marker that will restore the snapshot over anything written now.
    file.holdForRecovery(
      new RecoveryPendingError(`${message}. Writes are refused until the database is reopened`, 'restore-failed', snapshot.id, {
        cause: restoreError,
      }),
    )
    return new SnapshotError('RESTORE_FAILED', message, snapshot.id, { cause: error })
  }
  const step = error instanceof MigrationStepError ? error : null
  const phase = error instanceof VerificationError ? 'verification' : 'migration'
  // A file that was damaged before the upgrade fails its check (or a statement) the same way once restored: say so,
  // rather than blame the migration.
  if (phase === 'verification' || damageOfCode(step ? step.sqliteCode : sqliteCodeOf(error))) {
    const before = pragmaCheck(file.db, check)
    if (!before.ok)
      return corruptError(
        file,
        { reason: 'malformed', sqliteCode: 11 },
        `it was already damaged before the upgrade (${check}: ${before.messages.slice(0, 3).join('; ')}); the upgrade to version ` +
          `${migration.version} was undone`,
        error,
      )
  }
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
      timedOut: step?.timedOut ?? false,
      restoredToVersion: file.version(),
      snapshotId: snapshot.id,
    },
    // A refused pragma is the reason the app must act on (`cause.code === 'UNSAFE_PRAGMA'`), not the step's wrapper.
    { cause: step?.cause instanceof UnsafePragmaError ? step.cause : error },
  )
}
