import { InvalidDatabaseFileError } from '../../shared/errors'
import { HISTORY_TABLE } from '../../shared/stored-names'
import type { SchemaShape } from '../../shared/types'
import { HISTORY_TABLE_SQL, readHistory, type StoredHistory } from '../runner/history'
import { schemaShape } from '../schema/schema-shape'
import { pragmaCheck } from './integrity-check'
import { openMemoryCopy } from './memory-copy'
import { registerExtensions, type SqlExtensions, stubExtensions } from './sql-extensions'
import { identifiersOf } from './sql-identifiers'
import { type Database, messageOf, type Sqlite3 } from './sqlite'
import { readSqliteHeader, ROLLBACK_FORMAT, setFileFormat, WAL_FORMAT } from './sqlite-header'
import { TimeLimitError, withTimeLimit } from './time-limit'

/** What checking an untrusted file needs besides its bytes. */
export interface UntrustedCheckOptions {
  /**
   * Names of the app's functions and collations. The file is read with inert stand-ins of the same names (functions
   * answer NULL, collations compare bytes), never with the app's own code, so the file's schema can be parsed
   * and checked without letting it call into the app.
   */
  extensions?: SqlExtensions | undefined
  /** Run `PRAGMA quick_check` too (an import; a snapshot's bytes are already proven by their sha-256). */
  quickCheck: boolean
  /** Deadline of the whole check; default `checkTimeLimitMs(bytes)`. */
  timeLimitMs?: number
  /**
   * Header bytes 18/19 = 2 (WAL) are accepted, and the file is read as the rollback-journal file it is without its WAL:
   * the CLI writes such a file back in WAL mode; sahpool restores a snapshot with them as a rollback-journal file.
   */
  allowWal?: boolean
}

/**
 * How long checking a file may take: 10 s plus 1 s per 4 MiB (`quick_check` reads every page; ~1 s per 64 MiB here).
 * A hostile file cannot hold the worker (and every tab it serves) longer than this.
 *
 * @example
 * checkTimeLimitMs(64 * 1024 * 1024) // 26000
 */
export const checkTimeLimitMs = (bytes: number): number => 10_000 + Math.ceil(bytes / (4 * 1024 * 1024)) * 1000

/**
 * Reads a file the library did not write (an import, a snapshot about to be restored, a file given to the CLI) without
 * trusting it: the header first, then an in-memory copy opened with `trusted_schema=OFF`, defensive mode, views and
 * triggers disabled and no app code, under a deadline. The history must be this library's own table, with nothing
 * else of the file touching it. Returns `user_version` and the history; throws `InvalidDatabaseFileError` (`reason`:
 * `empty`, `not-sqlite`, `corrupt`, `unsupported`, `unexpected-schema`, `timed-out`).
 *
 * @example
 * const history = inspectUntrustedFile(sqlite3, bytes, { quickCheck: true, extensions: prepared.extensions })
 * planUpgrade(history, prepared, false) // the history checks of a normal open
 */
export function inspectUntrustedFile(sqlite3: Sqlite3, bytes: Uint8Array, options: UntrustedCheckOptions): StoredHistory {
  return withUntrustedCopy(sqlite3, bytes, options, (copy) => {
    checkHistoryShape(copy)
    if (options.quickCheck) quickCheck(copy)
    return readHistory(copy)
  })
}

/**
 * The normalised schema of a file checked as untrusted (read under the same settings as `inspectUntrustedFile`, so
 * nothing of the file runs), for `checkSchema` on a file the CLI was given. Throws `InvalidDatabaseFileError`.
 *
 * @example
 * const shape = readUntrustedShape(sqlite3, bytes, { extensions: prepared.extensions, allowWal: true })
 */
export function readUntrustedShape(sqlite3: Sqlite3, bytes: Uint8Array, options: Omit<UntrustedCheckOptions, 'quickCheck'>): SchemaShape {
  return withUntrustedCopy(sqlite3, bytes, options, (copy) => schemaShape(copy))
}

/**
 * The lighter check, for bytes this library took from the app's own file (an upgrade's snapshot, restored after the
 * upgrade failed or was interrupted): the header, and SQLite reading the schema without running anything of the file.
 * Returns `user_version`; throws `InvalidDatabaseFileError`.
 *
 * @example
 * const version = checkReadable(sqlite3, bytes, {})
 */
