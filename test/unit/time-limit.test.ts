import { describe, expect, it } from 'vitest'

import { dryRun } from '../../core/runner/dry-run'
import { readHistory } from '../../core/runner/history'
import { runMigrations } from '../../core/runner/run-migrations'
import { applyMigration, MigrationStepError, prepareMigrations } from '../../core/runner/runner'
import type { Database } from '../../core/sqlite/sqlite'
import { TimeLimitError, withTimeLimit } from '../../core/sqlite/time-limit'
import { InvalidOptionsError, MigrationFailedError } from '../../shared/errors'
import type { Migration } from '../../shared/types'
import { openDatabase } from '../../src/open-database'
import { describeFailure } from '../../worker/records/upgrade-failure'
import { memoryDb, rows, tables } from './sqlite'

const LIMIT = 200

/** Rows a recursive CTE produces: `count` of them take seconds to insert (about 0.4 µs each in Node). */
const counting = (count: number) => `WITH RECURSIVE c(n) AS (SELECT 1 UNION ALL SELECT n + 1 FROM c WHERE n < ${count}) SELECT n FROM c`

const base: Migration[] = [
  { version: 1, name: 'create_notes', sql: 'CREATE TABLE notes (id INTEGER PRIMARY KEY, title TEXT NOT NULL);' },
  { version: 2, name: 'seed', sql: `INSERT INTO notes (title) VALUES ('a'), ('b');` },
]

/** Twenty million rows: about 8 s unlimited, so only an interrupt can end it within the limit. */
const slowSql: Migration = {
  version: 3,
  name: 'slow_sql',
  sql: `CREATE TABLE big (n INTEGER NOT NULL, label TEXT NOT NULL);
UPDATE notes SET title = title || ' (touched)';
INSERT INTO big (n, label) SELECT n, hex(n) FROM (${counting(20_000_000)});
CREATE INDEX big_n ON big (n);`,
}

/** Everything a migration could leave behind: schema, every row of every table, user_version. */
function everything(db: Database) {
  return {
    userVersion: db.selectValue('PRAGMA user_version'),
    schema: db.selectObjects('SELECT type, name, tbl_name, sql FROM sqlite_schema ORDER BY type, name'),
    rows: Object.fromEntries(tables(db).map((t) => [t, rows(db, t)])),
  }
}

/** A database at version 2, and what it holds. */
async function atVersion2() {
  const { sqlite3, db } = await memoryDb()
  await runMigrations(sqlite3, db, base)
  return { sqlite3, db, before: everything(db) }
}

/** Runs `run`, returning what it threw and how long it took. */
async function timed(run: () => unknown): Promise<{ error: unknown; ms: number }> {
  const started = performance.now()
  try {
    await run()
  } catch (error) {
    return { error, ms: performance.now() - started }
  }
  return { error: undefined, ms: performance.now() - started }
}

/** No hook is left: with one still set (its deadline long gone) a statement of ~1000 steps or more would fail. */
function expectNoHookLeft(db: Database) {
  expect(db.selectValue(`SELECT count(*) FROM (${counting(300_000)})`)).toBe(300_000)
  db.exec('CREATE TABLE after_the_limit (x); DROP TABLE after_the_limit')
}

