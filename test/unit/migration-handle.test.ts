import { describe, expect, it } from 'vitest'

import { readHistory } from '../../core/runner/history'
import { runMigrations } from '../../core/runner/run-migrations'
import { MigrationStepError } from '../../core/runner/runner'
import type { Database } from '../../core/sqlite/sqlite'
import type { Migration } from '../../shared/types'
import { memoryDb, rows } from './sqlite'

// An up(db) compiled from `async` (TypeScript or Babel targeting ES2016, so not refused as an AsyncFunction) returns a
// promise: the runner rolls its step back and closes its handle. Whatever it kept from the handle must be closed too,
// or its continuation writes to the live connection outside any migration.
const keep: Migration = { version: 1, name: 'keep', sql: 'CREATE TABLE keep(x);' }

async function lateWrite(up: (db: Database, later: (write: () => void) => void) => void) {
  const { sqlite3, db } = await memoryDb()
  let late: Promise<void> | undefined
  const migration = {
    version: 2,
    name: 'late',
    up: (handle: Database) => (
      up(handle, (write) => {
        late = Promise.resolve().then(write)
      }),
      late
    ),
  } as unknown as Migration
  const error = await runMigrations(sqlite3, db, [keep, migration]).catch((e: unknown) => e)
  const lateError = await late?.then(
    () => null,
    (e: unknown) => e,
  )
  return { error, lateError, rows: rows(db, 'keep'), version: readHistory(db).version }
}

describe('what a code migration keeps from its handle is closed with it', () => {
  it('a statement it prepared and steps after its first await', async () => {
    const result = await lateWrite((db, later) => {
      const insert = db.prepare('INSERT INTO keep VALUES (42)')
      later(() => void insert.step())
    })
    expect(result.error).toBeInstanceOf(MigrationStepError)
    expect(result.lateError).toBeInstanceOf(Error)
    expect(result.rows).toEqual([])
    expect(result.version).toBe(1)
  })

  it('the connection a savepoint callback was given', async () => {
    const result = await lateWrite((db, later) => {
      db.savepoint((inner: Database) => later(() => void inner.exec('INSERT INTO keep VALUES (43)')))
    })
    expect(result.error).toBeInstanceOf(MigrationStepError)
    expect(result.lateError).toBeInstanceOf(Error)
    expect(result.rows).toEqual([])
  })

  it('a synchronous up() that prepares, steps and finalizes still works; a statement it forgot is finalized', async () => {
    const { sqlite3, db } = await memoryDb()
    let forgotten: { pointer?: unknown } | undefined
    const up = (handle: Database) => {
      const insert = handle.prepare('INSERT INTO keep VALUES (?)')
      for (const x of [1, 2]) insert.bind([x]).stepReset()
      insert.finalize()
      forgotten = handle.prepare('SELECT x FROM keep')
      handle.savepoint((inner: Database) => inner.exec('INSERT INTO keep VALUES (3)'))
    }
    await runMigrations(sqlite3, db, [keep, { version: 2, name: 'fill', up }])
    expect(rows(db, 'keep')).toEqual([{ x: 1 }, { x: 2 }, { x: 3 }])
    expect(forgotten!.pointer).toBeUndefined()
  })
})

describe('statements prepared one per row', () => {
  it('run as before (finalized ones are let go of as the migration goes)', async () => {
    const { sqlite3, db } = await memoryDb()
    const up = (handle: Database) => {
      for (let i = 0; i < 1000; i++) handle.prepare('INSERT INTO keep VALUES (?)').bind([i]).stepFinalize()
    }
    await runMigrations(sqlite3, db, [keep, { version: 2, name: 'rows', up }])
    expect(rows(db, 'keep')).toHaveLength(1000)
  })
})