export function checkReadable(sqlite3: Sqlite3, bytes: Uint8Array, options: Omit<UntrustedCheckOptions, 'quickCheck'>): number {
  return withUntrustedCopy(sqlite3, bytes, options, (copy) => Number(copy.selectValue('PRAGMA user_version')))
}

/**
 * The check of a snapshot this library took of the app's own file (manual, before a restore or an import): the
 * header, SQLite reading the schema without running anything of the file (which refuses the kept copy of a damaged
 * file), and a history that, if there is one, is this library's table. The app's own objects may name the history
 * (a view over it, say): they were there when the snapshot was taken, and refusing them would refuse every snapshot
 * of that app. Returns `user_version`; throws `InvalidDatabaseFileError`.
 *
 * @example
 * const version = checkOwnSnapshot(sqlite3, bytes, { extensions: prepared.extensions })
 */
export function checkOwnSnapshot(sqlite3: Sqlite3, bytes: Uint8Array, options: Omit<UntrustedCheckOptions, 'quickCheck'>): number {
  return withUntrustedCopy(sqlite3, bytes, options, (copy) => {
    checkHistoryShape(copy, { othersMayNameIt: true })
    return Number(copy.selectValue('PRAGMA user_version'))
  })
}

/** Checks the header, opens a distrusting in-memory copy and runs `body` on it under the deadline; refusals typed. */
function withUntrustedCopy<T>(
  sqlite3: Sqlite3,
  bytes: Uint8Array,
  options: Omit<UntrustedCheckOptions, 'quickCheck'>,
  body: (copy: Database) => T,
): T {
  checkHeader(bytes, options.allowWal ?? false)
  // A WAL-mode header is read as the rollback-journal file it becomes when kept (memdb cannot open WAL mode).
  const { writeVersion, readVersion } = readSqliteHeader(bytes)
  const readable = writeVersion === WAL_FORMAT || readVersion === WAL_FORMAT ? bytes.slice() : bytes
  if (readable !== bytes) setFileFormat(readable, ROLLBACK_FORMAT)
  let copy: Database
  try {
    copy = openMemoryCopy(sqlite3, readable, undefined, (db) => {
      distrust(sqlite3, db)
      registerStandIns(sqlite3, db, options.extensions)
    })
  } catch (cause) {
    throw new InvalidDatabaseFileError('corrupt', `SQLite cannot read the file: ${printable(messageOf(cause))}`, { cause })
  }
  const limitMs = options.timeLimitMs ?? checkTimeLimitMs(bytes.byteLength)
  try {
    return withTimeLimit(sqlite3, copy, limitMs, () => body(copy))
  } catch (error) {
    if (error instanceof InvalidDatabaseFileError) throw error
    if (error instanceof TimeLimitError)
      throw new InvalidDatabaseFileError('timed-out', `checking the file took longer than ${limitMs} ms, so it was stopped and refused`, {
        cause: error,
      })
    throw new InvalidDatabaseFileError('corrupt', `SQLite cannot read the file: ${printable(messageOf(error))}`, { cause: error })
  } finally {
    copy.close()
  }
}

/**
 * Checks the 100-byte header: SQLite's, a power-of-two page size, whole pages, and file format numbers the storage
 * keeps as they are (bytes 18/19: 1, or 2 for WAL where allowed; sahpool's import would silently rewrite a 2, and a
 * version above 2 means SQLite may not read or write it). Throws `InvalidDatabaseFileError`.
 *
 * @example
 * checkHeader(bytes) // throws InvalidDatabaseFileError('unsupported') for a WAL-mode file
 */
export function checkHeader(bytes: Uint8Array, allowWal = false): void {
  if (bytes.byteLength === 0) throw new InvalidDatabaseFileError('empty', 'the file is empty')
  const header = readSqliteHeader(bytes)
  if (!header.isSqlite)
    throw new InvalidDatabaseFileError('not-sqlite', 'not an SQLite database: the file does not start with "SQLite format 3"')
  const { pageSize } = header
  if (pageSize < 512 || pageSize > 65536 || (pageSize & (pageSize - 1)) !== 0)
    throw new InvalidDatabaseFileError('corrupt', `the header's page size ${pageSize} is not a power of two from 512 to 65536`)
  if (bytes.byteLength % pageSize !== 0)
    throw new InvalidDatabaseFileError(
      'corrupt',
      `the file is ${bytes.byteLength} bytes, not a whole number of ${pageSize}-byte pages: it is truncated`,
    )
  const [write, read] = [header.writeVersion, header.readVersion]
  if (!allowWal && (write === WAL_FORMAT || read === WAL_FORMAT))
    throw new InvalidDatabaseFileError(
      'unsupported',
      'the file is in WAL mode, which this build cannot keep; run PRAGMA journal_mode=DELETE on it first',
    )
  if (write < ROLLBACK_FORMAT || write > WAL_FORMAT || read < ROLLBACK_FORMAT || read > WAL_FORMAT)
    throw new InvalidDatabaseFileError(
      'unsupported',
      `the header's file format versions (write ${write}, read ${read}) are not ones SQLite 3 keeps (1 or 2)`,
    )
}

