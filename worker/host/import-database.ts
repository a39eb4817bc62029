import { planUpgrade } from '../../core/runner/baseline'
import type { PreparedMigrations } from '../../core/runner/runner'
import type { Sqlite3 } from '../../core/sqlite/sqlite'
import { inspectUntrustedFile } from '../../core/sqlite/untrusted-file'
import { InvalidDatabaseFileError, SqliteOpfsMigrateError } from '../../shared/errors'
import type { ImportResult, OpenRequest } from '../../shared/types'
import { CHUNK_BYTES } from '../records/snapshot-chunks'
import { saveSnapshot } from '../records/snapshot-store'
import type { DatabaseFile } from './database-file'
import { ensureRoom } from './storage-room'

/**
 * Replaces the database with the SQLite file in `blob`, after checking it on an in-memory copy: SQLite header and page
 * size, readable schema, `quick_check`, a version this app knows, and a history that matches the app's migrations.
 * A refused file throws `InvalidDatabaseFileError` before anything is written. An accepted one is:
 * 1. snapshotted as it is now (`before-import`, to undo the import),
 * 2. stored as a snapshot itself (`import`),
 * 3. restored from that snapshot, with the restore's marker, so a crash mid-import is finished at the next open.
 * Migrations above the imported version stay pending until `migrate()` or the next open.
 *
 * @example
 * const { version, undoSnapshot } = await importDatabase(file, prepared, request, blob)
 */
export async function importDatabase(
  file: DatabaseFile,
  prepared: PreparedMigrations,
  request: Pick<OpenRequest, 'acceptEditedMigrations' | 'minFreeBytes'>,
  blob: Blob,
): Promise<ImportResult> {
  if (!(blob instanceof Blob)) throw new InvalidDatabaseFileError('not-sqlite', 'importDatabase needs a Blob or File')
  // Checked before the file is even read: its own snapshot, the file it becomes, and the undo snapshot of today's file.
  await ensureRoom(file, blob.size * 2 + file.size() + request.minFreeBytes, `import ${blob.size} bytes into ${file.name}`)
  const bytes = new Uint8Array(await blob.arrayBuffer())
  const version = checkImportable(file.sqlite3, bytes, prepared, request)
  const undoSnapshot = await file.snapshot('before-import', version)
  const chunks = function* () {
    for (let at = 0; at < bytes.byteLength; at += CHUNK_BYTES) yield bytes.subarray(at, at + CHUNK_BYTES)
  }
  const imported = await saveSnapshot(
    file.store,
    { database: file.name, fromVersion: version, toVersion: version, reason: 'import' },
    chunks(),
  )
  // Already checked above: restored from the bytes in hand.
  await file.restore(imported.id, 'import', { info: imported, bytes, version })
  return { imported, undoSnapshot, version: file.version() }
}

/**
 * Checks bytes meant to become the database, as an untrusted file (see `inspectUntrustedFile`: header, no app code,
 * `trusted_schema=OFF`, the history's shape, `quick_check`, a deadline), then against the app's migrations. Returns their
 * `user_version` or throws `InvalidDatabaseFileError`.
 */
export function checkImportable(
  sqlite3: Sqlite3,
  bytes: Uint8Array,
  prepared: PreparedMigrations,
  request: Pick<OpenRequest, 'acceptEditedMigrations'>,
): number {
  const history = inspectUntrustedFile(sqlite3, bytes, { quickCheck: true, extensions: prepared.extensions })
  try {
    planUpgrade(history, prepared, request.acceptEditedMigrations)
  } catch (cause) {
    if (!(cause instanceof SqliteOpfsMigrateError)) throw cause
    const reason = cause.code === 'DATABASE_TOO_NEW' ? 'too-new' : 'history-mismatch'
    throw new InvalidDatabaseFileError(reason, `the file cannot be used by this app: ${cause.message}`, { cause })
  }
  return history.version
}
