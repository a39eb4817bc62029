import type { UseStore } from 'idb-keyval'

import { pragmaCheck } from '../../core/sqlite/integrity-check'
import { sqliteCodeOf } from '../../core/sqlite/sqlite'
import { DatabaseCorruptError, DatabaseTooNewError, SnapshotError } from '../../shared/errors'
import { opfsPoolDirectory } from '../../shared/stored-names'
import type { SnapshotInfo } from '../../shared/types'
import { listSnapshots } from '../records/snapshot-store'
import { clearMarker, type UpgradeMarker } from '../records/upgrade-marker'
import type { DatabaseFile } from './database-file'

/** SQLite's primary result codes that mean the file itself is damaged, not the statement. */
const SQLITE_CORRUPT = 11
const SQLITE_NOTADB = 26

/** What kind of damage an error from SQLite reveals, or `null` when it is not about the file. */
export function damageOf(error: unknown): { reason: 'not-a-database' | 'malformed'; sqliteCode: number } | null {
  return damageOfCode(sqliteCodeOf(error))
}

/** `damageOf` for a result code already taken from an error (e.g. a `MigrationStepError`'s `sqliteCode`). */
export function damageOfCode(code: number | null): { reason: 'not-a-database' | 'malformed'; sqliteCode: number } | null {
  if (code === null) return null
  if ((code & 0xff) === SQLITE_NOTADB) return { reason: 'not-a-database', sqliteCode: code }
  if ((code & 0xff) === SQLITE_CORRUPT) return { reason: 'malformed', sqliteCode: code }
  return null
}

/**
 * The error for a damaged file, listing its snapshots and saying how to get out: restore one at open (`restoreFrom`),
 * which keeps the damaged file as a snapshot first.
 *
 * @example
 * const damage = damageOf(error)
 * if (damage) throw await corruptError(file, damage, `reading its schema failed (${messageOf(error)})`, error)
 */
export async function corruptError(
  /** The database (a `DatabaseFile` will do): its name, and the store of its snapshots. */
  { store, name: database }: { store: UseStore; name: string },
  damage: { reason: DatabaseCorruptError['reason']; sqliteCode: number | null },
  what: string,
  cause?: unknown,
): Promise<DatabaseCorruptError> {
  const snapshots = await listSnapshots(store, database).catch((): SnapshotInfo[] => [])
  // A `before-restore` snapshot may be the damaged file itself, kept by an earlier attempt: never recommend it.
  const newest = snapshots.find((s) => s.reason !== 'before-restore')
  const wayOut = newest
    ? `open it with restoreFrom: '${newest.id}' (the newest usable of ${snapshots.length} snapshot(s), version ${newest.fromVersion}, ` +
      `${newest.createdAt}) to put that snapshot back; the damaged file is kept as a snapshot of its own first, to export`
    : `no snapshot of it exists to restore; the file is left as it is (in OPFS: ${opfsPoolDirectory(database)})`
  return new DatabaseCorruptError(
    `database ${database} is damaged: ${what}; nothing was changed. To recover, ${wayOut}`,
    damage.reason,
    damage.sqliteCode,
    snapshots,
    {
      cause,
    },
  )
}

/**
 * `restoreFrom` at open: checks the snapshot, keeps the current file as it is (damaged or not) as a `before-restore`
 * snapshot, then restores the chosen one. Throws `SNAPSHOT_NOT_FOUND`/`SNAPSHOT_CORRUPT` (nothing changed) or
 * `DatabaseTooNewError` for a snapshot newer than the app.
 *
 * @example
 * await restoreAtOpen(file, request.restoreFrom, latestVersion)
 */
export async function restoreAtOpen(file: DatabaseFile, snapshotId: string, latestVersion: number): Promise<SnapshotInfo> {
  // Every chunk checked, and the bytes checked as a database, first: a refused restore must not leave a new snapshot behind.
  const loaded = await file.loadRestorable(snapshotId)
  ensureNotTooNew(snapshotId, Math.max(loaded.info.fromVersion, loaded.version), latestVersion)
  await file.snapshotAsIs('before-restore')
  return file.restore(snapshotId, 'requested', loaded)
}

/**
 * Refuses a snapshot newer than the app (by its listing or by its own bytes) with `DatabaseTooNewError`.
 *
 * @example
 * ensureNotTooNew(id, Math.max(loaded.info.fromVersion, loaded.version), latestVersion)
 */
export function ensureNotTooNew(snapshotId: string, version: number, latestVersion: number): void {
  if (version > latestVersion)
    throw new DatabaseTooNewError(
      `snapshot ${snapshotId} holds version ${version}, newer than this app's latest migration ${latestVersion}`,
      version,
      latestVersion,
    )
}

/** `restoreFrom` value that keeps the file as it is instead of restoring the interrupted operation's snapshot. */
export const KEEP_CURRENT_FILE = 'current-file'

/**
 * Recovers an interrupted upgrade, restore or import from the snapshot its marker names. When that snapshot is lost or
 * damaged nothing is written, and the error says the two ways out: another snapshot, or the file as it is.
 */
export async function recoverInterrupted(file: DatabaseFile, marker: UpgradeMarker): Promise<SnapshotInfo> {
  try {
    return await file.restore(marker.snapshotId, 'interrupted-upgrade')
  } catch (error) {
    const lost = ['SNAPSHOT_NOT_FOUND', 'SNAPSHOT_CORRUPT', 'SNAPSHOT_NOT_RESTORABLE']
    if (!(error instanceof SnapshotError) || !lost.includes(error.code)) throw error
    const others = (await listSnapshots(file.store, file.name).catch((): SnapshotInfo[] => [])).filter((s) => s.id !== marker.snapshotId)
    throw new SnapshotError(
      error.code,
      `${error.message}. It is needed to undo an interrupted ${marker.kind} of ${file.name} (version ${marker.fromVersion} → ` +
        `${marker.toVersion}), so the file was left exactly as it is. Ways out: open with restoreFrom: '${KEEP_CURRENT_FILE}' to ` +
        `keep the file as it is (each migration that committed did so whole; the file is checked first)` +
        (others[0] ? `, or restoreFrom: '${others[0].id}' (snapshot of version ${others[0].fromVersion}, ${others[0].createdAt})` : ''),
      marker.snapshotId,
      { cause: error },
    )
  }
}

/**
 * `restoreFrom: 'current-file'`: ends an interrupted operation without its snapshot, keeping the file as it is, once
 * `quick_check` passes (a restore killed mid-write can leave a damaged file: then `DatabaseCorruptError`).
 */
export async function keepCurrentFile(file: DatabaseFile, marker: UpgradeMarker | undefined, lastBytes: number): Promise<void> {
  if (!marker) return
  file.open()
  // An empty file passes quick_check: keeping it would turn a lost file into a new database.
  if (file.size() === 0 && (lastBytes > 0 || marker.fromVersion > 0))
    throw await corruptError(file, { reason: 'emptied', sqliteCode: null }, 'its file is empty, so there is nothing to keep')
  let check: ReturnType<typeof pragmaCheck>
  try {
    check = pragmaCheck(file.db, 'quick_check')
  } catch (error) {
    const damage = damageOf(error)
    if (damage) throw await corruptError(file, damage, 'SQLite cannot read it', error)
    throw error
  }
  const { ok, messages } = check
  if (!ok)
    throw await corruptError(file, { reason: 'malformed', sqliteCode: 11 }, `quick_check failed (${messages.slice(0, 3).join('; ')})`)
  await clearMarker(file.store, file.name, file.size(), file.storage.kind)
}