/** Settings of the checking connection, before the file is attached to it. */
function distrust(sqlite3: Sqlite3, db: Database): void {
  const { capi } = sqlite3
  for (const [option, value] of [
    [capi.SQLITE_DBCONFIG_DEFENSIVE, 1],
    [capi.SQLITE_DBCONFIG_TRUSTED_SCHEMA, 0],
    [capi.SQLITE_DBCONFIG_ENABLE_VIEW, 0],
    [capi.SQLITE_DBCONFIG_ENABLE_TRIGGER, 0],
  ] as const)
    db.checkRc(capi.sqlite3_db_config(db.pointer!, option, value, 0))
}

/**
 * Stand-ins for the app's functions and collations, so a schema naming them parses: inert (functions answer NULL,
 * collations compare bytes) and innocuous, so `trusted_schema=OFF` lets the file's CHECKs and indexes use them.
 */
function registerStandIns(sqlite3: Sqlite3, db: Database, extensions: SqlExtensions | undefined): void {
  for (const name of Object.keys(extensions?.functions ?? {}))
    db.createFunction(name, (() => null) as never, { arity: -1, deterministic: true, innocuous: true } as never)
  const stubs = stubExtensions({ collations: Object.keys(extensions?.collations ?? {}) })
  registerExtensions(sqlite3, db, { collations: stubs.collations })
}

const normalised = (sql: string): string => sql.replace(/\s+/g, ' ').trim()
const KNOWN_HISTORY_SQL = new Set(HISTORY_TABLE_SQL.map(normalised))

/**
 * The history must be the table this library creates (one of its known definitions, word for word: no view, no
 * virtual table, no extra column, trigger, generated column or foreign key), and, unless `othersMayNameIt`, no other
 * object of the file may name it (a trigger on it, a view over it, an index on it, a foreign key to it, a trigger
 * elsewhere that writes it). Names are matched whole (`schema_migrations_old` is another name).
 */
function checkHistoryShape(db: Database, { othersMayNameIt = false } = {}): void {
  const objects = db.selectObjects('SELECT type, name, tbl_name, sql FROM sqlite_schema')
  const refuse = (what: string) =>
    new InvalidDatabaseFileError(
      'unexpected-schema',
      `the file's ${HISTORY_TABLE} is not this library's history table: ${what}; nothing was changed`,
    )
  for (const { type, name, sql } of objects) {
    const text = String(sql ?? '')
    if (String(name).toLowerCase() === HISTORY_TABLE) {
      if (type !== 'table') throw refuse(`it is a ${String(type)}`)
      if (!KNOWN_HISTORY_SQL.has(normalised(text))) throw refuse(`it is defined as ${printable(text)}`)
    } else if (!othersMayNameIt && identifiersOf(text).has(HISTORY_TABLE))
      throw refuse(`the ${String(type)} ${printable(String(name))} refers to it`)
  }
}

function quickCheck(db: Database): void {
  let check: ReturnType<typeof pragmaCheck>
  try {
    check = pragmaCheck(db, 'quick_check', 20)
  } catch (cause) {
    throw new InvalidDatabaseFileError('corrupt', `quick_check could not run: ${printable(messageOf(cause))}`, { cause })
  }
  if (!check.ok) throw new InvalidDatabaseFileError('corrupt', `quick_check failed: ${printable(check.messages.slice(0, 5).join('; '))}`)
}

/** SQLite quotes names from a damaged file's schema in its messages: keep them readable and short. */
const printable = (text: string): string => {
  const clean = text.replace(/[^\x20-\x7E]+/g, '�')
  return clean.length > 300 ? `${clean.slice(0, 300)}…` : clean
}
