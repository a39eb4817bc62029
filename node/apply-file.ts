import { randomBytes } from 'node:crypto'
import { constants, existsSync } from 'node:fs'
import { copyFile, open, readFile, rename, rm, stat } from 'node:fs/promises'
import { dirname } from 'node:path'

import { planUpgrade } from '../core/runner/baseline'
import { readHistory, type StoredHistory } from '../core/runner/history'
import { applyPending, type RunMigrationsOptions } from '../core/runner/run-migrations'
import { MigrationStepError, prepareMigrations, recordBaseline } from '../core/runner/runner'
import { pragmaCheck } from '../core/sqlite/integrity-check'
import { openMemoryCopy } from '../core/sqlite/memory-copy'
import type { SqlExtensions } from '../core/sqlite/sql-extensions'
import type { Sqlite3 } from '../core/sqlite/sqlite'
import { readSqliteHeader, ROLLBACK_FORMAT, setFileFormat, SQLITE_HEADER_BYTES, WAL_FORMAT } from '../core/sqlite/sqlite-header'
import { checkTimeLimit } from '../core/sqlite/time-limit'
import { inspectUntrustedFile } from '../core/sqlite/untrusted-file'
import { InvalidDatabaseFileError, MigrationFailedError } from '../shared/errors'
import type { AppliedMigration, Migration, VerifyCheck } from '../shared/types'

/** Options of `applyToFile`. */
export interface ApplyFileOptions extends RunMigrationsOptions {
  /** Copy the file to `<file>.backup-<time>` before changing it. Default `true`. */
  backup?: boolean
  /** Integrity check after the last migration, as in the browser. Default `'quick_check'`. */
  verify?: VerifyCheck | false
}

/** What `applyToFile` did. */
export interface ApplyFileResult {
  fromVersion: number
  toVersion: number
  /** Rows written: baseline rows first, then the migrations applied. */
  applied: AppliedMigration[]
  /** The backup's path, `null` when none was needed or wanted. */
  backup: string | null
}

/**
 * Upgrades a database file on disk with the browser's runner and guarantees: history checked (or the file adopted
 * with `baseline`), each migration in its own transaction with foreign keys checked, an integrity check, then the file
 * replaced atomically (written beside it, fsynced, renamed over it). The work happens on an in-memory copy, so any
 * failure leaves the file byte-identical; the backup is taken first anyway. Throws `MigrationFailedError` (the
 * failing migration and statement), the history errors, or `InvalidDatabaseFileError`.
 *
 * @example
 * const result = await applyToFile(sqlite3, 'fixtures/users-v3.sqlite', migrations)
 * console.log(`${result.fromVersion} → ${result.toVersion}`)
 */
export async function applyToFile(
  sqlite3: Sqlite3,
  file: string,
  migrations: readonly Migration[],
  options: ApplyFileOptions = {},
): Promise<ApplyFileResult> {
  const { bytes, wal } = existsSync(file) ? await readDatabaseFile(file) : { bytes: new Uint8Array(), wal: false }
  const timeLimitMs = checkTimeLimit(options.migrationTimeLimitMs, 'migrationTimeLimitMs')
  const prepared = await prepareMigrations(migrations, options)
  // Checked as untrusted before the app's functions ever see it; then copied again, with them, to be upgraded.
  inspectDatabaseFile(sqlite3, file, bytes, prepared.extensions)
  const db = openMemoryCopy(sqlite3, bytes, prepared.extensions)
  try {
    db.exec('PRAGMA foreign_keys = ON')
    const history = readHistory(db)
    const plan = planUpgrade(history, prepared, options.acceptEditedMigrations ?? false)
    if (plan.pending.length === 0 && plan.adopted.length === 0)
      return { fromVersion: history.version, toVersion: history.version, applied: [], backup: null }
    const backup = bytes.byteLength > 0 && options.backup !== false ? await backUp(file) : null
    const failed = (
      phase: 'migration' | 'verification',
      migration: Pick<Migration, 'version' | 'name'>,
      message: string,
      step?: MigrationStepError,
    ) =>
      new MigrationFailedError(
        `${message}\n${file} was not changed${backup ? ` (backup: ${backup})` : ''}`,
        {
          phase,
          version: migration.version,
          migrationName: migration.name,
          statement: step?.statement ?? null,
          sqliteCode: step?.sqliteCode ?? null,
          sqliteMessage: step?.sqliteMessage ?? message,
          timedOut: step?.timedOut ?? false,
          restoredToVersion: history.version,
          snapshotId: backup ?? '',
        },
        { cause: step },
      )
    let applied: AppliedMigration[]
    try {
      if (plan.pending.length === 0) recordBaseline(sqlite3, db, plan.adopted)
      applied = [
        ...plan.adopted,
        ...applyPending(sqlite3, db, plan.pending, {
          checksums: prepared.checksums,
          onMigration: options.onMigration,
          adopted: plan.adopted,
          timeLimitMs,
        }),
      ]
    } catch (error) {
      if (error instanceof MigrationStepError) throw failed('migration', error.migration, error.message, error)
      throw error
    }
    const verify = options.verify ?? 'quick_check'
    if (verify) {
      const check = pragmaCheck(db, verify)
      if (!check.ok)
        throw failed(
          'verification',
          plan.pending.at(-1) ?? { version: history.version, name: '' },
          `${verify} failed: ${check.messages.slice(0, 5).join('; ')}`,
        )
    }
    const upgraded = sqlite3.capi.sqlite3_js_db_export(db)
    if (wal) setFileFormat(upgraded, WAL_FORMAT) // the file stays in WAL mode for the native app that uses it
    await replaceAtomically(file, upgraded)
    return { fromVersion: history.version, toVersion: Number(db.selectValue('PRAGMA user_version')), applied, backup }
  } finally {
    db.close()
  }
}

