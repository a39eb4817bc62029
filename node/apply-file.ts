import { constants, existsSync } from 'node:fs'
import { copyFile, open, readFile, rename, rm, stat } from 'node:fs/promises'
import { dirname } from 'node:path'
import { InvalidDatabaseFileError, MigrationFailedError } from '../src/errors'
import type { AppliedMigration, Migration, VerifyCheck } from '../src/types'
import { planUpgrade } from '../worker/baseline'
import { readHistory } from '../worker/history'
import { pragmaCheck } from '../worker/integrity-check'
import { openMemoryCopy } from '../worker/memory-copy'
import { applyPending, MigrationStepError, prepareMigrations, recordBaseline, type RunMigrationsOptions } from '../worker/runner'
import type { Sqlite3 } from '../worker/sqlite'

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
export async function applyToFile(sqlite3: Sqlite3, file: string, migrations: readonly Migration[], options: ApplyFileOptions = {}): Promise<ApplyFileResult> {
  await ensureNoSidecar(file)
  const bytes = existsSync(file) ? new Uint8Array(await readFile(file)) : new Uint8Array()
  const prepared = await prepareMigrations(migrations, options)
  let db
  try {
    db = openMemoryCopy(sqlite3, bytes, prepared.extensions)
  } catch (cause) {
    throw new InvalidDatabaseFileError('not-sqlite', `${file} is not a SQLite database`, { cause })
  }
  try {
    db.exec('PRAGMA foreign_keys = ON')
    const history = readHistory(db)
    const plan = planUpgrade(history, prepared, options.acceptEditedMigrations ?? false)
    if (plan.pending.length === 0 && plan.adopted.length === 0) return { fromVersion: history.version, toVersion: history.version, applied: [], backup: null }
    const backup = bytes.byteLength > 0 && options.backup !== false ? await backUp(file) : null
    const failed = (phase: 'migration' | 'verification', migration: Pick<Migration, 'version' | 'name'>, message: string, step?: MigrationStepError) =>
      new MigrationFailedError(
        `${message}\n${file} was not changed${backup ? ` (backup: ${backup})` : ''}`,
        {
          phase,
          version: migration.version,
          migrationName: migration.name,
          statement: step?.statement ?? null,
          sqliteCode: step?.sqliteCode ?? null,
          sqliteMessage: step?.sqliteMessage ?? message,
          restoredToVersion: history.version,
          snapshotId: backup ?? '',
        },
        { cause: step },
      )
    let applied: AppliedMigration[]
    try {
      if (plan.pending.length === 0) recordBaseline(sqlite3, db, plan.adopted)
      applied = [...plan.adopted, ...applyPending(sqlite3, db, plan.pending, prepared.checksums, options.onMigration, plan.adopted)]
    } catch (error) {
      if (error instanceof MigrationStepError) throw failed('migration', error.migration, error.message, error)
      throw error
    }
    const verify = options.verify ?? 'quick_check'
    if (verify) {
      const check = pragmaCheck(db, verify)
      if (!check.ok) throw failed('verification', plan.pending.at(-1) ?? { version: history.version, name: '' }, `${verify} failed: ${check.messages.slice(0, 5).join('; ')}`)
    }
    await replaceAtomically(file, sqlite3.capi.sqlite3_js_db_export(db))
    return { fromVersion: history.version, toVersion: Number(db.selectValue('PRAGMA user_version')), applied, backup }
  } finally {
    db.close()
  }
}

/** A hot journal or a WAL file holds changes the file alone does not: refuse rather than upgrade stale bytes. */
async function ensureNoSidecar(file: string): Promise<void> {
  for (const suffix of ['-journal', '-wal']) {
    const size = await stat(file + suffix).then((s) => s.size, () => 0)
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

/** Write beside, fsync, rename over, fsync the directory: the file is either all old or all new, also after a crash. */
async function replaceAtomically(file: string, bytes: Uint8Array): Promise<void> {
  const temporary = `${file}.tmp-${process.pid}`
  const handle = await open(temporary, 'wx')
  try {
    await handle.writeFile(bytes)
    await handle.sync()
  } catch (error) {
    await handle.close()
    await rm(temporary, { force: true })
    throw error
  }
  await handle.close()
  await rename(temporary, file)
  await fsync(dirname(file))
}

async function fsync(path: string): Promise<void> {
  const handle = await open(path, 'r')
  try {
    await handle.sync()
  } finally {
    await handle.close()
  }
}
