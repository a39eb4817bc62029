import { InvalidDatabaseFileError, SqliteOpfsMigrateError } from '../src/errors'
import type { ImportResult, OpenRequest } from '../src/types'
import type { DatabaseFile } from './database-file'
import { planUpgrade } from './baseline'
import { readHistory } from './history'
import { pragmaCheck } from './integrity-check'
import { openMemoryCopy } from './memory-copy'
import type { PreparedMigrations } from './runner'
import { CHUNK_BYTES } from './snapshot-chunks'
import { saveSnapshot } from './snapshot-store'
import { messageOf, type Sqlite3 } from './sqlite'
import { ensureRoom } from './storage-room'

const HEADER = 'SQLite format 3\0'

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
  const imported = await saveSnapshot(file.store, { database: file.name, fromVersion: version, toVersion: version, reason: 'import' }, chunks())
  await file.restore(imported.id, 'import')
  return { imported, undoSnapshot, version: file.version() }
}

/** Checks bytes meant to become the database; returns their `user_version` or throws `InvalidDatabaseFileError`. */
export function checkImportable(
  sqlite3: Sqlite3,
  bytes: Uint8Array,
  prepared: PreparedMigrations,
  request: Pick<OpenRequest, 'acceptEditedMigrations'>,
): number {
  if (bytes.byteLength === 0) throw new InvalidDatabaseFileError('empty', 'the file is empty')
  if (bytes.byteLength < 100 || new TextDecoder('latin1').decode(bytes.subarray(0, 16)) !== HEADER)
    throw new InvalidDatabaseFileError('not-sqlite', 'not an SQLite database: the file does not start with "SQLite format 3"')
  const pageSize = ((bytes[16]! << 8) | bytes[17]!) === 1 ? 65536 : (bytes[16]! << 8) | bytes[17]!
  if (pageSize < 512 || pageSize > 65536 || (pageSize & (pageSize - 1)) !== 0)
    throw new InvalidDatabaseFileError('corrupt', `the header's page size ${pageSize} is not a power of two from 512 to 65536`)
  if (bytes.byteLength % pageSize !== 0)
    throw new InvalidDatabaseFileError('corrupt', `the file is ${bytes.byteLength} bytes, not a whole number of ${pageSize}-byte pages: it is truncated`)
  if (bytes[18] === 2 || bytes[19] === 2)
    throw new InvalidDatabaseFileError('unsupported', 'the file is in WAL mode, which this build cannot open; run PRAGMA journal_mode=DELETE on it first')
  let copy
  try {
    copy = openMemoryCopy(sqlite3, bytes, prepared.extensions)
  } catch (cause) {
    throw new InvalidDatabaseFileError('corrupt', `SQLite cannot read the file: ${printable(messageOf(cause))}`, { cause })
  }
  try {
    let check: ReturnType<typeof pragmaCheck>
    try {
      check = pragmaCheck(copy, 'quick_check', 20)
    } catch (cause) {
      throw new InvalidDatabaseFileError('corrupt', `quick_check could not run: ${printable(messageOf(cause))}`, { cause })
    }
    if (!check.ok) throw new InvalidDatabaseFileError('corrupt', `quick_check failed: ${printable(check.messages.slice(0, 5).join('; '))}`)
    try {
      planUpgrade(readHistory(copy), prepared, request.acceptEditedMigrations)
    } catch (cause) {
      if (!(cause instanceof SqliteOpfsMigrateError)) throw cause
      const reason = cause.code === 'DATABASE_TOO_NEW' ? 'too-new' : 'history-mismatch'
      throw new InvalidDatabaseFileError(reason, `the file cannot be used by this app: ${cause.message}`, { cause })
    }
    return Number(copy.selectValue('PRAGMA user_version'))
  } finally {
    copy.close()
  }
}

/** SQLite quotes names from a damaged file's schema in its messages: keep them readable and short. */
const printable = (text: string): string => {
  const clean = text.replace(/[^\x20-\x7E]+/g, '�')
  return clean.length > 300 ? `${clean.slice(0, 300)}…` : clean
}
