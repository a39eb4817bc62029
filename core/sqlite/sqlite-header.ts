/**
 * The one reader of SQLite's 100-byte file header (https://sqlite.org/fileformat.html#the_database_header): the browser
 * worker and the Node CLI read its fields through here only, so its offsets live in one place. Runtime-neutral.
 */

/** Length of SQLite's file header. */
export const SQLITE_HEADER_BYTES = 100

/** What every SQLite 3 file starts with (16 bytes, the NUL included). */
const MAGIC = 'SQLite format 3\0'
const MAGIC_BYTES = Uint8Array.from(MAGIC, (c) => c.charCodeAt(0))

/** File format version (header bytes 18 and 19) of a file in rollback-journal mode, and of one in WAL mode. */
export const ROLLBACK_FORMAT = 1
export const WAL_FORMAT = 2

/** The header fields this library reads. A field the bytes do not reach reads as 0. */
export interface SqliteHeader {
  /** At least 100 bytes that start with "SQLite format 3\0": only then do the fields below mean what they say. */
  isSqlite: boolean
  /** Bytes 16–17 (big-endian; 1 means 65536). */
  pageSize: number
  /** Byte 18: file format write version (1 rollback journal, 2 WAL). */
  writeVersion: number
  /** Byte 19: file format read version (1 rollback journal, 2 WAL). */
  readVersion: number
  /** Bytes 24–27 (big-endian): the file change counter, moved by every committed write. */
  changeCounter: number
  /** Bytes 60–63 (big-endian, signed): `PRAGMA user_version`. */
  userVersion: number
}

/**
 * Reads the header fields from the start of `bytes` (which may be a short prefix of the file, or a view into a larger
 * buffer). Never throws.
 *
 * @example
 * const header = readSqliteHeader(bytes)
 * if (header.isSqlite) console.log(header.userVersion)
 */
export function readSqliteHeader(bytes: Uint8Array): SqliteHeader {
  const size = bytes.byteLength
  const view = new DataView(bytes.buffer, bytes.byteOffset, Math.min(size, SQLITE_HEADER_BYTES))
  const raw = size >= 18 ? view.getUint16(16) : 0
  return {
    isSqlite: size >= SQLITE_HEADER_BYTES && MAGIC_BYTES.every((byte, i) => bytes[i] === byte),
    pageSize: raw === 1 ? 65536 : raw,
    writeVersion: bytes[18] ?? 0,
    readVersion: bytes[19] ?? 0,
    changeCounter: size >= 28 ? view.getUint32(24) : 0,
    userVersion: size >= 64 ? view.getInt32(60) : 0,
  }
}

/**
 * Sets both file format versions (bytes 18–19) in place: a WAL-mode file closed cleanly is, byte for byte, the
 * rollback-journal file with `ROLLBACK_FORMAT` there, which a connection that cannot open WAL mode reads.
 *
 * @example
 * if (readSqliteHeader(bytes).writeVersion === WAL_FORMAT) setFileFormat(bytes, ROLLBACK_FORMAT)
 */
export function setFileFormat(bytes: Uint8Array, format: typeof ROLLBACK_FORMAT | typeof WAL_FORMAT): void {
  bytes.set([format, format], 18)
}
