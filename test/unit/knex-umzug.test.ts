import { createRequire } from 'node:module'
import { join } from 'node:path'

import { describe, expect, it } from 'vitest'

import { migrationsFromGlob } from '../../core/folder/migrations-from-glob'
import { readHistory } from '../../core/runner/history'
import { runMigrations } from '../../core/runner/run-migrations'
import { MigrationStepError } from '../../core/runner/runner'
import { checkMigrationFiles } from '../../node/check-migrations'
import { readMigrationsDirectory } from '../../node/read-migrations-directory'
import { InvalidMigrationsError } from '../../shared/errors'
import type { Migration } from '../../shared/types'
import { memoryDb, sqlite, tables } from './sqlite'

// JavaScript migrations written for knex or Umzug: asynchronous, given a query builder. Here up(db) is synchronous and
// gets sqlite-wasm's Database, so they cannot run; they must be refused, rolled back, and say why.
const fixtures = join(import.meta.dirname, 'fixtures', 'sections')
const require = createRequire(import.meta.url)
const folder = async (name: string) =>
  migrationsFromGlob(
    Object.fromEntries((await readMigrationsDirectory(join(fixtures, name), { base: fixtures })).map((f) => [f.path, f.value as never])),
  )

describe('knex and Umzug migrations', () => {
  it('a knex migration (up(knex) returning knex.schema…) fails, rolled back, naming knex', async () => {
    const migrations = await folder('knex')
    expect(migrations.map((m) => m.name)).toEqual(['20240101000000_create_users'])
    const { sqlite3, db } = await memoryDb()
    const error = await runMigrations(sqlite3, db, migrations).catch((e: unknown) => e)
    expect(error).toBeInstanceOf(MigrationStepError)
    expect((error as MigrationStepError).migration.name).toBe('20240101000000_create_users')
    expect((error as Error).message).toMatch(/read db\.schema, which sqlite-wasm's Database does not have.*written for knex/s)
    expect(tables(db)).toEqual([])
    expect(readHistory(db).version).toBe(0)
  })

  it('an Umzug migration (up({ context })) fails the same way; an async one is refused before the database is touched', async () => {
    const initial = require(join(fixtures, 'umzug', '00_initial.js')) as { up: Migration['up'] }
    const [migration] = migrationsFromGlob({ './migrations/00_initial.js': { default: initial } as never })
    const { sqlite3, db } = await memoryDb()
    const error = await runMigrations(sqlite3, db, [migration!]).catch((e: unknown) => e)
    expect((error as Error).message).toMatch(/read db\.context.*Umzug \(up\(\{ context \}\)\)/s)
    const asynchronous = require(join(fixtures, 'umzug', '01_async.js')) as { up: Migration['up'] }
    const refused = await runMigrations(sqlite3, db, migrationsFromGlob({ './m/01_async.js': asynchronous as never })).catch(
      (e: unknown) => e,
    )
    expect(refused).toBeInstanceOf(InvalidMigrationsError)
    expect((refused as Error).message).toMatch(/must be synchronous.*knex or Umzug/s)
    expect(tables(db)).toEqual([])
  })

  it('a compiled async up(db) returning a promise is rolled back, and what it does after its first await never reaches the database', async () => {
    const [migration] = await folder('compiled-async')
    const up = migration!.up as unknown as (db: unknown) => Promise<unknown>
    let returned: Promise<unknown> | undefined
    const watched = { ...migration!, up: (db: unknown) => (returned = up(db)) } as unknown as Migration
    const { sqlite3, db } = await memoryDb()
    const error = await runMigrations(sqlite3, db, [watched]).catch((e: unknown) => e)
    expect(error).toBeInstanceOf(MigrationStepError)
    expect((error as Error).message).toMatch(/up\(\) returned a promise.*handle closed/s)
    // Let the migration's own promise run to its end: its statement after the await fails on the closed handle.
    await expect(returned).rejects.toThrow(/revoked/)
    expect(tables(db)).toEqual([])
    expect(readHistory(db).version).toBe(0)
  })

  it('the check reports them as code errors naming the file and the tool', async () => {
    const files = await readMigrationsDirectory(join(fixtures, 'knex'), { base: fixtures })
    const result = await checkMigrationFiles(await sqlite(), files)
    expect(result.diagnostics.map((d) => [d.rule, d.file])).toEqual([['code-error', 'knex/20240101000000_create_users.js']])
    expect(result.diagnostics[0]!.message).toMatch(/knex\/20240101000000_create_users\.js: .*written for knex/s)
  })
})
