import { describe, expect, it } from 'vitest'

import { readSqliteHeader, ROLLBACK_FORMAT, setFileFormat, SQLITE_HEADER_BYTES, WAL_FORMAT } from '../../core/sqlite/sqlite-header'
import { memoryDb } from './sqlite'

describe('readSqliteHeader', () => {
  it('reads the fields SQLite itself reports, from a file SQLite wrote', async () => {
    const { sqlite3, db } = await memoryDb()
    db.exec('PRAGMA page_size = 4096; VACUUM; CREATE TABLE t (x); INSERT INTO t VALUES (1); PRAGMA user_version = -7')
    const bytes = sqlite3.capi.sqlite3_js_db_export(db)
    const header = readSqliteHeader(bytes)
    expect(header).toMatchObject({ isSqlite: true, pageSize: 4096, writeVersion: ROLLBACK_FORMAT, readVersion: ROLLBACK_FORMAT })
    expect(header.userVersion).toBe(Number(db.selectValue('PRAGMA user_version')))
    expect(header.changeCounter).toBe(new DataView(bytes.buffer, bytes.byteOffset).getUint32(24))
    // A view into a larger buffer reads the same.
    const padded = new Uint8Array(bytes.byteLength + 8)
    padded.set(bytes, 8)
    expect(readSqliteHeader(padded.subarray(8))).toEqual(header)
    db.close()
  })

  it('reads 65536-byte pages (stored as 1) and WAL format numbers', () => {
    const bytes = new Uint8Array(SQLITE_HEADER_BYTES)
    bytes.set(Uint8Array.from('SQLite format 3\0', (c) => c.charCodeAt(0)))
    bytes.set([0, 1], 16)
    setFileFormat(bytes, WAL_FORMAT)
    expect(readSqliteHeader(bytes)).toMatchObject({ isSqlite: true, pageSize: 65536, writeVersion: 2, readVersion: 2 })
    setFileFormat(bytes, ROLLBACK_FORMAT)
    expect([bytes[18], bytes[19]]).toEqual([1, 1])
  })

  it('never throws on short or foreign bytes: unreached fields read 0', () => {
    expect(readSqliteHeader(new Uint8Array())).toEqual({
      isSqlite: false,
      pageSize: 0,
      writeVersion: 0,
      readVersion: 0,
      changeCounter: 0,
      userVersion: 0,
    })
    const truncated = new Uint8Array(99)
    truncated.set(Uint8Array.from('SQLite format 3\0', (c) => c.charCodeAt(0)))
    expect(readSqliteHeader(truncated).isSqlite).toBe(false)
    const other = new Uint8Array(SQLITE_HEADER_BYTES).fill(0x41)
    expect(readSqliteHeader(other).isSqlite).toBe(false)
  })
})