describe('migrationTimeLimitMs', () => {
  it('interrupts a long SQL statement, names it, and leaves nothing of the migration', async () => {
    const { sqlite3, db, before } = await atVersion2()
    const { error, ms } = await timed(() => runMigrations(sqlite3, db, [...base, slowSql], { migrationTimeLimitMs: LIMIT }))
    expect(error).toBeInstanceOf(MigrationStepError)
    const step = error as MigrationStepError
    expect(step).toMatchObject({ sqliteCode: 9, timedOut: true, migration: { version: 3, name: 'slow_sql' } })
    expect(step.statement).toMatch(/^INSERT INTO big \(n, label\) SELECT n, hex\(n\)/)
    expect(step.sqliteMessage).toMatch(
      /^exceeded its time limit of 200 ms \(migrationTimeLimitMs\): SQLite interrupted it after \d+ ms; rolled back$/,
    )
    expect(step.cause).toBeInstanceOf(TimeLimitError)
    expect(ms).toBeLessThan(5 * LIMIT)
    expect(everything(db)).toEqual(before)
    expect(readHistory(db).version).toBe(2)
    expect(sqlite3.capi.sqlite3_get_autocommit(db.pointer!)).not.toBe(0)
    expectNoHookLeft(db)
  })

  it('interrupts a code migration that calls db.exec in a loop past the deadline', async () => {
    const { sqlite3, db, before } = await atVersion2()
    let calls = 0
    const loop: Migration = {
      version: 3,
      name: 'loop',
      up(db) {
        db.exec('CREATE TABLE log (n INTEGER NOT NULL)')
        // Bounded, so a broken limit fails the test instead of hanging it.
        for (const until = performance.now() + 20 * LIMIT; performance.now() < until; calls++)
          db.exec(`INSERT INTO log (n) ${counting(5_000)}`)
      },
    }
    const { error, ms } = await timed(() => runMigrations(sqlite3, db, [...base, loop], { migrationTimeLimitMs: LIMIT }))
    expect(error).toMatchObject({ name: 'MigrationStepError', sqliteCode: 9, timedOut: true, statement: null })
    expect((error as MigrationStepError).sqliteMessage).toMatch(/SQLite interrupted it after \d+ ms; rolled back$/)
    expect(calls).toBeGreaterThan(1)
    expect(ms).toBeLessThan(5 * LIMIT)
    expect(everything(db)).toEqual(before)
    expectNoHookLeft(db)
  })

  it('fails a code migration that catches the interrupt, and keeps it from writing anything after it', async () => {
    const { sqlite3, db, before } = await atVersion2()
    const seen: unknown[] = []
    const stubborn: Migration = {
      version: 3,
      name: 'stubborn',
      up(db) {
        db.exec('CREATE TABLE big (n INTEGER NOT NULL)')
        try {
          db.exec(`INSERT INTO big (n) ${counting(20_000_000)}`)
        } catch (error) {
          seen.push((error as { resultCode?: number }).resultCode)
        }
        // The interrupt ended the transaction: written now, this row would be committed on its own.
        try {
          db.exec(`INSERT INTO notes (title) VALUES ('after the interrupt')`)
        } catch (error) {
          seen.push((error as { resultCode?: number }).resultCode)
        }
      },
    }
    const { error } = await timed(() => runMigrations(sqlite3, db, [...base, stubborn], { migrationTimeLimitMs: LIMIT }))
    expect(seen).toEqual([9, 23]) // SQLITE_INTERRUPT, then SQLITE_AUTH: nothing runs past the deadline
    expect(error).toMatchObject({ sqliteCode: 9, timedOut: true })
    expect((error as MigrationStepError).sqliteMessage).toMatch(/SQLite interrupted it/)
    expect(everything(db)).toEqual(before)
    expectNoHookLeft(db)
  })

  it('fails a pure JavaScript loop once it returns, and a loop of tiny statements at its first one past the deadline', async () => {
    const { sqlite3, db, before } = await atVersion2()
    const busy: Migration = {
      version: 3,
      name: 'busy',
      up(db) {
        db.exec(`INSERT INTO notes (title) VALUES ('before the loop')`)
        for (const until = performance.now() + 2 * LIMIT; performance.now() < until;);
      },
    }
    const { error, ms } = await timed(() => runMigrations(sqlite3, db, [...base, busy], { migrationTimeLimitMs: LIMIT }))
    expect(error).toMatchObject({ sqliteCode: 9, timedOut: true, statement: null })
    expect((error as MigrationStepError).sqliteMessage).toMatch(/it returned after \d+ ms \(JavaScript cannot be interrupted/)
    expect(ms).toBeGreaterThanOrEqual(2 * LIMIT)
    expect(everything(db)).toEqual(before)

    // Each INSERT is far below 1000 VM steps, so the progress handler never fires; the authorizer stops the next one.
    let inserted = 0
    const rowByRow: Migration = {
      version: 3,
      name: 'row_by_row',
      up(db) {
        for (const until = performance.now() + 20 * LIMIT; performance.now() < until; inserted++)
          db.exec({ sql: 'INSERT INTO notes (title) VALUES (?)', bind: [`row ${inserted}`] })
      },
    }
    const tiny = await timed(() => runMigrations(sqlite3, db, [...base, rowByRow], { migrationTimeLimitMs: LIMIT }))
    expect(tiny.error).toMatchObject({ sqliteCode: 9, timedOut: true })
    expect(inserted).toBeGreaterThan(100)
    expect(tiny.ms).toBeLessThan(5 * LIMIT)
    expect(everything(db)).toEqual(before)
  })

  it('lets a migration under the limit pass, and 0 means no limit', async () => {
    const { sqlite3, db } = await atVersion2()
    const quick: Migration = { version: 3, name: 'quick', sql: `CREATE TABLE small AS ${counting(1_000)};` }
    expect((await runMigrations(sqlite3, db, [...base, quick], { migrationTimeLimitMs: 10_000 })).map((r) => r.version)).toEqual([3])
    expect(db.selectValue('SELECT count(*) FROM small')).toBe(1_000)
    expectNoHookLeft(db)

    // Slower than 200 ms (measured below), and still applied without a limit.
    const slower: Migration = { version: 4, name: 'slower', sql: `CREATE TABLE medium AS ${counting(2_000_000)};` }
    const started = performance.now()
    await runMigrations(sqlite3, db, [...base, quick, slower], { migrationTimeLimitMs: 0 })
    expect(performance.now() - started).toBeGreaterThan(LIMIT)
    expect(db.selectValue('SELECT count(*) FROM medium')).toBe(2_000_000)
    expect(readHistory(db).version).toBe(4)
  })

  it('stops runMigrations at the slow migration; the ones before it stay applied', async () => {
    const { sqlite3, db } = await memoryDb()
    const after: Migration = { version: 4, name: 'after', sql: 'CREATE TABLE never (x);' }
    const ended: number[] = []
    const error = await runMigrations(sqlite3, db, [...base, slowSql, after], {
      migrationTimeLimitMs: LIMIT,
      onMigration: (e) => e.phase === 'end' && ended.push(e.migration.version),
    }).catch((e: unknown) => e)
    expect(error).toMatchObject({ timedOut: true, migration: { version: 3 } })
    expect(ended).toEqual([1, 2])
    expect(readHistory(db).applied.map((r) => r.version)).toEqual([1, 2])
    expect(tables(db)).toEqual(['notes', 'schema_migrations'])
    expect(rows(db, 'notes').map((r) => r.title)).toEqual(['a', 'b'])
  })

  it('stops a migration without a transaction at the interrupted statement', async () => {
    const { sqlite3, db } = await atVersion2()
    const noTx: Migration = { ...slowSql, transaction: false }
    const error = (await runMigrations(sqlite3, db, [...base, noTx], { migrationTimeLimitMs: LIMIT }).catch(
      (e: unknown) => e,
    )) as MigrationStepError
    expect(error).toMatchObject({ sqliteCode: 9, timedOut: true })
    expect(error.sqliteMessage).toMatch(/the interrupted statement was rolled back, earlier ones stay$/)
    // Autocommit: the CREATE and UPDATE before it are kept, the INSERT is not, and no history row is written.
    expect(db.selectValue('SELECT count(*) FROM big')).toBe(0)
    expect(readHistory(db).version).toBe(2)
    expectNoHookLeft(db)
  })

  it('threads the limit through applyMigration and dryRun', async () => {
    const { sqlite3, db, before } = await atVersion2()
    expect(() => applyMigration(sqlite3, db, slowSql, { checksum: null, timeLimitMs: LIMIT })).toThrow(/exceeded its time limit of 200 ms/)
    expect(everything(db)).toEqual(before)
    const bytes = sqlite3.capi.sqlite3_js_db_export(db.pointer!)
    const request = { acceptEditedMigrations: false, foreignKeys: true, verify: 'quick_check', migrationTimeLimitMs: LIMIT } as const
    const result = dryRun(sqlite3, bytes, await prepareMigrations([...base, slowSql]), request)
    expect(result).toMatchObject({ ok: false, reachedVersion: 2 })
    expect(result.steps[0]).toMatchObject({ version: 3, outcome: 'failed', error: { sqliteCode: 9 } })
    expect(result.steps[0]!.error!.message).toMatch(/exceeded its time limit/)
  })

  it('refuses a limit that is not a whole number of milliseconds ≥ 0', async () => {
    const { sqlite3, db } = await memoryDb()
    for (const bad of [-1, 1.5, Number.NaN, Number.POSITIVE_INFINITY, '100'])
      await expect(runMigrations(sqlite3, db, base, { migrationTimeLimitMs: bad as number })).rejects.toBeInstanceOf(InvalidOptionsError)
    expect(tables(db)).toEqual([])
  })
})

describe('withTimeLimit', () => {
  it('returns the body’s result, and rethrows an error thrown before the deadline as it is', async () => {
    const { sqlite3, db } = await memoryDb()
    expect(withTimeLimit(sqlite3, db, LIMIT, () => db.selectValue('SELECT 41 + 1'))).toBe(42)
    expect(withTimeLimit(sqlite3, db, 0, () => 'no limit')).toBe('no limit')
    const mine = new Error('mine')
    expect(() =>
      withTimeLimit(sqlite3, db, LIMIT, () => {
        throw mine
      }),
    ).toThrow(mine)
    expectNoHookLeft(db)
  })

  it('frees its function pointers', async () => {
    const { sqlite3, db } = await memoryDb()
    const free = () => {
      const table = sqlite3.wasm.functionTable() as WebAssembly.Table
      let n = 0
      for (let i = 0; i < table.length; i++) if (!table.get(i)) n++
      return table.length - n
    }
    withTimeLimit(sqlite3, db, LIMIT, () => {})
    const used = free()
    for (let i = 0; i < 200; i++) withTimeLimit(sqlite3, db, LIMIT, () => db.exec('SELECT 1'))
    expect(free()).toBe(used)
  })
})

describe('openDatabase migrationTimeLimitMs', () => {
  // The options are checked before the worker is created: a worker() that throws shows they were accepted.
  const open = (migrationTimeLimitMs: unknown) =>
    openDatabase({
      name: 'app.db',
      worker: () => {
        throw new Error('options accepted')
      },
      migrationTimeLimitMs: migrationTimeLimitMs as number,
    }).then(
      () => new Error('opened'),
      (e: unknown) => e as Error,
    )

  it('accepts a whole number of milliseconds ≥ 0 and refuses anything else', async () => {
    for (const good of [undefined, 0, 500]) expect((await open(good)).message).toMatch(/options accepted/)
    for (const bad of [-1, 2.5, Number.NaN, '500', null]) {
      const error = await open(bad)
      expect(error).toBeInstanceOf(InvalidOptionsError)
      expect(error.message).toMatch(/migrationTimeLimitMs must be a whole number of milliseconds ≥ 0/)
    }
  })
})

describe('MigrationFailedError.timedOut', () => {
  it('is kept in the recorded failure', () => {
    const error = new MigrationFailedError('m', {
      phase: 'migration',
      version: 3,
      migrationName: 'slow_sql',
      statement: 'INSERT …',
      sqliteCode: 9,
      sqliteMessage: 'exceeded its time limit',
      timedOut: true,
      restoredToVersion: 2,
      snapshotId: 's1',
    })
    expect(error.timedOut).toBe(true)
    expect(describeFailure(error, { fromVersion: 2, toVersion: 3 })).toMatchObject({ sqliteCode: 9, timedOut: true })
    expect(describeFailure(new Error('other'), { fromVersion: 2, toVersion: 3 }).timedOut).toBe(false)
  })
})