/**
 * Checks a file's bytes as untrusted (see `inspectUntrustedFile`: header, no app code, `trusted_schema=OFF`, the history
 * table's shape, a deadline) and returns its history; an empty file is a new database. Throws
 * `InvalidDatabaseFileError` naming the file. A WAL-mode header is accepted: the CLI writes it back as it found it.
 *
 * @example
 * const history = inspectDatabaseFile(sqlite3, 'app.sqlite', (await readDatabaseFile('app.sqlite')).bytes, extensions)
 */
export function inspectDatabaseFile(
  sqlite3: Sqlite3,
  file: string,
  bytes: Uint8Array,
  extensions: SqlExtensions | undefined,
): StoredHistory {
  if (bytes.byteLength === 0) return { version: 0, hasTable: false, hasSchema: false, applied: [] }
  try {
    return inspectUntrustedFile(sqlite3, bytes, { quickCheck: false, extensions, allowWal: true })
  } catch (error) {
    if (!(error instanceof InvalidDatabaseFileError)) throw error
    throw new InvalidDatabaseFileError(
      error.reason,
      `${file} is not a SQLite database this library can use (${error.reason}): ${error.message}`,
      { cause: error },
    )
  }
}

/**
 * Reads a database file for the CLI. Refuses a file with a hot journal or WAL content beside it (the file alone would
 * be stale). A WAL-mode file (header bytes 18–19 = 2) that was closed cleanly is given to the in-memory copy as a
 * rollback-journal file, which it then is, byte for byte; `wal` says so, so `apply` can write it back in WAL mode.
 *
 * @example
 * const { bytes, wal } = await readDatabaseFile('app.sqlite')
 */
export async function readDatabaseFile(file: string): Promise<{ bytes: Uint8Array; wal: boolean }> {
  await ensureNoSidecar(file)
  const bytes = new Uint8Array(await readFile(file))
  const header = readSqliteHeader(bytes)
  const wal = bytes.byteLength >= SQLITE_HEADER_BYTES && header.writeVersion === WAL_FORMAT && header.readVersion === WAL_FORMAT
  if (wal) setFileFormat(bytes, ROLLBACK_FORMAT)
  return { bytes, wal }
}

/** A hot journal or a WAL file holds changes the file alone does not: refuse rather than upgrade stale bytes. */
async function ensureNoSidecar(file: string): Promise<void> {
  for (const suffix of ['-journal', '-wal']) {
    const size = await stat(file + suffix).then(
      (s) => s.size,
      () => 0,
    )
    if (size > 0)
      throw new InvalidDatabaseFileError(
        'corrupt',
        `${file}${suffix} exists (${size} bytes): open the database once with sqlite3 so it is rolled back or checkpointed, then retry`,
      )
  }
}

async function backUp(file: string): Promise<string> {
  const backup = `${file}.backup-${new Date().toISOString().replace(/[:.]/g, '-')}`
  await copyFile(file, backup, constants.COPYFILE_EXCL)
  await fsync(backup)
  return backup
}

/**
 * Write beside (same permissions), fsync, rename over, fsync the directory: the file is either all old or all new,
 * also after a crash.
 */
async function replaceAtomically(file: string, bytes: Uint8Array): Promise<void> {
  const mode = await stat(file).then(
    (s) => s.mode & 0o7777,
    () => 0o644,
  )
  const temporary = `${file}.tmp-${randomBytes(6).toString('hex')}`
  try {
    const handle = await open(temporary, 'wx', mode)
    try {
      await handle.writeFile(bytes)
      await handle.chmod(mode) // open's mode is filtered by the umask
      await handle.sync()
    } finally {
      await handle.close()
    }
    await rename(temporary, file)
  } catch (error) {
    await rm(temporary, { force: true })
    throw error
  }
  // Makes the rename durable; some systems (Windows) cannot open a directory, and the file is already replaced.
  await fsync(dirname(file)).catch((error: NodeJS.ErrnoException) => {
    if (!['EISDIR', 'EPERM', 'EINVAL', 'EACCES'].includes(error.code ?? '')) throw error
  })
}

async function fsync(path: string): Promise<void> {
  const handle = await open(path, 'r')
  try {
    await handle.sync()
  } finally {
    await handle.close()
  }
}
